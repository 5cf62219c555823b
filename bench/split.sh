# Sourced by relay.sh and cities.sh: starts `mh3net nats`, N handler
# processes and two edges on 127.0.0.1, each its own process; with
# STORE=pg also a throwaway Postgres cluster (needs root: initdb runs as
# user postgres). Everything is stopped and removed on exit.
DIR=$(mktemp -d); chmod 755 "$DIR"
PIDS=()
PGB=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1 || true)
cleanup() {
  kill -TERM "${PIDS[@]}" 2>/dev/null || true; sleep 1
  kill -TERM "$NATS" 2>/dev/null || true; wait 2>/dev/null || true
  if [ -d "$DIR/pg" ]; then runuser -u postgres -- "$PGB/pg_ctl" -D "$DIR/pg" -m fast stop >/dev/null || true; fi
  rm -rf "$DIR"
}
trap cleanup EXIT
B=${MH3NET:-}
if [ -z "$B" ]; then B=$DIR/mh3net; (cd "$(dirname "$0")/.." && go build -o "$B" ./cmd/mh3net); fi
PG=()
if [ "${STORE:-js}" = pg ]; then
  mkdir "$DIR/pg" && chown postgres "$DIR" "$DIR/pg"
  runuser -u postgres -- "$PGB/initdb" -D "$DIR/pg" -U postgres -A trust >/dev/null
  runuser -u postgres -- "$PGB/pg_ctl" -D "$DIR/pg" -l "$DIR/pg.log" -w \
    -o "-p 5432 -c listen_addresses='' -c unix_socket_directories=$DIR -c max_connections=200" start >/dev/null
  URL="postgres://postgres@/postgres?host=$DIR&port=5432"
  "$B" migrate --postgres "$URL" >/dev/null
  PG=(--postgres "$URL")
fi
env ${SERVER_ENV:-} "$B" nats --data "$DIR/nats" --nats-port 14222 --log-level warn >"$DIR/nats.log" 2>&1 &
NATS=$!
sleep 1.5
for i in $(seq "${HANDLERS:-1}"); do
  env ${SERVER_ENV:-} "$B" handlers --nats nats://127.0.0.1:14222 --log-level warn "${PG[@]}" >"$DIR/handlers$i.log" 2>&1 &
  PIDS+=($!)
done
# Seating 1 000 hunters takes minutes and the load tool reads no socket
# meanwhile, so keep-alives are relaxed; the limits allow one address.
E=(--nats nats://127.0.0.1:14222 --host 127.0.0.1 --advertise 127.0.0.1 --connection-delay 10ms
   --log-level warn --max-conns-per-ip 4096 --conn-rate 1000 --conn-burst 2000 --line-check 10m --ip-event-rate 0)
# EDGE1_ARGS: more flags for the first edge (e.g. --pprof 127.0.0.1:6061);
# SERVER_ENV: environment for the server processes (e.g. GOMAXPROCS=1).
env ${SERVER_ENV:-} "$B" edge "${E[@]}" ${EDGE1_ARGS:-} --opn-port 18300 --lmp-port 18301 --fmp-port 18302 --rfp-port 18303 >"$DIR/edge1.log" 2>&1 &
PIDS+=($!)
env ${SERVER_ENV:-} "$B" edge "${E[@]}" --opn-port 18310 --lmp-port 18311 --fmp-port 18312 --rfp-port 18313 >"$DIR/edge2.log" 2>&1 &
PIDS+=($!)
for p in 18301 18311; do for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$p) 2>/dev/null && break; sleep 0.1; done; done
sleep 2
EDGES=(--lmp 127.0.0.1:18301,127.0.0.1:18311 --fmp 127.0.0.1:18302,127.0.0.1:18312)
