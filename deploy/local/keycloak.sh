#!/usr/bin/env bash
# Keycloak, the platform's OpenID Connect provider on the local stack (no Docker).
#
#   deploy/local/keycloak.sh install     fetch the distribution from Maven Central and build it for this stack (once)
#   deploy/local/keycloak.sh start       install, start on 127.0.0.1:8080 with the realm `ali`, wait until it answers
#   deploy/local/keycloak.sh launch      the same without waiting (`start` afterwards waits)
#   deploy/local/keycloak.sh users       create or update the demo users and print them with their passwords
#   deploy/local/keycloak.sh stop        graceful stop (data is kept)
#   deploy/local/keycloak.sh status      state and readiness (exit 1 if not ready)
#   deploy/local/keycloak.sh reset       stop and delete Keycloak's database and passwords (the next start makes new ones)
#
# The distribution (org.keycloak:keycloak-quarkus-dist, version in deploy/keycloak/pom.xml) is unpacked in .cache/,
# its data lives in the stack's PostgreSQL (database `keycloak`), the administrator's and the demo users' generated
# passwords in .data/keycloak/ (mode 0600), the log in .data/logs/keycloak.log. The realm deploy/keycloak/ali-realm.json
# is imported at start when the realm does not exist yet (`reset` to import a changed one).
#
# Tunables (environment): KEYCLOAK_PORT (default 8080), KEYCLOAK_START_TIMEOUT (s, default 240),
# KEYCLOAK_HEAP_OPTS (default -Xms64m -Xmx512m), KEYCLOAK_JAVA_HOME (default: the java on PATH, 17 or later).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
CONF_DIR="$REPO/deploy/keycloak"
CACHE_DIR="$REPO/.cache"
DATA_DIR="$REPO/.data"
STATE_DIR="$DATA_DIR/keycloak"
LOG_DIR="$DATA_DIR/logs"
RUN_DIR="$DATA_DIR/run"
LOG="$LOG_DIR/keycloak.log"
PID_FILE="$RUN_DIR/keycloak.pid"

# The version has one home: the keycloak.version property of deploy/keycloak/pom.xml.
KC_VERSION=$(sed -n 's:.*<keycloak\.version>\(.*\)</keycloak\.version>.*:\1:p' "$CONF_DIR/pom.xml")
KC_HOME="$CACHE_DIR/keycloak-$KC_VERSION"
KC_HOST=127.0.0.1
KC_PORT=${KEYCLOAK_PORT:-8080}
KC_URL="http://$KC_HOST:$KC_PORT"
REALM=ali
START_TIMEOUT=${KEYCLOAK_START_TIMEOUT:-240}
STOP_TIMEOUT=30
# Options fixed when the distribution is built (`kc.sh build`); the others are given at each start.
BUILD_OPTS=(--db=postgres)

# The stack's PostgreSQL as its superuser (env.sh admin; without an argument env.sh would read this script's own
# arguments as the principal); Keycloak has a database of its own there.
# shellcheck source=deploy/local/env.sh
source "$REPO/deploy/local/env.sh" admin
if [[ ! $DATABASE_URL =~ ^postgres(ql)?://([^:]+):([^@]+)@([^:/]+):([0-9]+)/ ]]; then
  printf '[keycloak] ERROR: cannot read DATABASE_URL %s\n' "$DATABASE_URL" >&2
  exit 1
fi
PG_USER=${BASH_REMATCH[2]} PG_PASSWORD=${BASH_REMATCH[3]} PG_HOST=${BASH_REMATCH[4]} PG_PORT=${BASH_REMATCH[5]}
KC_DB=keycloak

log() { printf '[keycloak] %s\n' "$*" >&2; }
die() { printf '[keycloak] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------- helpers

java_bin() {
  if [[ -n ${KEYCLOAK_JAVA_HOME:-} ]]; then printf '%s\n' "$KEYCLOAK_JAVA_HOME/bin/java"; else command -v java; fi
}

check_java() {
  local java major
  java=$(java_bin) || die "Java 17 or later is needed (deploy/local/stack.sh install brings it)"
  major=$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
  [[ ${major%%.*} -ge 17 ]] 2>/dev/null || die "Keycloak $KC_VERSION needs Java 17 or later, $java is '$major'"
}

psql_bin() {
  command -v psql 2>/dev/null && return 0
  local found
  found=$(printf '%s\n' /usr/lib/postgresql/*/bin/psql | sort -V | tail -n1)
  [[ -x $found ]] && printf '%s\n' "$found"
}

pg() {
  local psql
  psql=$(psql_bin) || die "psql not found (deploy/local/stack.sh install brings PostgreSQL)"
  PGPASSWORD=$PG_PASSWORD PGCONNECT_TIMEOUT=5 "$psql" -X -q -tA -v ON_ERROR_STOP=1 \
    -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres "$@"
}

running_pid() {
  local pid
  [[ -s $PID_FILE ]] || return 1
  pid=$(head -n1 "$PID_FILE" | tr -dc '0-9')
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$KC_HOME/bin/kc.sh" || return 1
  printf '%s\n' "$pid"
}

# The realm answers its discovery document: the server is up and the realm imported.
ready() {
  curl -fsS -m 3 -o /dev/null "$KC_URL/realms/$REALM/.well-known/openid-configuration" 2>/dev/null
}

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$KC_HOST/$KC_PORT" 2>/dev/null; }

show_log_tail() {
  printf '[keycloak] ---- last lines of %s ----\n' "${LOG#"$REPO"/}" >&2
  tail -n "${1:-40}" "$LOG" >&2 2>/dev/null || true
  printf '[keycloak] ----\n' >&2
}

# ---------------------------------------------------------------------------- install

cmd_install() {
  mkdir -p "$CACHE_DIR" "$LOG_DIR" "$RUN_DIR"
  # The stamp ties the unpacked and built distribution to the pom and the build options.
  local stamp="$KC_HOME/.installed" want
  want=$( { cat "$CONF_DIR/pom.xml"; printf '%s\n' "${BUILD_OPTS[@]}"; } | sha256sum | cut -d' ' -f1)
  if [[ -f $stamp && $(<"$stamp") == "$want" && -x $KC_HOME/bin/kc.sh ]]; then
    return 0
  fi
  if running_pid >/dev/null; then
    log "stopping the running Keycloak to install the one deploy/keycloak/pom.xml names"
    cmd_stop
  fi
  check_java
  command -v mvn >/dev/null || die "Maven is needed (deploy/local/stack.sh install brings it)"
  local tmp="$CACHE_DIR/keycloak-download" out="$CACHE_DIR/keycloak-mvn.log"
  rm -rf "$tmp"
  log "fetching Keycloak $KC_VERSION from Maven Central"
  if ! (cd "$CONF_DIR" && mvn -q -B dependency:copy-dependencies -DoutputDirectory="$tmp") >"$out" 2>&1; then
    cat "$out" >&2
    die "Maven could not fetch the Keycloak distribution (output above, also in ${out#"$REPO"/})"
  fi
  rm -rf "$KC_HOME" "$KC_HOME.tmp"
  mkdir -p "$KC_HOME.tmp"
  tar -xzf "$tmp/keycloak-quarkus-dist-$KC_VERSION.tar.gz" -C "$KC_HOME.tmp" --strip-components=1
  rm -rf "$tmp"
  # Quarkus's build step fixes the build-time options once, so that each start is an optimized one.
  log "building Keycloak for this stack (${BUILD_OPTS[*]}; once, about a minute)"
  JAVA_HOME=${KEYCLOAK_JAVA_HOME:-} "$KC_HOME.tmp/bin/kc.sh" build "${BUILD_OPTS[@]}" >>"$LOG" 2>&1 \
    || { show_log_tail; die "kc.sh build failed"; }
  mv "$KC_HOME.tmp" "$KC_HOME"
  printf '%s\n' "$want" >"$stamp"
}

# ---------------------------------------------------------------------------- start

# Keycloak's database and administrator password are made together: one without the other cannot sign in.
ensure_database() {
  pg -c 'select 1' >/dev/null 2>&1 \
    || die "PostgreSQL does not answer at $PG_HOST:$PG_PORT: start the stack first (deploy/local/stack.sh start)"
  local exists
  exists=$(pg -c "select 1 from pg_database where datname = '$KC_DB'")
  mkdir -p "$STATE_DIR"
  chmod 0700 "$STATE_DIR"
  if [[ $exists != 1 ]]; then
    log "creating database $KC_DB and Keycloak's administrator password (.data/keycloak/admin.password)"
    pg -c "create database $KC_DB owner $PG_USER"
    (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$STATE_DIR/admin.password")
  elif [[ ! -s $STATE_DIR/admin.password ]]; then
    die "database $KC_DB exists but .data/keycloak/admin.password is gone: 'deploy/local/keycloak.sh reset' starts over"
  fi
}

cmd_launch() {
  if running_pid >/dev/null; then
    return 0
  fi
  if port_open; then
    die "port $KC_PORT is already in use by a process this clone did not start (set KEYCLOAK_PORT)"
  fi
  cmd_install
  ensure_database
  # The realm is imported from data/import at start, unless it exists already.
  mkdir -p "$KC_HOME/data/import"
  cp "$CONF_DIR/ali-realm.json" "$KC_HOME/data/import/ali-realm.json"
  rm -f "$PID_FILE"
  log "starting Keycloak $KC_VERSION on $KC_URL (log: ${LOG#"$REPO"/})"
  printf '[%s] keycloak.sh: starting keycloak\n' "$(date '+%F %T')" >>"$LOG"
  local password
  password=$(<"$STATE_DIR/admin.password")
  # setsid detaches the server from this shell; the child records its own pid and then execs kc.sh, which
  # forwards SIGTERM to the JVM. Secrets go through the environment, not the command line.
  # shellcheck disable=SC2016
  JAVA_HOME=${KEYCLOAK_JAVA_HOME:-} JAVA_OPTS_KC_HEAP=${KEYCLOAK_HEAP_OPTS:--Xms64m -Xmx512m} \
  KC_DB_PASSWORD=$PG_PASSWORD KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=$password \
    setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$PID_FILE" \
    "$KC_HOME/bin/kc.sh" start --optimized --import-realm \
      --http-enabled=true --http-host="$KC_HOST" --http-port="$KC_PORT" --hostname="$KC_URL" --cache=local \
      --db-url="jdbc:postgresql://$PG_HOST:$PG_PORT/$KC_DB" --db-username="$PG_USER" \
      --log-console-output=default --log-console-color=false \
    </dev/null >>"$LOG" 2>&1 8>&- &
  local _
  for _ in $(seq 50); do [[ -s $PID_FILE ]] && break; sleep 0.1; done
}

cmd_wait() {
  local deadline=$((SECONDS + START_TIMEOUT))
  until ready; do
    running_pid >/dev/null || { show_log_tail; die "Keycloak exited during start-up"; }
    (( SECONDS < deadline )) || {
      show_log_tail
      die "Keycloak not ready after ${START_TIMEOUT}s (still running: 'deploy/local/keycloak.sh stop' to stop it)"
    }
    sleep 1
  done
}

cmd_start() {
  local t0=$SECONDS
  cmd_launch
  cmd_wait
  log "Keycloak ready in $((SECONDS - t0))s: issuer $KC_URL/realms/$REALM"
}

cmd_users() {
  ready || die "Keycloak is not ready: deploy/local/keycloak.sh start"
  local py="$REPO/.venv/bin/python"
  [[ -x $py ]] || die "no virtual environment: run 'make install' first"
  (cd "$REPO" && "$py" -m deploy.local.keycloak_admin demo-users --url "$KC_URL" --realm "$REALM" \
    --state-dir "$STATE_DIR")
}

# ---------------------------------------------------------------------------- stop, status

cmd_stop() {
  local pid waited=0
  if ! pid=$(running_pid); then
    log "keycloak not running"
    rm -f "$PID_FILE"
    return 0
  fi
  log "stopping keycloak (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do
    if (( waited >= STOP_TIMEOUT * 10 )); then
      log "keycloak did not stop within ${STOP_TIMEOUT}s, sending SIGKILL to its process group"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  rm -f "$PID_FILE"
}

cmd_status() {
  local pid
  if pid=$(running_pid); then
    if ready; then
      printf 'keycloak  running (pid %s), ready     %s/realms/%s\n' "$pid" "$KC_URL" "$REALM"
      return 0
    fi
    printf 'keycloak  running (pid %s), NOT ready (see .data/logs/keycloak.log)\n' "$pid"
    return 1
  fi
  printf 'keycloak  stopped\n'
  return 1
}

cmd_reset() {
  cmd_stop
  if pg -c 'select 1' >/dev/null 2>&1; then
    log "dropping database $KC_DB"
    pg -c "drop database if exists $KC_DB (force)"
  else
    die "PostgreSQL does not answer: start the stack first (deploy/local/stack.sh start)"
  fi
  rm -rf "$STATE_DIR"
}

take_lock() {
  mkdir -p "$RUN_DIR"
  exec 8>"$RUN_DIR/keycloak.lock"
  flock -w 600 8 || die "another keycloak.sh is still running (lock ${RUN_DIR#"$REPO"/}/keycloak.lock)"
}

usage() {
  sed -n '2,11s/^# \{0,1\}//p' "$0" >&2
  exit 2
}

case ${1:-} in
  install) take_lock; cmd_install; log "installed Keycloak $KC_VERSION in ${KC_HOME#"$REPO"/}" ;;
  start) take_lock; cmd_start ;;
  launch) take_lock; cmd_launch ;;
  users) cmd_users ;;
  stop) take_lock; cmd_stop ;;
  status) cmd_status ;;
  reset) take_lock; cmd_reset ;;
  *) usage ;;
esac
