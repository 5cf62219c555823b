#!/bin/bash
# Two builds' server CPU per login, side by side: PAIRS runs of each,
# interleaved (A B A B ...; the order within a pair alternates), and the
# median of the pairs' B/A ratios, which this VM's drift (tens of per cent
# within an hour) moves far less than single runs.
# usage: bench/logins-ab.sh BINARY_A BINARY_B [PAIRS [CLIENTS [LOGINS]]]
#   LOAD_ARGS: flags for the load tool (e.g. "--wii --returning");
#   LOAD_BIN: the binary whose load tool runs (default: B)
#   UP_ARGS: more flags for both servers; A_ENV / B_ENV: environment for
#   one side's server (e.g. B_ENV=GOMAXPROCS=1)
set -euo pipefail
A=$1; B=$2; PAIRS=${3:-6}; CL=${4:-64}; LG=${5:-1280}
run() { # BINARY ENV -> ms per login
  local dir pid out
  dir=$(mktemp -d)
  env $2 "$1" up --host 127.0.0.1 --advertise 127.0.0.1 --data "$dir/data" --opn-port 18200 --lmp-port 18201 \
    --fmp-port 18202 --rfp-port 18203 --connection-delay 10ms --log-level warn --max-conns-per-ip 1024 --ip-event-rate 0 --http "" \
    ${UP_ARGS:-} >"$dir/up.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/18201) 2>/dev/null && break; sleep 0.1; done
  sleep 0.5
  out=$("${LOAD_BIN:-$B}" load --opn 127.0.0.1:18200 --clients "$CL" --logins "$LG" --pid $pid ${LOAD_ARGS:-} 2>&1 || true)
  kill $pid; wait $pid 2>/dev/null || true; rm -rf "$dir"
  sed -n 's/.*; \([0-9.]*\) ms per login/\1/p' <<<"$out"
}
ratios=()
for i in $(seq "$PAIRS"); do
  if (( i % 2 )); then a=$(run "$A" "${A_ENV:-}"); b=$(run "$B" "${B_ENV:-}"); else b=$(run "$B" "${B_ENV:-}"); a=$(run "$A" "${A_ENV:-}"); fi
  r=$(echo "scale=4; $b/$a" | bc)
  ratios+=("$r")
  echo "pair $i: A $a ms, B $b ms, B/A $r"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{v[NR]=$1} END {m=(NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2; printf "median B/A over %d pairs: %.3f (range %.3f-%.3f)\n", NR, m, v[1], v[NR]}'
