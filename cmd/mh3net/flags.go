package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/mh3net/mh3net/edge"
	"github.com/mh3net/mh3net/natsrv"
	"github.com/mh3net/mh3net/server"
	"github.com/mh3net/mh3net/world"
)

// options are the flags every role shares. Each flag can also come from
// the environment as MH3NET_<FLAG> (upper case, dashes as underscores);
// the command line wins.
type options struct {
	host      string
	advertise string
	opnPort   int
	lmpPort   int
	fmpPort   int
	rfpPort   int
	natsURL   string
	replicas  int
	natsPort  int
	postgres  string
	tlsCert   string
	tlsKey    string
	logLevel  string
	data      string
	world     string
	quests    string
	fmpOnly   bool
	busOnly   bool

	connectionDelay time.Duration
	lineCheck       time.Duration
	requestTimeout  time.Duration
	lease           time.Duration
	relayLease      time.Duration
	cpuProfile      string
	pprofAddr       string
	cityReservation time.Duration

	// NATS server side (nats, up).
	natsHost         string
	edgePassword     string
	handlersPassword string
	edgeNKeys        string
	handlersNKeys    string
	natsTLSCert      string
	natsTLSKey       string
	natsTLSCA        string
	// Clustering (nats).
	natsName      string
	clusterName   string
	clusterHost   string
	clusterPort   int
	clusterRoutes string

	// NATS client side (edge, handlers, up, projections rebuild).
	natsUser     string
	natsPassword string
	natsNKey     string
	natsCA       string
	natsCert     string
	natsKey      string

	maxConns      int
	maxConnsPerIP int
	connRate      float64
	connBurst     int
	eventRate     float64
	eventBurst    int

	reusePort bool
	check     bool

	gcPercent int

	httpAddr       string
	adminToken     string
	adminTokenFile string

	// DNS for the game's hostnames (up).
	dnsListen   string
	dnsUpstream string
}

func newFlagSet(name string, o *options) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&o.host, "host", "0.0.0.0", "address the game listeners bind")
	fs.StringVar(&o.advertise, "advertise", "", "address given to clients in redirects (default: this host's first non-loopback IPv4, or 127.0.0.1)")
	fs.IntVar(&o.opnPort, "opn-port", 8200, "OPN (TLS) port")
	fs.IntVar(&o.lmpPort, "lmp-port", 8201, "LMP port")
	fs.IntVar(&o.fmpPort, "fmp-port", 8202, "FMP port")
	fs.IntVar(&o.rfpPort, "rfp-port", 8203, "RFP port")
	fs.StringVar(&o.natsURL, "nats", "", "external NATS URL, or a comma list of a cluster's servers (default: embedded NATS server)")
	fs.IntVar(&o.natsPort, "nats-port", 0, "NATS client port (up: 0 = in-process only, no listener; nats: default 4222)")
	fs.StringVar(&o.postgres, "postgres", "", "Postgres URL for the event store (default: embedded JetStream log under --data)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "PEM certificate for OPN TLS (default: an ephemeral self-signed one)")
	fs.StringVar(&o.tlsKey, "tls-key", "", "PEM key for --tls-cert")
	fs.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&o.data, "data", "./data", "data directory (embedded NATS / JetStream files)")
	fs.StringVar(&o.world, "world", "", "world file (servers, gates, capacities); default: MH3SP's world, embedded. The handlers watch it and take a change that only adds servers or raises capacities")
	fs.DurationVar(&o.connectionDelay, "connection-delay", 1500*time.Millisecond, "wait before ReqConnection (MH3SP: 1.5 s)")
	fs.DurationVar(&o.lineCheck, "line-check", 30*time.Second, "keep-alive interval (MH3SP: 30 s)")
	fs.DurationVar(&o.requestTimeout, "request-timeout", 2*time.Second, "how long an edge waits for a handler before retrying the packet")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the process to this file until it stops")
	fs.StringVar(&o.pprofAddr, "pprof", "", "serve net/http/pprof on this address (e.g. 127.0.0.1:6060); off by default")
	fs.DurationVar(&o.lease, "lease", 15*time.Second, "the edges' lease period, the same in every process: an edge silent this long is taken for dead and its players swept")
	fs.DurationVar(&o.relayLease, "relay-lease", 3*time.Second, "with --postgres: the relay's lease period, the same in every process (one handler process relays; another takes over within about one period after it dies)")
	switch name {
	case "up", "handlers":
		fs.IntVar(&o.replicas, "replicas", 0, "replicas of the event log, the feed and the buckets in a NATS cluster (0: as many servers as --nats names or the cluster advertises, at most 3)")
		fs.DurationVar(&o.cityReservation, "city-reservation", world.ReservationTime, "how long creating a city holds it for its creator (MH3SP: 40 s); a creator who vanishes frees it after this")
		fs.StringVar(&o.quests, "quests", "", "quest directory: quests/<id>.json and rotation.json (docs/OPERATIONS.md); watched, a change is served without a restart (default: the embedded quests every day; 'mh3net quests export DIR' writes them as a start)")
	}
	if name == "up" {
		fs.BoolVar(&o.busOnly, "bus-only", false, "send every packet over NATS, as separate edge and handler processes do (default: this process's handlers serve its own edge's packets in process, and the bus only when they are busy)")
		fs.StringVar(&o.dnsListen, "dns", "", "also answer DNS for the game's hostnames with --advertise on this address, UDP and TCP (e.g. 0.0.0.0:53; see 'mh3net dns'); off by default")
		fs.StringVar(&o.dnsUpstream, "dns-upstream", "", "with --dns: the resolver for every other name, IP[:port] (default: the first nameserver of /etc/resolv.conf)")
	}
	if name == "edge" {
		fs.BoolVar(&o.fmpOnly, "fmp-only", false, "run an external FMP server: open only the FMP listener and register the servers of --world (each with its \"index\", after the central world's) with the deployment; they are listed while this edge lives")
	}
	switch name {
	case "up", "edge", "handlers", "nats", "migrate", "projections rebuild":
		checkFlag(fs, o)
	}
	switch name {
	case "up", "edge", "handlers", "nats":
		gc := 100
		if name == "edge" || name == "nats" {
			// Their heaps are mostly long-lived (connections, stored
			// messages) and make little garbage: a tighter collection
			// target costs little CPU and saves a fifth of their memory
			// per idle hunter (docs/PERFORMANCE.md, "Idle hunters").
			gc = 50
		}
		fs.IntVar(&o.gcPercent, "gc-percent", gc, "the Go collector's target (GOGC): lower holds less memory for more CPU; the GOGC environment variable wins")
	}
	switch name {
	case "up", "edge", "handlers":
		def := ""
		if name == "up" {
			def = "127.0.0.1:8280"
		}
		fs.StringVar(&o.httpAddr, "http", def, "serve the status page, the admin API and /metrics on this address (empty: off); a non-loopback address needs --admin-token")
		fs.StringVar(&o.adminToken, "admin-token", "", "bearer token of the admin API (better from MH3NET_ADMIN_TOKEN); default on a loopback --http: a random one, kept in --admin-token-file")
		fs.StringVar(&o.adminTokenFile, "admin-token-file", "", "where the made admin token is kept for 'mh3net admin' (default: <data>/admin.token)")
	}
	switch name {
	case "up", "edge":
		fs.BoolVar(&o.reusePort, "reuse-port", false, "set SO_REUSEPORT on the game listeners, so several edge processes of one host share the same ports (Linux); every process on the port needs it")
	}
	switch name {
	case "nats", "up":
		o.natsServerFlags(fs)
	}
	if name == "nats" {
		fs.StringVar(&o.natsName, "nats-name", "", "server name, unique in a cluster (default: mh3net, or mh3net-<cluster port> in a cluster)")
		fs.StringVar(&o.clusterName, "cluster-name", "mh3net", "cluster name (the same on every server of the cluster)")
		fs.StringVar(&o.clusterHost, "cluster-host", "127.0.0.1", "address the cluster (route) port binds")
		fs.IntVar(&o.clusterPort, "cluster-port", 0, "cluster (route) port; 0: no cluster")
		fs.StringVar(&o.clusterRoutes, "cluster-routes", "", "comma list of the other servers' cluster addresses (host:port); routes use TLS when --nats-tls-cert is given")
	}
	switch name {
	case "up", "edge", "handlers", "projections rebuild":
		o.natsClientFlags(fs)
	}
	fs.IntVar(&o.maxConns, "max-conns", edge.DefaultMaxConns, "game connections one edge process holds at once, across its listeners; more get a 'server busy' NtcShut")
	fs.IntVar(&o.maxConnsPerIP, "max-conns-per-ip", edge.DefaultMaxConnsPerIP, "game connections one edge process holds from one IPv4 address or IPv6 /64")
	fs.Float64Var(&o.connRate, "conn-rate", edge.DefaultRequestRate, "packets per second one connection may send (sustained); faster clients are not read until they are back under it")
	fs.IntVar(&o.connBurst, "conn-burst", edge.DefaultRequestBurst, "packets one connection may send at once before --conn-rate applies")
	fs.Float64Var(&o.eventRate, "ip-event-rate", edge.DefaultEventRate, "events per second one IPv4 address or IPv6 /64 may make the handlers append to the event log (sustained); past it, its connections are not read until it is back under; 0 = no bound")
	fs.IntVar(&o.eventBurst, "ip-event-burst", edge.DefaultEventBurst, "events one address may make the handlers append at once before --ip-event-rate applies")
	return fs
}

func (o *options) natsServerFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.natsHost, "nats-host", "127.0.0.1", "address the NATS client port binds")
	fs.StringVar(&o.edgePassword, "nats-edge-password", "", "password of NATS user \"edge\" (edge role); setting any --nats-edge-*/--nats-handlers-* refuses anonymous connections")
	fs.StringVar(&o.handlersPassword, "nats-handlers-password", "", "password of NATS user \"handlers\" (handlers role: everything)")
	fs.StringVar(&o.edgeNKeys, "nats-edge-nkey", "", "comma list of public user nkeys (U…, from 'mh3net nkey') with the edge role")
	fs.StringVar(&o.handlersNKeys, "nats-handlers-nkey", "", "comma list of public user nkeys with the handlers role")
	fs.StringVar(&o.natsTLSCert, "nats-tls-cert", "", "PEM certificate: NATS clients (and routes) must use TLS")
	fs.StringVar(&o.natsTLSKey, "nats-tls-key", "", "PEM key for --nats-tls-cert")
	fs.StringVar(&o.natsTLSCA, "nats-tls-ca", "", "PEM CA: clients must present a certificate it signed (and routes verify each other with it)")
}

func (o *options) natsClientFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.natsUser, "nats-user", "", "NATS user (edge or handlers)")
	fs.StringVar(&o.natsPassword, "nats-password", "", "NATS password (better from MH3NET_NATS_PASSWORD: command lines are visible to other users)")
	fs.StringVar(&o.natsNKey, "nats-nkey", "", "file holding this process's NATS user nkey seed (from 'mh3net nkey')")
	fs.StringVar(&o.natsCA, "nats-ca", "", "PEM CA that signed the NATS server's certificate (turns TLS on)")
	fs.StringVar(&o.natsCert, "nats-cert", "", "PEM client certificate, when NATS verifies clients")
	fs.StringVar(&o.natsKey, "nats-key", "", "PEM key for --nats-cert")
}

// natsServer is the NATS server configuration the flags give.
func (o *options) natsServer() natsrv.Options {
	no := natsrv.Options{
		Host:             o.natsHost,
		Name:             o.natsName,
		EdgePassword:     o.edgePassword,
		HandlersPassword: o.handlersPassword,
		EdgeNKeys:        splitList(o.edgeNKeys),
		HandlersNKeys:    splitList(o.handlersNKeys),
		TLSCert:          o.natsTLSCert,
		TLSKey:           o.natsTLSKey,
		TLSCA:            o.natsTLSCA,
		ClusterName:      o.clusterName,
		ClusterHost:      o.clusterHost,
		ClusterPort:      o.clusterPort,
		Routes:           splitList(o.clusterRoutes),
	}
	if no.Name == "" && no.ClusterPort > 0 {
		// Stable across restarts (JetStream's cluster state is keyed by
		// it) and unique among servers on one host.
		no.Name = fmt.Sprintf("mh3net-%d", no.ClusterPort)
	}
	return no
}

// natsClient is how this process connects to NATS.
func (o *options) natsClient() server.NATSClient {
	return server.NATSClient{
		User:         o.natsUser,
		Password:     o.natsPassword,
		NKeySeedFile: o.natsNKey,
		CAFile:       o.natsCA,
		CertFile:     o.natsCert,
		KeyFile:      o.natsKey,
	}
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// parse parses args and then fills every flag not given on the command
// line from MH3NET_<FLAG>.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		env := "MH3NET_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %w", env, v, e)
			}
		}
	})
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return nil
}

func (o *options) logger() (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(o.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl})), nil
}

// advertised is the address put into AnsLmpConnect / AnsFmpInfo.
func (o *options) advertised() string {
	if o.advertise != "" {
		return o.advertise
	}
	if ip := net.ParseIP(o.host); ip != nil && !ip.IsUnspecified() {
		return o.host
	}
	addrs, err := net.InterfaceAddrs()
	if err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
				return n.IP.String()
			}
		}
	}
	return "127.0.0.1"
}

func (o *options) port(server string) int {
	switch server {
	case "opn":
		return o.opnPort
	case "lmp":
		return o.lmpPort
	case "fmp":
		return o.fmpPort
	case "rfp":
		return o.rfpPort
	}
	return 0
}

// tokenFile is where a made admin token is kept.
func (o *options) tokenFile() string {
	if o.adminTokenFile != "" {
		return o.adminTokenFile
	}
	return filepath.Join(o.data, "admin.token")
}

// setGC applies --gc-percent unless GOGC is set.
func (o *options) setGC(log *slog.Logger) {
	if os.Getenv("GOGC") != "" || o.gcPercent == 0 {
		return
	}
	debug.SetGCPercent(o.gcPercent)
	log.Debug("gc percent", "percent", o.gcPercent)
}
