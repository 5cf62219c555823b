#!/bin/bash
# The status page's update latency under players: `mh3net up` (with the
# operator HTTP server on 127.0.0.1:8280) and `mh3net bot --hunters 100`;
# bench/statuspage measures, hunter after hunter, the time from entering
# a city to the page's event stream showing it there.
# usage: bench/statuspage.sh [HUNTERS [SAMPLES]]
set -euo pipefail
H=${1:-100}; N=${2:-40}
cd "$(dirname "$0")/.."
T=$(mktemp -d)
go build -o "$T/mh3net" ./cmd/mh3net
go build -o "$T/statuspage" ./bench/statuspage
cleanup() { kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT
"$T/mh3net" up --host 127.0.0.1 --advertise 127.0.0.1 --data "$T/data" --connection-delay 10ms \
  --http 127.0.0.1:8280 --log-level warn --ip-event-rate 0 2>"$T/up.log" &
for _ in $(seq 50); do curl -sf http://127.0.0.1:8280/api/status >/dev/null && break; sleep 0.2; done
"$T/mh3net" bot --opn 127.0.0.1:8200 --hunters "$H" --duration 10m --progress 0 \
  --local-ips 127.0.0.2-127.0.0.11 >"$T/bot.log" 2>&1 &
sleep 15 # the bot's ramp (at most 10 s)
"$T/statuspage" --opn 127.0.0.1:8200 --http 127.0.0.1:8280 --samples "$N"
