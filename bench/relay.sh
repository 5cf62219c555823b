#!/bin/bash
# Relay latency: HUNTERS in full cities over two edge processes, one
# handler process, `mh3net nats`; then a direct TCP relay of the same traffic.
# usage: bench/relay.sh [HUNTERS [RATE [DURATION]]]
#   LOAD_ARGS: more flags for the load tool (e.g. --direct-in-tool)
set -euo pipefail
H=${1:-100}; R=${2:-10}; D=${3:-20s}
. "$(dirname "$0")/split.sh"
"$B" load relay "${EDGES[@]}" --hunters "$H" --rate "$R" --duration "$D" --login-clients 32 ${LOAD_ARGS:-}
