#!/bin/bash
# CPU per login in each role of a split deployment: `mh3net nats`, N
# handler processes and two edges, each its own process (split.sh).
# usage: [STORE=pg] [HANDLERS=2] bench/roles.sh [CLIENTS [LOGINS]]
set -euo pipefail
CL=${1:-16}; LG=${2:-1000}
HANDLERS=${HANDLERS:-2}
. "$(dirname "$0")/split.sh"
P="nats=$NATS"
for i in $(seq "$HANDLERS"); do P+=",handlers$i=${PIDS[$((i-1))]}"; done
P+=",edge1=${PIDS[$HANDLERS]},edge2=${PIDS[$((HANDLERS+1))]}"
"$B" load --opn 127.0.0.1:18300 --clients "$CL" --logins "$LG" --pids "$P"
