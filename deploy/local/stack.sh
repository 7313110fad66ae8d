#!/usr/bin/env bash
# Local development stack without Docker: Kafka (KRaft) and PostgreSQL, authenticated and authorised.
#
#   deploy/local/stack.sh install          fetch/install what is missing, generate the local secrets (idempotent)
#   deploy/local/stack.sh start            install, start both, wait until healthy, apply roles and ACLs
#   deploy/local/stack.sh stop             graceful stop (data is kept)
#   deploy/local/stack.sh status           state and health of each part (exit 1 if one is down)
#   deploy/local/stack.sh logs [kafka|postgres] [-f]
#   deploy/local/stack.sh node N start|stop|kill|pause|resume   one Kafka node (faults: SIGKILL, SIGSTOP, SIGCONT)
#   deploy/local/stack.sh postgres-restart                         PostgreSQL restarted with a fast shutdown
#
# Everything lives inside the clone: Kafka jars in .cache/, data in .data/kafka and .data/postgres, secrets in
# .data/secrets (deploy/local/secrets.sh), logs in .data/logs/, pid files in .data/run/. Clients find the endpoints
# and credentials with deploy/local/env.sh.
#
# Kafka: one listener for clients, SASL_SSL (SCRAM-SHA-512) on 127.0.0.1:9092; the brokers' internal and controller
# listeners (9094, 9093) take only mutual TLS with the nodes' certificate; ACLs from shared/kafka_acl.py.
# PostgreSQL: one role per service, bi_reader, and the superuser `ali`, passwords generated (deploy/local/roles.sql).
#
# ALI_KAFKA_BROKERS=3 runs a cluster of three nodes (each broker and controller, replication factor 3,
# min.insync.replicas 2) in .data/kafka-cluster; a data directory keeps the broker count it was made with.
#
# Tunables (environment): STACK_START_TIMEOUT (s, default 90), STACK_STOP_TIMEOUT (s, default 30),
# KAFKA_HEAP_OPTS (default -Xmx512m); ALI_DATA_DIR (default .data), ALI_KAFKA_PORT (first node's client port,
# default 9092), ALI_POSTGRES_PORT (default 54329) to run a second stack beside the first (the fault tests do).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)

KAFKA_CONF_DIR="$REPO/deploy/kafka"
CACHE_DIR="$REPO/.cache"
DATA_DIR=${ALI_DATA_DIR:-$REPO/.data}
LOG_DIR="$DATA_DIR/logs"
RUN_DIR="$DATA_DIR/run"

# The Kafka version has one home: the kafka.version property of deploy/kafka/pom.xml.
KAFKA_VERSION=$(sed -n 's:.*<kafka\.version>\(.*\)</kafka\.version>.*:\1:p' "$KAFKA_CONF_DIR/pom.xml")
KAFKA_HOME="$CACHE_DIR/kafka-$KAFKA_VERSION"
KAFKA_LIBS="$KAFKA_HOME/libs"
KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xmx512m}
KAFKA_HOST=127.0.0.1
# One node (the default) or a cluster of three (ALI_KAFKA_BROKERS=3): each node is broker and controller. Node n
# listens on P+100(n-1) (clients), P+1+100(n-1) (controllers), P+2+100(n-1) (between brokers), P=9092 by default.
# A data directory keeps the count it was made with (its database's relay checkpoints belong to that cluster).
KAFKA_BASE_PORT=${ALI_KAFKA_PORT:-9092}
STACK_ENV="$DATA_DIR/stack.env"
MADE_WITH=$(sed -n 's/^ALI_KAFKA_BROKERS=//p' "$STACK_ENV" 2>/dev/null || true)
KAFKA_NODES=${ALI_KAFKA_BROKERS:-${MADE_WITH:-1}}
if [[ $KAFKA_NODES == 1 ]]; then
  KAFKA_DATA="$DATA_DIR/kafka"
else
  KAFKA_DATA="$DATA_DIR/kafka-cluster"
fi

SECRETS_DIR="$DATA_DIR/secrets"
TLS_DIR="$SECRETS_DIR/tls"
PY="$REPO/.venv/bin/python"

PG_HOST=127.0.0.1
PG_PORT=${ALI_POSTGRES_PORT:-54329}
PG_DATA="$DATA_DIR/postgres"
PG_LOG="$LOG_DIR/postgres.log"
PG_PID="$RUN_DIR/postgres.pid"
PG_SOCKET_DIR="$RUN_DIR/postgres"
PG_OS_USER=postgres
PG_SUPERUSER=ali
PG_DATABASE=ali
# Endpoint only: each client brings its own role (.data/secrets/<principal>.env).
DATABASE_URL="postgresql://$PG_HOST:$PG_PORT/$PG_DATABASE"

START_TIMEOUT=${STACK_START_TIMEOUT:-90}
STOP_TIMEOUT=${STACK_STOP_TIMEOUT:-30}

# A unix socket path is limited to 107 bytes; a deep clone falls back to a short directory.
if (( ${#PG_SOCKET_DIR} + 16 > 100 )); then
  PG_SOCKET_DIR="${TMPDIR:-/tmp}/ali-pg-$(printf '%s' "$REPO" | md5sum | cut -c1-12)"
fi

IS_ROOT=0
[[ $(id -u) -eq 0 ]] && IS_ROOT=1

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------- helpers

APT_UPDATED=0
apt_install() {
  local sudo=()
  if (( ! IS_ROOT )); then
    if ! { command -v sudo >/dev/null && sudo -n true 2>/dev/null; }; then
      log "cannot install $* (not root and no password-less sudo)"
      return 1
    fi
    sudo=(sudo -n)
  fi
  if (( ! APT_UPDATED )); then
    log "apt-get update"
    "${sudo[@]}" apt-get update -qq >/dev/null 2>&1 || { log "apt-get update failed"; return 1; }
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  local out
  out=$(mktemp)
  if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends "$@" >"$out" 2>&1; then
    cat "$out" >&2
    rm -f "$out"
    return 1
  fi
  rm -f "$out"
}

# pid stored in $1 if that process is alive and its command line contains $2.
live_pid() {
  local file=$1 marker=$2 pid
  [[ -s $file ]] || return 1
  pid=$(head -n1 "$file" | tr -dc '0-9')
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker" || return 1
  printf '%s\n' "$pid"
}

port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

show_log_tail() {
  local file=$1
  printf '[stack] ---- last lines of %s ----\n' "$file" >&2
  tail -n "${2:-40}" "$file" >&2 2>/dev/null || true
  printf '[stack] ----\n' >&2
}

# Sends $2 to pid $1, waits STOP_TIMEOUT, then escalates to $3 (and finally SIGKILL).
stop_pid() {
  local pid=$1 sig=$2 escalate=$3 name=$4 waited=0
  kill "-$sig" "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do
    if (( waited >= STOP_TIMEOUT * 10 )); then
      log "$name did not stop within ${STOP_TIMEOUT}s, sending SIG$escalate"
      kill "-$escalate" "$pid" 2>/dev/null || true
      sleep 5
      kill -0 "$pid" 2>/dev/null && { log "$name still alive, sending SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; }
      sleep 0.5
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

prepare_dirs() {
  mkdir -p "$CACHE_DIR" "$LOG_DIR" "$RUN_DIR" "$KAFKA_DATA"
  # The postgres server may run as another OS user: it must reach .data/, logs/ and run/.
  chmod 0755 "$DATA_DIR" "$LOG_DIR" "$RUN_DIR"
}

# ---------------------------------------------------------------------------- install

install_java_tools() {
  if ! command -v java >/dev/null; then
    apt_install openjdk-17-jre-headless || die "Java 17+ is required (apt-get install openjdk-17-jre-headless)"
  fi
  local major
  major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
  [[ ${major%%.*} -ge 17 ]] 2>/dev/null || die "Kafka $KAFKA_VERSION needs Java 17+, found '$major'"
}

install_kafka() {
  # The stamp ties the copied jars to the pom: editing the pom re-copies them.
  local stamp="$KAFKA_HOME/.installed" want
  want=$(sha256sum "$KAFKA_CONF_DIR/pom.xml" | cut -d' ' -f1)
  if [[ -f $stamp && $(<"$stamp") == "$want" ]] && compgen -G "$KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null; then
    return 0
  fi
  install_java_tools
  command -v mvn >/dev/null || apt_install maven || die "Maven is required (apt-get install maven)"
  log "fetching Kafka $KAFKA_VERSION jars with Maven into ${KAFKA_LIBS#"$REPO"/}"
  local tmp="$KAFKA_HOME/libs.tmp" out="$KAFKA_HOME/mvn.log"
  rm -rf "$tmp"
  mkdir -p "$KAFKA_HOME"
  if ! (cd "$KAFKA_CONF_DIR" && mvn -q -B dependency:copy-dependencies \
      -DoutputDirectory="$tmp" -DincludeScope=runtime) >"$out" 2>&1; then
    cat "$out" >&2
    die "Maven could not resolve the Kafka jars (output above, also in ${out#"$REPO"/})"
  fi
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  printf '%s\n' "$want" >"$stamp"
}

# Highest /usr/lib/postgresql/<major>/bin that has a server.
find_pg_bin() {
  local d best=""
  while IFS= read -r d; do
    [[ -x $d/postgres && -x $d/initdb && -x $d/pg_ctl ]] && best=$d
  done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V)
  [[ -n $best ]] && printf '%s\n' "$best"
}

install_postgres() {
  if ! PG_BIN=$(find_pg_bin); then
    # The Debian package also creates and may start its own cluster on port 5432; this stack
    # does not use it, so a service start is refused while installing (policy-rc.d).
    local policy=/usr/sbin/policy-rc.d added_policy=0
    if (( IS_ROOT )) && [[ ! -e $policy ]]; then
      printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy" && added_policy=1
    fi
    apt_install postgresql || { (( added_policy )) && rm -f "$policy"; die "could not install PostgreSQL (apt-get install postgresql)"; }
    (( added_policy )) && rm -f "$policy"
    PG_BIN=$(find_pg_bin) || die "PostgreSQL installed but no server found under /usr/lib/postgresql/*/bin"
  fi
  if (( IS_ROOT )) && ! id -u "$PG_OS_USER" >/dev/null 2>&1; then
    log "creating the '$PG_OS_USER' OS user (postgres refuses to run as root)"
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
      --shell /bin/sh "$PG_OS_USER"
  fi
}

install_kcat() {
  command -v kcat >/dev/null && return 0
  apt_install kcat || log "WARNING: could not install kcat (used only to read topics by hand); continuing"
}

# Debian's Chromium drives the dashboard's browser test (playwright uses it; it downloads no browser).
install_chromium() {
  [[ -x /usr/bin/chromium ]] && return 0
  apt_install chromium || die "could not install Debian's chromium (needed by the dashboard's browser test)"
}

# Debian's HAProxy keeps the services' ports in front of their replicas (ALI_REPLICAS, deploy/local/platform.sh).
install_haproxy() {
  command -v haproxy >/dev/null && return 0
  local policy=/usr/sbin/policy-rc.d added_policy=0
  if (( IS_ROOT )) && [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy" && added_policy=1
  fi
  apt_install haproxy || { (( added_policy )) && rm -f "$policy"; die "could not install HAProxy (apt-get install haproxy)"; }
  (( added_policy )) && rm -f "$policy"
  return 0
}

install_secrets() {
  command -v openssl >/dev/null || apt_install openssl || die "openssl is required (apt-get install openssl)"
  "$REPO/deploy/local/secrets.sh" "$SECRETS_DIR"
}

cmd_install() {
  prepare_dirs
  install_secrets
  install_kafka
  install_postgres
  install_kcat
  install_chromium
  install_haproxy
}

# ---------------------------------------------------------------------------- kafka

# Fills KAFKA_CMD with the java command line shared by the brokers and their tools (log file: $1).
kafka_cmd() {
  local heap
  read -r -a heap <<<"$KAFKA_HEAP_OPTS"
  KAFKA_CMD=(java "${heap[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExplicitGCInvokesConcurrent
    -Djava.awt.headless=true
    -Dlog4j2.configurationFile="$KAFKA_CONF_DIR/log4j2.properties"
    -Dkafka.logs.dir="$LOG_DIR" -Dkafka.log.file="${1:-$LOG_DIR/kafka.log}"
    -cp "$KAFKA_LIBS/*")
}

kafka_java() {
  kafka_cmd
  "${KAFKA_CMD[@]}" "$@"
}

# Paths and ports of node $1 (1..KAFKA_NODES). One node keeps the layout of the first local stacks.
node_dir() { if [[ $KAFKA_NODES == 1 ]]; then printf '%s\n' "$KAFKA_DATA"; else printf '%s\n' "$KAFKA_DATA/node-$1"; fi; }
node_log() { if [[ $KAFKA_NODES == 1 ]]; then printf '%s\n' "$LOG_DIR/kafka.log"; else printf '%s\n' "$LOG_DIR/kafka-$1.log"; fi; }
node_pidfile() { if [[ $KAFKA_NODES == 1 ]]; then printf '%s\n' "$RUN_DIR/kafka.pid"; else printf '%s\n' "$RUN_DIR/kafka-$1.pid"; fi; }
client_port() { printf '%s\n' $((KAFKA_BASE_PORT + 100 * ($1 - 1))); }
controller_port() { printf '%s\n' $((KAFKA_BASE_PORT + 1 + 100 * ($1 - 1))); }
internal_port() { printf '%s\n' $((KAFKA_BASE_PORT + 2 + 100 * ($1 - 1))); }
kafka_node_ids() { seq 1 "$KAFKA_NODES"; }
join_ports() { local fn=$1 n out=(); for n in $(kafka_node_ids); do out+=("$KAFKA_HOST:$("$fn" "$n")"); done; local IFS=,; printf '%s\n' "${out[*]}"; }
KAFKA_BOOTSTRAP=$(join_ports client_port)
KAFKA_INTERNAL=$(join_ports internal_port)

kafka_running_pid() { live_pid "$(node_pidfile "$1")" kafka.Kafka; }

# `KEY=value` of a credentials file.
secret_value() { sed -n "s/^$2=//p" "$SECRETS_DIR/$1.env" | head -n1; }

kafka_prepare() {
  local n=$1 dir voters=() m replication=1 min_isr=1
  dir=$(node_dir "$n")
  mkdir -p "$dir/data"
  for m in $(kafka_node_ids); do voters+=("$m@$KAFKA_HOST:$(controller_port "$m")"); done
  if (( KAFKA_NODES >= 3 )); then replication=3; min_isr=2; fi
  local template keystore_password
  template=$(<"$KAFKA_CONF_DIR/server.properties")
  keystore_password=$(<"$TLS_DIR/node.p12.password")
  template=${template//@NODE_ID@/$n}
  template=${template//@VOTERS@/$(IFS=,; printf '%s' "${voters[*]}")}
  local client="CLIENT://$KAFKA_HOST:$(client_port "$n")" internal="INTERNAL://$KAFKA_HOST:$(internal_port "$n")"
  template=${template//@LISTENERS@/$client,$internal,CONTROLLER://$KAFKA_HOST:$(controller_port "$n")}
  template=${template//@ADVERTISED_LISTENERS@/$client,$internal}
  template=${template//@KAFKA_LOG_DIR@/$dir/data}
  template=${template//@TLS_DIR@/$TLS_DIR}
  template=${template//@KEYSTORE_PASSWORD@/$keystore_password}
  template=${template//@ADMIN_PASSWORD@/$(secret_value admin ALI_KAFKA_PASSWORD)}
  template=${template//@BI_PASSWORD@/$(secret_value bi ALI_KAFKA_PASSWORD)}
  template=${template//@REPLICATION@/$replication}
  template=${template//@MIN_ISR@/$min_isr}
  (umask 077; printf '%s\n' "$template" >"$dir/server.properties")

  # The cluster id is generated once and kept; storage is formatted only when never formatted, with the SCRAM
  # credentials of every principal already in the metadata (later changes are applied by `kafka_access`).
  [[ -f $dir/data/meta.properties ]] && return 0
  local id_file="$KAFKA_DATA/cluster.id" cluster_id scram=() principal
  if [[ ! -s $id_file ]]; then
    cluster_id=$(kafka_java kafka.tools.StorageTool random-uuid | tail -n1)
    [[ $cluster_id =~ ^[A-Za-z0-9_-]{22}$ ]] || die "unexpected cluster id from StorageTool: '$cluster_id'"
    printf '%s\n' "$cluster_id" >"$id_file"
  fi
  cluster_id=$(<"$id_file")
  for principal in admin intake accompaniment placement reporting bi; do
    scram+=(--add-scram "SCRAM-SHA-512=[name=$principal,password=$(secret_value "$principal" ALI_KAFKA_PASSWORD)]")
  done
  log "formatting Kafka storage of node $n (cluster id $cluster_id)"
  kafka_cmd "$(node_log "$n")"
  "${KAFKA_CMD[@]}" kafka.tools.StorageTool format --ignore-formatted -t "$cluster_id" -c "$dir/server.properties" \
      "${scram[@]}" >>"$(node_log "$n")" 2>&1 \
    || { show_log_tail "$(node_log "$n")"; die "Kafka storage format failed (node $n)"; }
}

kafka_launch() {
  local n=$1 pidfile log_file
  pidfile=$(node_pidfile "$n")
  log_file=$(node_log "$n")
  if kafka_running_pid "$n" >/dev/null; then
    log "kafka node $n already running (pid $(kafka_running_pid "$n"))"
    return 0
  fi
  if port_open "$KAFKA_HOST" "$(client_port "$n")"; then
    die "port $(client_port "$n") is already in use by a process this clone did not start (another stack?)"
  fi
  kafka_prepare "$n"
  rm -f "$pidfile"
  log "starting kafka $KAFKA_VERSION node $n on $KAFKA_HOST:$(client_port "$n") (log: ${log_file#"$REPO"/})"
  printf '[%s] stack.sh: starting kafka node %s\n' "$(date '+%F %T')" "$n" >>"$log_file"
  # setsid detaches the broker from this shell; the child records its own pid and then
  # execs the JVM, so the pid file names the broker itself.
  kafka_cmd "$log_file"
  # shellcheck disable=SC2016
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$pidfile" \
    "${KAFKA_CMD[@]}" kafka.Kafka "$(node_dir "$n")/server.properties" \
    </dev/null >>"$log_file" 2>&1 9>&- &
  local _
  for _ in $(seq 50); do [[ -s $pidfile ]] && break; sleep 0.1; done
}

kafka_python() {
  [[ -x $PY ]] || die "no virtual environment: run 'make install' first"
  (cd "$REPO" && "$PY" -m deploy.local.kafka_admin "$@")
}

# Every node registered, then the principals' SCRAM credentials and ACLs applied (shared/kafka_acl.py), then the
# admin principal logged in over SASL_SSL.
kafka_wait() {
  local n
  for n in $(kafka_node_ids); do
    local deadline=$((SECONDS + START_TIMEOUT))
    until port_open "$KAFKA_HOST" "$(client_port "$n")"; do
      kafka_running_pid "$n" >/dev/null || { show_log_tail "$(node_log "$n")"; die "kafka node $n exited during start-up"; }
      (( SECONDS < deadline )) || { show_log_tail "$(node_log "$n")"; die "kafka node $n not listening after ${START_TIMEOUT}s"; }
      sleep 0.5
    done
  done
  kafka_python ready --secrets-dir "$SECRETS_DIR" --internal "$KAFKA_INTERNAL" --bootstrap "$KAFKA_BOOTSTRAP" \
      --brokers "$KAFKA_NODES" --timeout "$START_TIMEOUT" \
    || { for n in $(kafka_node_ids); do show_log_tail "$(node_log "$n")" 20; done; die "kafka not healthy"; }
  # The operator's kcat file (`kcat -F .data/secrets/admin.kcat`), e.g. to read the dead letters.
  kafka_python kcat-config --secrets-dir "$SECRETS_DIR" --bootstrap "$KAFKA_BOOTSTRAP" --principal admin \
    --out "$SECRETS_DIR/admin.kcat"
  log "kafka healthy on $KAFKA_BOOTSTRAP (SASL_SSL)"
}

# Every node at once: stopped one after the other, the last ones would wait for a controller quorum that is gone.
kafka_stop() {
  local n pid pids=() names=()
  for n in $(kafka_node_ids); do
    if pid=$(kafka_running_pid "$n"); then
      log "stopping kafka node $n (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
      names+=("kafka node $n")
    else
      log "kafka node $n not running"
    fi
  done
  local i
  for i in "${!pids[@]}"; do stop_pid "${pids[$i]}" 0 KILL "${names[$i]}"; done
  for n in $(kafka_node_ids); do rm -f "$(node_pidfile "$n")"; done
}

# ---------------------------------------------------------------------------- postgres

# Runs a command as the OS user that owns the cluster (postgres refuses to run as root).
as_pg() {
  if (( IS_ROOT )); then
    (cd / && runuser -u "$PG_OS_USER" -- "$@")
  else
    "$@"
  fi
}

pg_running_pid() {
  local pid
  # postmaster.pid is authoritative; our copy is refreshed from it.
  if pid=$(live_pid "$PG_DATA/postmaster.pid" postgres); then
    [[ $(cat "$PG_PID" 2>/dev/null) == "$pid" ]] || printf '%s\n' "$pid" >"$PG_PID"
    printf '%s\n' "$pid"
    return 0
  fi
  return 1
}

# Every ancestor of .data must be traversable by the server's OS user (e.g. /root, /tmp/x).
pg_fix_permissions() {
  (( IS_ROOT )) || return 0
  local d=$DATA_DIR mode
  while [[ $d != / ]]; do
    mode=$(stat -c %a "$d")
    if (( (8#$mode & 1) == 0 )); then
      log "chmod o+x $d (so that the '$PG_OS_USER' user can reach .data/)"
      chmod o+x "$d"
    fi
    d=$(dirname "$d")
  done
  mkdir -p "$PG_DATA" "$PG_SOCKET_DIR"
  chown "$PG_OS_USER:" "$PG_DATA" "$PG_SOCKET_DIR"
  [[ -e $PG_LOG ]] || : >"$PG_LOG"
  chown "$PG_OS_USER:" "$PG_LOG"
}

pg_init() {
  mkdir -p "$PG_DATA" "$PG_SOCKET_DIR"
  chmod 0700 "$PG_DATA"
  pg_fix_permissions
  if [[ ! -s $PG_DATA/PG_VERSION ]]; then
    [[ -z $(ls -A "$PG_DATA") ]] \
      || die "$PG_DATA is neither empty nor a PostgreSQL cluster; move it away and start again"
    log "initialising PostgreSQL cluster in ${PG_DATA#"$REPO"/}"
    local pwfile
    pwfile=$(mktemp)
    secret_value admin ALI_DATABASE_PASSWORD >"$pwfile"
    (( IS_ROOT )) && chown "$PG_OS_USER:" "$pwfile"
    # The bootstrap superuser is the operator's role `ali`; unix-socket logins (only for the OS user that runs the
    # server, see unix_socket_permissions) are trusted, TCP logins need a role's password.
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_SUPERUSER" --pwfile="$pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 \
        >>"$PG_LOG" 2>&1 \
      || { rm -f "$pwfile"; show_log_tail "$PG_LOG"; die "initdb failed"; }
    rm -f "$pwfile"
  fi
  # Settings owned by this script, rewritten at every start; postgresql.conf includes them.
  local conf="$PG_DATA/stack.conf"
  cat >"$conf" <<EOF
# Written by deploy/local/stack.sh at every start: edits here are lost.
listen_addresses = '$PG_HOST'
port = $PG_PORT
unix_socket_directories = '$PG_SOCKET_DIR'
unix_socket_permissions = 0700
password_encryption = scram-sha-256
max_connections = 200
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
EOF
  (( IS_ROOT )) && chown "$PG_OS_USER:" "$conf"
  grep -qxF "include_if_exists = 'stack.conf'" "$PG_DATA/postgresql.conf" \
    || printf "\ninclude_if_exists = 'stack.conf'\n" >>"$PG_DATA/postgresql.conf"
}

pg_launch() {
  if pg_running_pid >/dev/null; then
    log "postgres already running (pid $(pg_running_pid))"
    return 0
  fi
  if port_open "$PG_HOST" "$PG_PORT"; then
    die "port $PG_PORT is already in use by a process this clone did not start (another stack?)"
  fi
  pg_init
  log "starting postgres $("$PG_BIN/postgres" --version | awk '{print $3}') on $PG_HOST:$PG_PORT (log: ${PG_LOG#"$REPO"/})"
  as_pg "$PG_BIN/pg_ctl" start -D "$PG_DATA" -l "$PG_LOG" -w -t "$START_TIMEOUT" -s 9>&- \
    || { show_log_tail "$PG_LOG"; die "postgres did not start"; }
  pg_running_pid >/dev/null || { show_log_tail "$PG_LOG"; die "postgres started but postmaster.pid is unreadable"; }
}

pg_psql() { PGCONNECT_TIMEOUT=5 "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -tA "$@"; }

# The operator's URL (superuser `ali`, password from .data/secrets/admin.env); printed without its password.
admin_url() { printf 'postgresql://%s:%s@%s:%s/%s\n' "$PG_SUPERUSER" "$(secret_value admin ALI_DATABASE_PASSWORD)" "$PG_HOST" "$PG_PORT" "$PG_DATABASE"; }

pg_probe() {
  "$PG_BIN/pg_isready" -q -h "$PG_HOST" -p "$PG_PORT" -t 2 \
    && pg_psql "$(admin_url)" -c 'select 1' >/dev/null 2>&1
}

# Roles, passwords, database grants and the production schemas (deploy/local/roles.sql), as the superuser.
pg_roles() {
  local vars=() principal
  for principal in admin intake accompaniment placement reporting bi; do
    vars+=(-v "pw_$principal=$(secret_value "$principal" ALI_DATABASE_PASSWORD)")
  done
  pg_psql -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U "$PG_SUPERUSER" -d "$PG_DATABASE" "${vars[@]}" \
      -f "$REPO/deploy/local/roles.sql" >/dev/null \
    || { show_log_tail "$PG_LOG"; die "could not set up the database roles (deploy/local/roles.sql)"; }
}

pg_wait() {
  local deadline=$((SECONDS + START_TIMEOUT))
  until "$PG_BIN/pg_isready" -q -h "$PG_HOST" -p "$PG_PORT" -t 2; do
    pg_running_pid >/dev/null || { show_log_tail "$PG_LOG"; die "postgres exited during start-up"; }
    (( SECONDS < deadline )) || { show_log_tail "$PG_LOG"; die "postgres not ready after ${START_TIMEOUT}s"; }
    sleep 0.3
  done
  # Role and database are ensured over the unix socket (trusted), then checked over TCP.
  local sock=(-h "$PG_SOCKET_DIR" -p "$PG_PORT" -U "$PG_SUPERUSER")
  if [[ $(pg_psql "${sock[@]}" -d postgres -c "select 1 from pg_database where datname = '$PG_DATABASE'") != 1 ]]; then
    log "creating database $PG_DATABASE"
    pg_psql "${sock[@]}" -d postgres -c "create database $PG_DATABASE owner $PG_SUPERUSER" \
      || { show_log_tail "$PG_LOG"; die "could not create database $PG_DATABASE"; }
  fi
  pg_roles
  pg_probe || { show_log_tail "$PG_LOG"; die "postgres is up but the superuser cannot log in over TCP"; }
  log "postgres healthy: $DATABASE_URL (roles: ali, ali_intake, ali_accompaniment, ali_placement, ali_reporting, bi_reader)"
}

pg_stop() {
  local pid
  if pid=$(pg_running_pid); then
    # SIGINT is PostgreSQL's "fast" shutdown (clients are disconnected, then a checkpoint);
    # SIGTERM would wait for every client to leave. SIGQUIT is the "immediate" fallback.
    log "stopping postgres (pid $pid)"
    stop_pid "$pid" INT QUIT postgres
  else
    log "postgres not running"
  fi
  rm -f "$PG_PID"
}

# ---------------------------------------------------------------------------- commands

take_lock() {
  prepare_dirs
  exec 9>"$RUN_DIR/stack.lock"
  flock -w 300 9 || die "another stack.sh is still running (lock ${RUN_DIR#"$REPO"/}/stack.lock)"
}

cmd_start() {
  local t0=$SECONDS n
  cmd_install
  [[ -f $STACK_ENV ]] || printf 'ALI_KAFKA_BROKERS=%s\n' "$KAFKA_NODES" >"$STACK_ENV"
  for n in $(kafka_node_ids); do kafka_launch "$n"; done   # the JVMs warm up while postgres starts
  pg_launch
  pg_wait
  kafka_wait
  log "stack ready in $((SECONDS - t0))s: DATABASE_URL=$DATABASE_URL KAFKA_BOOTSTRAP_SERVERS=$KAFKA_BOOTSTRAP (credentials: deploy/local/env.sh)"
}

# Faults and repairs of one node: start (and wait until it listens), stop (SIGTERM, controlled shutdown), kill
# (SIGKILL), pause (SIGSTOP), resume (SIGCONT).
cmd_node() {
  local n=${1:-} action=${2:-} pid
  [[ $n =~ ^[0-9]+$ ]] && (( n >= 1 && n <= KAFKA_NODES )) || die "usage: stack.sh node 1..$KAFKA_NODES start|stop|kill|pause|resume"
  case $action in
    start)
      kafka_launch "$n"
      local deadline=$((SECONDS + START_TIMEOUT))
      until port_open "$KAFKA_HOST" "$(client_port "$n")"; do
        kafka_running_pid "$n" >/dev/null || { show_log_tail "$(node_log "$n")"; die "kafka node $n exited during start-up"; }
        (( SECONDS < deadline )) || die "kafka node $n not listening after ${START_TIMEOUT}s"
        sleep 0.3
      done
      log "kafka node $n listening on $KAFKA_HOST:$(client_port "$n")" ;;
    stop)
      pid=$(kafka_running_pid "$n") || { log "kafka node $n not running"; return 0; }
      log "stopping kafka node $n (pid $pid)"
      stop_pid "$pid" TERM KILL "kafka node $n" ;;
    kill|pause|resume)
      pid=$(kafka_running_pid "$n") || die "kafka node $n is not running"
      local sig
      sig=$(case $action in kill) echo KILL ;; pause) echo STOP ;; resume) echo CONT ;; esac)
      log "SIG$sig to kafka node $n (pid $pid)"
      kill "-$sig" "$pid"
      if [[ $action == kill ]]; then
        while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
      fi ;;
    *) die "usage: stack.sh node N start|stop|kill|pause|resume" ;;
  esac
}

# PostgreSQL restarted with a fast shutdown (clients disconnected at once, then a checkpoint), as after a failover.
cmd_postgres_restart() {
  PG_BIN=$(find_pg_bin) || die "postgres not installed"
  pg_running_pid >/dev/null || die "postgres is not running"
  log "restarting postgres (fast shutdown)"
  as_pg "$PG_BIN/pg_ctl" restart -D "$PG_DATA" -m fast -l "$PG_LOG" -w -t "$START_TIMEOUT" -s 9>&- \
    || { show_log_tail "$PG_LOG"; die "postgres did not restart"; }
  pg_running_pid >/dev/null
  log "postgres restarted (pid $(pg_running_pid))"
}

cmd_stop() {
  kafka_stop
  if PG_BIN=$(find_pg_bin); then pg_stop; else log "postgres not installed"; fi
}

cmd_status() {
  local rc=0 pid n health
  for n in $(kafka_node_ids); do
    if pid=$(kafka_running_pid "$n"); then
      if port_open "$KAFKA_HOST" "$(client_port "$n")"; then
        printf 'kafka-%s   running (pid %s), listening %s:%s (SASL_SSL)\n' "$n" "$pid" "$KAFKA_HOST" "$(client_port "$n")"
      else
        printf 'kafka-%s   running (pid %s), NOT listening\n' "$n" "$pid"; rc=1
      fi
    else
      printf 'kafka-%s   stopped\n' "$n"; rc=1
    fi
  done
  if health=$(kafka_python probe --secrets-dir "$SECRETS_DIR" --bootstrap "$KAFKA_BOOTSTRAP" --brokers "$KAFKA_NODES" 2>/dev/null); then
    printf 'kafka     healthy: %s registered (admin over SASL_SSL)\n' "$health"
  else
    printf 'kafka     NOT healthy: %s\n' "${health:-no answer}"; rc=1
  fi
  if ! PG_BIN=$(find_pg_bin); then
    printf 'postgres  not installed\n'; rc=1
  elif pid=$(pg_running_pid); then
    if pg_probe; then
      printf 'postgres  running (pid %s), healthy   %s\n' "$pid" "$DATABASE_URL"
    else
      printf 'postgres  running (pid %s), NOT healthy\n' "$pid"; rc=1
    fi
  else
    printf 'postgres  stopped\n'; rc=1
  fi
  return "$rc"
}

cmd_logs() {
  local files=() follow=0 arg n
  for arg in "$@"; do
    case $arg in
      kafka) for n in $(kafka_node_ids); do files+=("$(node_log "$n")"); done ;;
      postgres) files+=("$PG_LOG") ;;
      -f|--follow) follow=1 ;;
      *) die "usage: stack.sh logs [kafka|postgres] [-f]" ;;
    esac
  done
  if (( ! ${#files[@]} )); then
    for n in $(kafka_node_ids); do files+=("$(node_log "$n")"); done
    files+=("$PG_LOG")
  fi
  if (( follow )); then
    exec tail -n 50 -F "${files[@]}"
  fi
  tail -n 50 "${files[@]}"
}

usage() {
  sed -n '2,10s/^# \{0,1\}//p' "$0" >&2
  exit 2
}

main() {
  [[ $KAFKA_NODES == 1 || $KAFKA_NODES == 3 ]] || die "ALI_KAFKA_BROKERS must be 1 or 3, not '$KAFKA_NODES'"
  if [[ -n $MADE_WITH && $MADE_WITH != "$KAFKA_NODES" ]]; then
    die "${DATA_DIR#"$REPO"/} was made with ALI_KAFKA_BROKERS=$MADE_WITH (its database belongs to that cluster):" \
      "run with ALI_KAFKA_BROKERS=$MADE_WITH, or 'make clean' first"
  fi
  local cmd=${1:-}
  [[ $# -gt 0 ]] && shift
  case $cmd in
    install) take_lock; cmd_install; log "installed (Kafka $KAFKA_VERSION in ${KAFKA_LIBS#"$REPO"/}, PostgreSQL in $PG_BIN)" ;;
    start) take_lock; cmd_start ;;
    stop) take_lock; cmd_stop ;;
    status) cmd_status ;;
    logs) cmd_logs "$@" ;;
    node) take_lock; cmd_node "$@" ;;
    postgres-restart) take_lock; cmd_postgres_restart ;;
    *) usage ;;
  esac
}

main "$@"
