#!/bin/bash
# Whole logins against one `mh3net up` (embedded NATS and JetStream).
# usage: bench/logins.sh [CLIENTS [LOGINS [server flags...]]]
#   MH3NET=/path/to/binary to measure another build (default: build this tree)
#   LOAD_ARGS: flags for the load tool, e.g. "--wii --returning" (the
#   console's own TLS hello; consoles that log in again)
set -euo pipefail
CL=${1:-16}; LG=${2:-640}; shift $(( $# < 2 ? $# : 2 ))
DIR=$(mktemp -d); trap 'kill $PID 2>/dev/null; wait 2>/dev/null; rm -rf "$DIR"' EXIT
B=${MH3NET:-}
if [ -z "$B" ]; then B=$DIR/mh3net; (cd "$(dirname "$0")/.." && go build -o "$B" ./cmd/mh3net); fi
"$B" up --host 127.0.0.1 --advertise 127.0.0.1 --data "$DIR/data" --opn-port 18200 --lmp-port 18201 \
  --fmp-port 18202 --rfp-port 18203 --connection-delay 10ms --log-level warn --ip-event-rate 0 "$@" >"$DIR/up.log" 2>&1 &
PID=$!
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/18201) 2>/dev/null && break; sleep 0.1; done
sleep 0.5
"$B" load --opn 127.0.0.1:18200 --clients "$CL" --logins "$LG" --pid $PID ${LOAD_ARGS:-}
