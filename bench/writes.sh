#!/bin/bash
# The event log's write rate under players: split.sh with Postgres (two
# handler processes, two edges), `mh3net bot` plays; the events and the
# Postgres transactions of the run, per second and per hunter.
# usage: bench/writes.sh [HUNTERS [SECONDS]]   (needs root: initdb runs as user postgres)
set -euo pipefail
H=${1:-200}; S=${2:-60}
HANDLERS=2 STORE=pg
. "$(dirname "$0")/split.sh"
q() { runuser -u postgres -- "$PGB/psql" -h "$DIR" -p 5432 -U postgres -At -c "$1"; }
E0=$(q "select count(*) from events"); X0=$(q "select xact_commit from pg_stat_database where datname = 'postgres'")
"$B" bot --opn 127.0.0.1:18300 --hunters "$H" --duration "${S}s" --local-ips 127.0.1.1-127.0.1.250 --progress 0 | grep -E "^ *(total|login) |hunters \("
E1=$(q "select count(*) from events"); X1=$(q "select xact_commit from pg_stat_database where datname = 'postgres'")
awk -v e=$((E1 - E0)) -v x=$((X1 - X0)) -v s="$S" -v h="$H" 'BEGIN {
  printf "events appended: %d in %ds = %.1f/s, %.3f per hunter per second\n", e, s, e / s, e / s / h
  printf "Postgres transactions committed: %d = %.1f/s (reads included)\n", x, x / s }'
