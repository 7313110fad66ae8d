#!/usr/bin/env bash
# Loads the simulated department into a platform started by `make up`, in the background, once.
#
#   deploy/local/simulate.sh            start loading if the platform is empty (progress: .data/logs/simulation.log)
#   deploy/local/simulate.sh status     loading, loaded, or not loaded
#
# Setting: ALI_SIMULATION=full (default: about 17,000 people followed), small (300), or off (production).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
PY="$REPO/.venv/bin/python"
LOG="$REPO/.data/logs/simulation.log"
PID="$REPO/.data/run/simulation.pid"
DONE="$REPO/.data/simulation.done"
SIZE=${ALI_SIMULATION:-full}

running() { [[ -f $PID ]] && kill -0 "$(<"$PID")" 2>/dev/null; }

case ${1:-start} in
  status)
    if running; then echo "simulated department: loading (tail -f .data/logs/simulation.log)"
    elif [[ -f $DONE ]]; then echo "simulated department: loaded ($(<"$DONE"))"
    else echo "simulated department: not loaded"; fi ;;
  start)
    if [[ $SIZE == off ]]; then echo "[simulation] ALI_SIMULATION=off: no simulated department"; exit 0; fi
    if running; then echo "[simulation] already loading (tail -f .data/logs/simulation.log)"; exit 0; fi
    if [[ -f $DONE ]]; then exit 0; fi
    mkdir -p "$(dirname "$LOG")" "$(dirname "$PID")"
    # The loader refuses a platform that already holds accompaniments, so a restart never doubles the data.
    (cd "$REPO" && exec nohup "$PY" -m simulation --size "$SIZE" >"$LOG.json" 2>"$LOG" </dev/null) &
    echo $! >"$PID"
    ( while kill -0 "$(<"$PID")" 2>/dev/null; do sleep 2; done
      if grep -q '"expected"' "$LOG.json" 2>/dev/null; then
        echo "size $SIZE, $(date -u +%FT%TZ)" >"$DONE"
      fi ) >/dev/null 2>&1 </dev/null &
    echo "[simulation] loading the simulated department ($SIZE) in the background: tail -f .data/logs/simulation.log" ;;
  *) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
