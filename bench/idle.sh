#!/bin/bash
# Idle hunters one box holds: `mh3net nats`, `handlers` and two edges
# sharing the game ports (a process may hold at most the hard open-file
# limit, 20 000 here, so the connections are spread over two edges and two
# bot processes), every hunter idle at a gate, answering line checks.
# Prints the server processes' RSS and CPU per idle hunter once all are
# in, over a quiet minute.
# usage: bench/idle.sh [HUNTERS [RAMP_SECONDS]]
#   MH3NET=/path/to/binary to measure another build (default: build this tree)
#   PROFILES=DIR to save each server process's heap profile (with its
#     memory statistics: heap?debug=1) at the end of the quiet minute
set -euo pipefail
H=${1:-20000}; RAMP=${2:-300}
ulimit -n "$(ulimit -Hn)"
DIR=$(mktemp -d)
PIDS=(); BOTS=()
cleanup() { kill "${BOTS[@]}" "${PIDS[@]}" 2>/dev/null || true; sleep 1; kill -9 "${PIDS[@]}" 2>/dev/null || true; rm -rf "$DIR"; }
trap cleanup EXIT
B=${MH3NET:-}
if [ -z "$B" ]; then B=$DIR/mh3net; (cd "$(dirname "$0")/.." && go build -o "$B" ./cmd/mh3net); fi
pp() { [ -n "${PROFILES:-}" ] && echo "--pprof 127.0.0.1:$1"; true; }
"$B" nats --data "$DIR/nats" --nats-port 14522 --log-level warn $(pp 16060) >"$DIR/nats.log" 2>&1 & PIDS+=($!)
sleep 1.5
"$B" handlers --nats nats://127.0.0.1:14522 --log-level info $(pp 16061) >"$DIR/handlers.log" 2>&1 & PIDS+=($!)
for _ in $(seq 300); do grep -q "handlers ready" "$DIR/handlers.log" && break; sleep 0.2; done
for i in 1 2; do
  "$B" edge --nats nats://127.0.0.1:14522 --host 127.0.0.1 --advertise 127.0.0.1 --reuse-port \
    --opn-port 18500 --lmp-port 18501 --fmp-port 18502 --rfp-port 18503 --connection-delay 10ms \
    --log-level warn $(pp $((16061 + i))) --max-conns $((H / 2 + 2000)) --max-conns-per-ip 1000 --ip-event-rate 0 >"$DIR/edge$i.log" 2>&1 & PIDS+=($!)
done
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/18501) 2>/dev/null && break; sleep 0.1; done
sleep 2
rss() { local t=0; for p in "$@"; do t=$((t + $(awk '/VmRSS/ {print $2}' /proc/$p/status))); done; echo $t; }
cpu() { local t=0; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' /proc/$p/stat))); done; echo $t; }
HZ=$(getconf CLK_TCK)
R0=$(rss "${PIDS[@]}")
echo "server RSS before (nats + handlers + 2 edges): $((R0 / 1024)) MiB"
for i in 1 2; do
  "$B" bot --opn 127.0.0.1:18500 --hunters $((H / 2)) --idle 1 --gates 40 --ramp "${RAMP}s" --duration $((RAMP + 300))s \
    --local-ips 127.0.$((i + 2)).1-127.0.$((i + 2)).100 --seed $i --timeout 60s --progress 15s \
    >"$DIR/bot$i.out" 2>"$DIR/bot$i.err" & BOTS+=($!)
done
online() { local t=0; for i in 1 2; do t=$((t + $(grep -o 'online [0-9]*' "$DIR/bot$i.err" | tail -1 | cut -d' ' -f2 || echo 0))); done; echo $t; }
sleep "$RAMP"
for _ in $(seq 60); do [ "$(online)" -ge "$H" ] && break
  # Stop waiting once the count no longer grows.
  N=$(online); [ "${N:-0}" -gt 0 ] && [ "${N}" = "${PREV:-}" ] && break; PREV=$N; sleep 5; done
tail -qn1 "$DIR/bot1.err" "$DIR/bot2.err"
sleep 15
R1=$(rss "${PIDS[@]}"); C1=$(cpu "${PIDS[@]}"); T1=$(date +%s.%N)
sleep 60
R2=$(rss "${PIDS[@]}"); C2=$(cpu "${PIDS[@]}"); T2=$(date +%s.%N)
if [ -n "${PROFILES:-}" ]; then
  mkdir -p "$PROFILES"
  for p in nats:16060 handlers:16061 edge1:16062 edge2:16063; do
    curl -s -o "$PROFILES/${p%%:*}.heap.pb.gz" "http://127.0.0.1:${p##*:}/debug/pprof/heap"
    curl -s -o "$PROFILES/${p%%:*}.heap.txt" "http://127.0.0.1:${p##*:}/debug/pprof/heap?debug=1"
  done
fi
ON=$(online)
echo "idle hunters online: $ON (of $H)"
for p in "${PIDS[@]}"; do echo "  $(tr '\0' ' ' </proc/$p/cmdline | cut -d' ' -f2): RSS $(( $(rss $p) / 1024 )) MiB"; done
echo "server RSS with them: $((R2 / 1024)) MiB; $(( (R2 - R0) / (ON > 0 ? ON : 1) )) KiB per idle hunter above the empty deployment"
awk -v c=$((C2 - C1)) -v hz="$HZ" -v t1="$T1" -v t2="$T2" -v n="${ON:-1}" 'BEGIN {
  s = c / hz; printf "server CPU over a quiet %.0fs: %.2fs = %.1f%% of a core; %.1f us of CPU per idle hunter per second\n", t2 - t1, s, 100 * s / (t2 - t1), 1e6 * s / (t2 - t1) / n }'
echo "JetStream streams (what NATS holds for them):"
(cd "$(dirname "$0")/.." && go run ./bench/streams --nats nats://127.0.0.1:14522) || true
for i in 1 2; do kill -INT "${BOTS[$((i-1))]}"; done
for b in "${BOTS[@]}"; do wait "$b" || true; done
grep -hE "^ *(login|server pick|gate|total) " "$DIR/bot1.out" "$DIR/bot2.out" || true
grep -hE "errors|by text|e\.g\." "$DIR/bot1.out" "$DIR/bot2.out" | head -20 || true
