#!/usr/bin/env bash
# The four services of the platform, run as background processes on the local stack.
#
#   deploy/local/platform.sh start     start intake, accompaniment, placement, reporting; wait until ready
#   deploy/local/platform.sh stop      SIGTERM each service (graceful: workers commit and leave), then wait
#   deploy/local/platform.sh status    readiness of each service (exit 1 if one is not ready)
#
# Logs: .data/logs/<service>.log (JSON lines). Pid files: .data/run/<service>.pid.
# Settings are read from the environment (see README, "Settings"); the local stack's endpoints by default, and each
# service's own credentials from .data/secrets/<service>.env (ALI_SECRETS_DIR).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
PY="$REPO/.venv/bin/python"
LOG_DIR="$REPO/.data/logs"
RUN_DIR="$REPO/.data/run"
START_TIMEOUT=${PLATFORM_START_TIMEOUT:-120}

SERVICES=(intake accompaniment placement reporting)
declare -A PORTS=([intake]=${ALI_INTAKE_HTTP_PORT:-8001} [accompaniment]=${ALI_ACCOMPANIMENT_HTTP_PORT:-8002}
                  [placement]=${ALI_PLACEMENT_HTTP_PORT:-8003} [reporting]=${ALI_REPORTING_HTTP_PORT:-8004})

eval "$("$REPO/deploy/local/env.sh")"

log() { printf '[platform] %s\n' "$*" >&2; }
die() { printf '[platform] ERROR: %s\n' "$*" >&2; exit 1; }

pid_of() {
  local file="$RUN_DIR/$1.pid" pid
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  if kill -0 "$pid" 2>/dev/null && grep -q "services.$1" "/proc/$pid/cmdline" 2>/dev/null; then
    echo "$pid"
  else
    return 1
  fi
}

ready() { curl -fsS -m 3 "http://127.0.0.1:${PORTS[$1]}/health/ready" >/dev/null 2>&1; }

start_one() {
  local name=$1
  if pid_of "$name" >/dev/null; then
    log "$name already running (pid $(pid_of "$name"))"
    return
  fi
  if curl -s -m 2 -o /dev/null "http://127.0.0.1:${PORTS[$name]}/" 2>/dev/null; then
    die "port ${PORTS[$name]} is taken by another process; stop it or set ALI_${name^^}_HTTP_PORT"
  fi
  log "starting $name on port ${PORTS[$name]}"
  (cd "$REPO" && exec nohup "$PY" -m "services.$name" serve >>"$LOG_DIR/$name.log" 2>&1 </dev/null) &
  echo $! >"$RUN_DIR/$name.pid"
}

wait_ready() {
  local name=$1 deadline=$((SECONDS + START_TIMEOUT))
  until ready "$name"; do
    if ! pid_of "$name" >/dev/null; then
      tail -n 30 "$LOG_DIR/$name.log" >&2 || true
      die "$name exited during start-up (log: .data/logs/$name.log)"
    fi
    if (( SECONDS > deadline )); then
      tail -n 30 "$LOG_DIR/$name.log" >&2 || true
      die "$name not ready after ${START_TIMEOUT}s (log: .data/logs/$name.log)"
    fi
    sleep 0.5
  done
}

cmd_start() {
  [[ -x $PY ]] || die "no virtual environment: run 'make install' first"
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  # Local signing keys for bearer tokens (kept once created); see README, "Access".
  (cd "$REPO" && "$PY" -m shared.auth keygen >/dev/null)
  for name in "${SERVICES[@]}"; do start_one "$name"; done
  for name in "${SERVICES[@]}"; do wait_ready "$name"; log "$name ready"; done
}

cmd_stop() {
  local name pid
  for name in "${SERVICES[@]}"; do
    if pid=$(pid_of "$name"); then
      log "stopping $name (pid $pid)"
      kill -TERM "$pid"
    fi
  done
  for name in "${SERVICES[@]}"; do
    local deadline=$((SECONDS + 30))
    while pid=$(pid_of "$name"); do
      if (( SECONDS > deadline )); then log "$name did not stop in 30s: SIGKILL"; kill -KILL "$pid"; fi
      sleep 0.3
    done
    rm -f "$RUN_DIR/$name.pid"
  done
}

cmd_status() {
  local failed=0 name
  for name in "${SERVICES[@]}"; do
    if ready "$name"; then
      printf '%-14s ready    http://127.0.0.1:%s\n' "$name" "${PORTS[$name]}"
    elif pid_of "$name" >/dev/null; then
      printf '%-14s running, not ready (see .data/logs/%s.log)\n' "$name" "$name"; failed=1
    else
      printf '%-14s stopped\n' "$name"; failed=1
    fi
  done
  return $failed
}

case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
