#!/usr/bin/env bash
# Tools of `make bench` that are not Python packages: the vegeta load generator (Go, constant rate).
#
#   deploy/local/bench_tools.sh        install vegeta into .cache/bin if it is missing
#
# vegeta is built with `go install` from the Go module proxy, at a pinned version. Go comes from the machine
# (/usr/local/go or PATH), else from Debian's golang-go package.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BIN="$REPO/.cache/bin"
VEGETA_VERSION=${VEGETA_VERSION:-v12.13.0}
STAMP="$BIN/.vegeta-$VEGETA_VERSION"

log() { printf '[bench-tools] %s\n' "$*" >&2; }
die() { printf '[bench-tools] ERROR: %s\n' "$*" >&2; exit 1; }

[[ -x $BIN/vegeta && -f $STAMP ]] && exit 0

GO=$(command -v go || true)
[[ -z $GO && -x /usr/local/go/bin/go ]] && GO=/usr/local/go/bin/go
if [[ -z $GO ]]; then
  SUDO=()
  (( EUID == 0 )) || SUDO=(sudo -n)
  log "Go is missing: apt-get install golang-go"
  "${SUDO[@]}" apt-get update -qq >/dev/null 2>&1 || true
  "${SUDO[@]}" apt-get install -y -qq golang-go >/dev/null || die "cannot install Go (apt-get install golang-go)"
  GO=$(command -v go) || die "Go installed but not on PATH"
fi

mkdir -p "$BIN"
log "building vegeta $VEGETA_VERSION with $("$GO" version | awk '{print $3}') into ${BIN#"$REPO"/} (a minute or two)"
GOBIN="$BIN" GOFLAGS=-buildvcs=false "$GO" install "github.com/tsenart/vegeta/v12@$VEGETA_VERSION" \
  || die "go install github.com/tsenart/vegeta/v12@$VEGETA_VERSION failed"
rm -f "$BIN"/.vegeta-*
touch "$STAMP"
log "vegeta ready: $BIN/vegeta"
