#!/usr/bin/env bash
# The four services of the platform, run as background processes on the local stack.
#
#   deploy/local/platform.sh start     start intake, accompaniment, placement, reporting; wait until ready
#   deploy/local/platform.sh stop      SIGTERM each process (graceful: workers commit and leave), then wait
#   deploy/local/platform.sh status    readiness of each process, and the load balancer's view (exit 1 if one is down)
#   deploy/local/platform.sh kill SERVICE REPLICA [SIGNAL]    a fault: signal one process (default SIGKILL)
#   deploy/local/platform.sh start-replica SERVICE REPLICA    start that process again, wait until ready
#
# ALI_REPLICAS=N (default 1) runs N processes of each service: replica r listens on the service's port + 100*r
# (intake: 8101, 8201) and Debian's HAProxy keeps the service's port (8001-8004) in front of them, sending requests
# only to replicas whose /health/ready answers 200; its statistics are on http://127.0.0.1:8404/.
# Logs: .data/logs/<service>[-<r>].log (JSON lines), haproxy.log. Pid files: .data/run/.
# Settings are read from the environment (see README, "Settings"); the local stack's endpoints by default, and each
# service's own credentials from .data/secrets/<service>.env (ALI_SECRETS_DIR).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
PY="$REPO/.venv/bin/python"
DATA_DIR=${ALI_DATA_DIR:-$REPO/.data}
LOG_DIR="$DATA_DIR/logs"
RUN_DIR="$DATA_DIR/run"
START_TIMEOUT=${PLATFORM_START_TIMEOUT:-120}
STATS_PORT=${ALI_HAPROXY_STATS_PORT:-8404}
HAPROXY_PID="$RUN_DIR/haproxy.pid"
HAPROXY_CFG="$RUN_DIR/haproxy.cfg"

SERVICES=(intake accompaniment placement reporting)
declare -A PORTS=([intake]=${ALI_INTAKE_HTTP_PORT:-8001} [accompaniment]=${ALI_ACCOMPANIMENT_HTTP_PORT:-8002}
                  [placement]=${ALI_PLACEMENT_HTTP_PORT:-8003} [reporting]=${ALI_REPORTING_HTTP_PORT:-8004})

eval "$("$REPO/deploy/local/env.sh")"
export ALI_AUTH_PUBLIC_KEY_FILE=${ALI_AUTH_PUBLIC_KEY_FILE:-$DATA_DIR/auth/public.pem}

log() { printf '[platform] %s\n' "$*" >&2; }
die() { printf '[platform] ERROR: %s\n' "$*" >&2; exit 1; }

# The replica count: given, else the one the running platform was started with, else 1.
REPLICAS=${ALI_REPLICAS:-$(cat "$RUN_DIR/platform.replicas" 2>/dev/null || echo 1)}
[[ $REPLICAS =~ ^[1-9]$ ]] || die "ALI_REPLICAS must be 1 to 9, not '$REPLICAS'"
# A single replica answers its API in two processes (both cores); replicated, each replica is one process (the
# replicas share the cores). With two, the relay and consumers run in a third process of the replica (its first
# process supervises them all; its pid is the replica's).
if (( REPLICAS == 1 )); then export ALI_HTTP_WORKERS=${ALI_HTTP_WORKERS:-2}; else export ALI_HTTP_WORKERS=${ALI_HTTP_WORKERS:-1}; fi

# One process: the service's own port and files; several: port + 100*r, files <service>-<r>.
replica_port() { if (( REPLICAS == 1 )); then echo "${PORTS[$1]}"; else echo $((PORTS[$1] + 100 * $2)); fi; }
replica_name() { if (( REPLICAS == 1 )); then echo "$1"; else echo "$1-$2"; fi; }

pid_of() {
  local file="$RUN_DIR/$(replica_name "$1" "$2").pid" pid
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  if kill -0 "$pid" 2>/dev/null && grep -q "services.$1" "/proc/$pid/cmdline" 2>/dev/null; then
    echo "$pid"
  else
    return 1
  fi
}

ready_at() { curl -fsS -m 3 "http://127.0.0.1:$1/health/ready" >/dev/null 2>&1; }

start_one() {
  local name=$1 r=$2 port label
  port=$(replica_port "$name" "$r")
  label=$(replica_name "$name" "$r")
  if pid_of "$name" "$r" >/dev/null; then
    log "$label already running (pid $(pid_of "$name" "$r"))"
    return
  fi
  if curl -s -m 2 -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null; then
    die "port $port is taken by another process; stop it or set ALI_${name^^}_HTTP_PORT"
  fi
  log "starting $label on port $port"
  (cd "$REPO" && export "ALI_${name^^}_HTTP_PORT=$port" && exec nohup "$PY" -m "services.$name" serve \
    >>"$LOG_DIR/$label.log" 2>&1 </dev/null) &
  echo $! >"$RUN_DIR/$label.pid"
}

wait_ready() {
  local name=$1 r=$2 deadline=$((SECONDS + START_TIMEOUT)) label
  label=$(replica_name "$name" "$r")
  until ready_at "$(replica_port "$name" "$r")"; do
    if ! pid_of "$name" "$r" >/dev/null; then
      tail -n 30 "$LOG_DIR/$label.log" >&2 || true
      die "$label exited during start-up (log: ${LOG_DIR#"$REPO"/}/$label.log)"
    fi
    if (( SECONDS > deadline )); then
      tail -n 30 "$LOG_DIR/$label.log" >&2 || true
      die "$label not ready after ${START_TIMEOUT}s (log: ${LOG_DIR#"$REPO"/}/$label.log)"
    fi
    sleep 0.5
  done
}

# ---------------------------------------------------------------------------- load balancer

haproxy_pid() {
  local pid
  [[ -s $HAPROXY_PID ]] || return 1
  pid=$(<"$HAPROXY_PID")
  kill -0 "$pid" 2>/dev/null && grep -q haproxy "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
}

haproxy_config() {
  local name r
  cat <<EOF
# Written by deploy/local/platform.sh at every start: edits here are lost.
global
    log stdout format raw local0 info
    maxconn 4096

defaults
    mode http
    log global
    option httplog
    option dontlognull
    # Only requests that went wrong are logged (a 5xx, a connection closed without an answer, with HAProxy's
    # termination flags telling which side ended it).
    option dontlog-normal
    option redispatch
    # A server connection serves the client session that opened it only: one left idle in a shared pool may be
    # closed by the service's keep-alive time-out at the instant it is handed a request, which a POST could not
    # be safely retried from (a 502 for a request no process failed).
    http-reuse never
    retries 2
    timeout connect 3s
    timeout client 600s
    timeout server 600s
    # A replica leaves the rotation after 3 failed checks of /health/ready (3 s apart; one fails if no 200 within
    # 10 s: a busy replica that still answers stays in), and returns after 2 good ones.
    timeout check 10s
    default-server inter 3s fall 3 rise 2

listen stats
    bind 127.0.0.1:$STATS_PORT
    stats enable
    stats uri /
    stats refresh 5s
EOF
  for name in "${SERVICES[@]}"; do
    printf '\nfrontend %s\n    bind 127.0.0.1:%s\n    default_backend %s\n' "$name" "${PORTS[$name]}" "$name"
    printf '\nbackend %s\n    balance roundrobin\n    option httpchk GET /health/ready\n    http-check expect status 200\n' "$name"
    for r in $(seq 1 "$REPLICAS"); do
      printf '    server %s-%s 127.0.0.1:%s check\n' "$name" "$r" "$(replica_port "$name" "$r")"
    done
  done
}

haproxy_start() {
  command -v haproxy >/dev/null || die "HAProxy is not installed: run 'make install'"
  haproxy_config >"$HAPROXY_CFG"
  haproxy -c -q -f "$HAPROXY_CFG" || die "invalid HAProxy configuration ${HAPROXY_CFG#"$REPO"/}"
  # A running one may front another number of replicas: it is started again on the new configuration.
  haproxy_stop
  local name
  for name in "${SERVICES[@]}"; do
    if curl -s -m 2 -o /dev/null "http://127.0.0.1:${PORTS[$name]}/" 2>/dev/null; then
      die "port ${PORTS[$name]} is taken by another process; stop it first"
    fi
  done
  log "starting haproxy on ports ${PORTS[*]} in front of $REPLICAS replicas (statistics: http://127.0.0.1:$STATS_PORT/)"
  # shellcheck disable=SC2016
  (setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$HAPROXY_PID" haproxy -db -f "$HAPROXY_CFG" \
    >>"$LOG_DIR/haproxy.log" 2>&1 </dev/null &)
  local deadline=$((SECONDS + 30))
  for name in "${SERVICES[@]}"; do
    until ready_at "${PORTS[$name]}"; do
      (( SECONDS < deadline )) || { tail -n 20 "$LOG_DIR/haproxy.log" >&2; die "haproxy does not serve $name"; }
      sleep 0.5
    done
  done
}

haproxy_stop() {
  local pid
  pid=$(haproxy_pid) || return 0
  log "stopping haproxy (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 10))
  while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.2; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  rm -f "$HAPROXY_PID"
}

# "UP"/"DOWN"/... of each server as HAProxy sees it (CSV statistics: pxname, svname, ..., status is field 18).
haproxy_view() {
  curl -fsS -m 3 "http://127.0.0.1:$STATS_PORT/;csv" 2>/dev/null | awk -F, '$2 ~ /-[0-9]+$/ {print $2, $18}'
}

# ---------------------------------------------------------------------------- commands

cmd_start() {
  [[ -x $PY ]] || die "no virtual environment: run 'make install' first"
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  # Local signing keys for bearer tokens (kept once created); see README, "Access".
  (cd "$REPO" && "$PY" -m shared.auth keygen --dir "$DATA_DIR/auth" >/dev/null)
  echo "$REPLICAS" >"$RUN_DIR/platform.replicas"
  local name r
  for name in "${SERVICES[@]}"; do for r in $(seq 1 "$REPLICAS"); do start_one "$name" "$r"; done; done
  for name in "${SERVICES[@]}"; do
    for r in $(seq 1 "$REPLICAS"); do wait_ready "$name" "$r"; log "$(replica_name "$name" "$r") ready"; done
  done
  if (( REPLICAS > 1 )); then haproxy_start; fi
}

cmd_stop() {
  local name pid file
  haproxy_stop
  for file in "$RUN_DIR"/{intake,accompaniment,placement,reporting}{,-[0-9]}.pid; do
    [[ -f $file ]] || continue
    pid=$(<"$file")
    if kill -0 "$pid" 2>/dev/null && grep -q "services\." "/proc/$pid/cmdline" 2>/dev/null; then
      log "stopping $(basename "$file" .pid) (pid $pid)"
      kill -TERM "$pid"
    fi
  done
  for file in "$RUN_DIR"/{intake,accompaniment,placement,reporting}{,-[0-9]}.pid; do
    [[ -f $file ]] || continue
    pid=$(<"$file")
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null && grep -q "services\." "/proc/$pid/cmdline" 2>/dev/null; do
      if (( SECONDS > deadline )); then log "$(basename "$file" .pid) did not stop in 30s: SIGKILL"; kill -KILL "$pid"; fi
      sleep 0.3
    done
    rm -f "$file"
  done
  rm -f "$RUN_DIR/platform.replicas"
}

cmd_status() {
  local failed=0 name r label port view state
  view=$( (( REPLICAS > 1 )) && haproxy_view || true)
  for name in "${SERVICES[@]}"; do
    for r in $(seq 1 "$REPLICAS"); do
      label=$(replica_name "$name" "$r")
      port=$(replica_port "$name" "$r")
      state=""
      (( REPLICAS > 1 )) && state="  haproxy: $(awk -v s="$label" '$1 == s {print $2}' <<<"$view")"
      if ready_at "$port"; then
        printf '%-16s ready    http://127.0.0.1:%s%s\n' "$label" "$port" "$state"
      elif pid_of "$name" "$r" >/dev/null; then
        printf '%-16s running, not ready (see %s/%s.log)%s\n' "$label" "${LOG_DIR#"$REPO"/}" "$label" "$state"; failed=1
      else
        printf '%-16s stopped%s\n' "$label" "$state"; failed=1
      fi
    done
  done
  if (( REPLICAS > 1 )); then
    if haproxy_pid >/dev/null; then
      printf '%-16s running (pid %s) on %s, statistics http://127.0.0.1:%s/\n' haproxy "$(haproxy_pid)" \
        "$(for name in "${SERVICES[@]}"; do printf '%s ' "${PORTS[$name]}"; done)" "$STATS_PORT"
      for name in "${SERVICES[@]}"; do
        ready_at "${PORTS[$name]}" || { printf '%-16s NOT served on %s\n' "$name" "${PORTS[$name]}"; failed=1; }
      done
    else
      printf '%-16s stopped\n' haproxy; failed=1
    fi
  fi
  return $failed
}

cmd_kill() {
  local name=${1:-} r=${2:-} sig=${3:-KILL} pid
  [[ " ${SERVICES[*]} " == *" $name "* && $r =~ ^[0-9]+$ ]] || die "usage: platform.sh kill SERVICE REPLICA [SIGNAL]"
  pid=$(pid_of "$name" "$r") || die "$(replica_name "$name" "$r") is not running"
  log "SIG${sig#SIG} to $(replica_name "$name" "$r") (pid $pid)"
  local family
  family=("$pid" $(descendants "$pid"))
  kill "-${sig#SIG}" "$pid"
  # kill(2) returns before the process has died: under load it may still hold its connections (and take requests
  # on them) for a while. After SIGKILL, return only once it and the processes that die with it are gone.
  if [[ ${sig#SIG} == KILL ]]; then
    local deadline=$((SECONDS + 30)) p
    for p in "${family[@]}"; do
      while alive "$p"; do
        (( SECONDS < deadline )) || die "pid $p still alive 30 s after SIGKILL"
        sleep 0.01
      done
    done
    log "$(replica_name "$name" "$r") is dead"
  fi
}

# Every process started by $1, its children's children included.
descendants() {
  local child
  for child in $(pgrep -P "$1"); do
    echo "$child"
    descendants "$child"
  done
}

# A process still running: gone from /proc or a zombie means dead (a zombie's files and sockets are closed).
alive() {
  local state
  state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [[ -n $state && $state != Z && $state != X ]]
}

cmd_start_replica() {
  local name=${1:-} r=${2:-}
  [[ " ${SERVICES[*]} " == *" $name "* && $r =~ ^[0-9]+$ ]] || die "usage: platform.sh start-replica SERVICE REPLICA"
  start_one "$name" "$r"
  wait_ready "$name" "$r"
  log "$(replica_name "$name" "$r") ready"
}

case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  kill) shift; cmd_kill "$@" ;;
  start-replica) shift; cmd_start_replica "$@" ;;
  *) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
