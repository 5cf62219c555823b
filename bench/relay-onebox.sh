#!/bin/bash
# Relay latency on one box as an operator runs it there: `mh3net up`
# (embedded NATS, the handlers and one edge in one process) and a second
# `mh3net edge` process on up's NATS; then a direct TCP relay of the same
# traffic. Cities alternate their hunters between the two edges.
# usage: bench/relay-onebox.sh [HUNTERS [RATE [DURATION]]]
#   UP_ARGS: more flags for up (e.g. --pprof 127.0.0.1:6061)
#   EDGE_ARGS: more flags for the second edge
#   ONE_EDGE=1: no second edge; every hunter on up's own edge
#   LOAD_ARGS: more flags for the load tool (e.g. --direct-in-tool)
set -euo pipefail
H=${1:-100}; R=${2:-10}; D=${3:-20s}
DIR=$(mktemp -d); PIDS=()
trap 'kill -TERM "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$DIR"' EXIT
B=${MH3NET:-}
if [ -z "$B" ]; then B=$DIR/mh3net; (cd "$(dirname "$0")/.." && go build -o "$B" ./cmd/mh3net); fi
# Seating 1 000 hunters takes minutes and the load tool reads no socket
# meanwhile, so keep-alives are relaxed; the limits allow one address.
E=(--host 127.0.0.1 --advertise 127.0.0.1 --connection-delay 10ms --log-level warn
   --max-conns-per-ip 4096 --conn-rate 1000 --conn-burst 2000 --line-check 10m --ip-event-rate 0)
"$B" up "${E[@]}" ${UP_ARGS:-} --data "$DIR/data" --nats-port 14222 --http "" \
  --opn-port 18300 --lmp-port 18301 --fmp-port 18302 --rfp-port 18303 >"$DIR/up.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/18301) 2>/dev/null && break; sleep 0.1; done
LMPS=127.0.0.1:18301 FMPS=127.0.0.1:18302
if [ -z "${ONE_EDGE:-}" ]; then
  "$B" edge "${E[@]}" ${EDGE_ARGS:-} --nats nats://127.0.0.1:14222 \
    --opn-port 18310 --lmp-port 18311 --fmp-port 18312 --rfp-port 18313 >"$DIR/edge.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/18311) 2>/dev/null && break; sleep 0.1; done
  LMPS=$LMPS,127.0.0.1:18311 FMPS=$FMPS,127.0.0.1:18312
fi
sleep 2
"$B" load relay --lmp "$LMPS" --fmp "$FMPS" --hunters "$H" --rate "$R" --duration "$D" --login-clients 32 ${LOAD_ARGS:-}
