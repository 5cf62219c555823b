#!/bin/bash
# The scale-out deployment on one machine, each part its own process: a
# 3-node NATS cluster (replicas 3), N handler processes, two edges sharing
# the game ports (SO_REUSEPORT). `mh3net bot` plays three runs: steady
# (CPU per role, the handlers' share, the edges' connection split), one
# in which a NATS node is SIGKILLed, and one on the two nodes left.
# usage: [HANDLERS=2] bench/cluster.sh [HUNTERS [SECONDS]]
#   MH3NET=/path/to/binary to measure another build (default: build this tree)
set -euo pipefail
H=${1:-200}; S=${2:-40}; HANDLERS=${HANDLERS:-2}
DIR=$(mktemp -d)
PIDS=(); NATS=()
cleanup() {
  kill -TERM "${PIDS[@]}" 2>/dev/null || true; sleep 1
  kill -TERM "${NATS[@]}" 2>/dev/null || true; wait 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then echo "logs kept in $DIR" >&2; else rm -rf "$DIR"; fi
}
trap cleanup EXIT
B=${MH3NET:-}
if [ -z "$B" ]; then B=$DIR/mh3net; (cd "$(dirname "$0")/.." && go build -o "$B" ./cmd/mh3net); fi
URLS=nats://127.0.0.1:14221,nats://127.0.0.1:14222,nats://127.0.0.1:14223
for i in 1 2 3; do
  R=(); for j in 1 2 3; do [ $j = $i ] || R+=("127.0.0.1:1622$j"); done
  "$B" nats --nats-name n$i --nats-port 1422$i --cluster-port 1622$i --cluster-name bench \
    --cluster-routes "$(IFS=,; echo "${R[*]}")" --data "$DIR/nats$i" --log-level warn >"$DIR/nats$i.log" 2>&1 &
  NATS+=($!)
done
HP=()
for i in $(seq "$HANDLERS"); do
  "$B" handlers --nats "$URLS" --log-level info >"$DIR/handlers$i.log" 2>&1 &
  PIDS+=($!); HP+=($!)
done
# A fresh cluster elects its leaders and makes the replicated streams and
# buckets first.
for i in $(seq "$HANDLERS"); do
  for _ in $(seq 600); do grep -q "handlers ready" "$DIR/handlers$i.log" && break; sleep 0.2; done
  grep -q "handlers ready" "$DIR/handlers$i.log" || { echo "handlers$i did not start:"; tail "$DIR/handlers$i.log"; exit 1; }
done
E=(--nats "$URLS" --host 127.0.0.1 --advertise 127.0.0.1 --connection-delay 10ms --log-level warn
   --reuse-port --opn-port 18400 --lmp-port 18401 --fmp-port 18402 --rfp-port 18403 --ip-event-rate 0)
EP=()
for i in 1 2; do "$B" edge "${E[@]}" >"$DIR/edge$i.log" 2>&1 & PIDS+=($!); EP+=($!); done
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/18401) 2>/dev/null && break; sleep 0.1; done
sleep 2
P="nats1=${NATS[0]},nats2=${NATS[1]},nats3=${NATS[2]}"
for i in $(seq "$HANDLERS"); do P+=",handlers$i=${HP[$((i-1))]}"; done
P+=",edge1=${EP[0]},edge2=${EP[1]}"
BOT=(--opn 127.0.0.1:18400 --hunters "$H" --local-ips 127.0.1.1-127.0.1.250 --progress 0)

split() {  # FMP connections held by each edge process, from the kernel
  for i in 1 2; do
    echo "  edge$i holds $(ss -Htnp state established '( sport = :18402 )' | grep -c "pid=${EP[$((i-1))]},") FMP connections"
  done
}
echo "== steady: $H hunters, ${S}s"
( sleep $((S / 2)); split ) & W=$!
"$B" bot "${BOT[@]}" --duration "${S}s" --seed 1 --pids "$P"
wait $W
echo "== a NATS node (n3) is SIGKILLed $((S / 3))s into the run"
( sleep $((S / 3)); kill -KILL "${NATS[2]}"; echo "  n3 killed" ) & W=$!
"$B" bot "${BOT[@]}" --duration "${S}s" --seed 2
wait $W
echo "== after: two NATS nodes of three"
"$B" bot "${BOT[@]}" --duration "${S}s" --seed 3
