// Command mh3net is the Monster Hunter Tri online server. One binary runs
// everything on one box (`mh3net up`, the default) or one role per
// process against a NATS cluster (`mh3net nats`, `mh3net edge`,
// `mh3net handlers`).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/mh3net/mh3net/binaries"
	"github.com/mh3net/mh3net/certs"
	"github.com/mh3net/mh3net/natsrv"
	"github.com/mh3net/mh3net/server"
	"github.com/mh3net/mh3net/store"
	"github.com/mh3net/mh3net/store/jsstore"
	"github.com/mh3net/mh3net/store/pgstore"
	"github.com/mh3net/mh3net/store/projection"
	"github.com/mh3net/mh3net/store/relay"
	"github.com/mh3net/mh3net/world"
)

const usage = `mh3net — Monster Hunter Tri online server

usage: mh3net [command] [flags]

commands:
  up         run everything in one process with an embedded NATS (default)
  nats       run only the NATS server (JetStream on)
  edge       run only the game listeners, against --nats URL
  handlers   run only the packet handlers, against --nats URL
  cert       write a CA and a server certificate for OPN TLS (--out DIR)
  nats-cert  write a CA, a server and a client certificate for NATS TLS
             (--out DIR --hosts ADDR,...; an existing CA in DIR is reused)
  nkey       write a NATS user nkey seed (--out FILE) and print its public key
  migrate    apply the Postgres migrations (--postgres URL)
  dns        answer DNS for the game's Capcom and Nintendo WFC hostnames with
             --advertise IP and forward every other name (--upstream);
             'up --dns ADDR' runs the same inside up
  health     exit 0 if --tcp ADDR,... accept connections and, with
             --handlers, the handlers service answers on --nats (for
             container healthchecks)
  load       drive a server with whole logins (--opn ADDR --clients N --logins M);
             'load relay': relay latency in full cities against a direct TCP relay;
             'load cities': city joins racing for slots (latency, joins/s)
  bot        hunters that play (--opn ADDR --hunters N --duration D): log in,
             cities, chat, moves, quest parties, tells, idle; a table of
             every action's count, errors and latency (--json FILE)
  transcript play fixed sessions (login, returning, city, social, crowd, move, stray) against
             --opn ADDR and print every frame the server sends, to diff
             against MH3SP (docs/DEVELOPING.md)
  quests export DIR
             write the embedded event and arena quests as a quest
             directory (quests/<id>.json, rotation.json) for --quests
  admin      the admin API of a running process (--url, default
             http://127.0.0.1:8280; token from --token, MH3NET_ADMIN_TOKEN or
             --token-file, default ./data/admin.token):
               admin announce TEXT
               admin maintenance on|off [TEXT]
               admin broadcast --server N [--gate N] [--city N] TEXT
               admin kick CAPCOMID
               admin hunters [QUERY]
               admin log
               admin reload   (the quest directory and world file, now)
  projections rebuild
             replay the event log from zero into the read models and print
             their digest; with --postgres and --nats, also from the
             JetStream feed, and check both give the same state

Run 'mh3net <command> -h' for the flags. Every flag can also be set as
MH3NET_<FLAG> in the environment (upper case, dashes as underscores).
`

func main() {
	keepSysmonAwake()
	if err := run(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "mh3net:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	cmd := "up"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch cmd {
	case "up", "edge", "handlers":
		return runRoles(ctx, cmd, args)
	case "nats":
		return runNATS(ctx, args)
	case "cert":
		return runCert(args)
	case "nats-cert":
		return runNATSCert(args)
	case "nkey":
		return runNKey(args)
	case "migrate":
		return runMigrate(ctx, args)
	case "health":
		return runHealth(ctx, args)
	case "dns":
		return runDNS(ctx, args)
	case "load":
		if len(args) > 0 && args[0] == "relay" {
			return runLoadRelay(ctx, args[1:])
		}
		if len(args) > 0 && args[0] == "direct-relay" {
			return runDirectRelay(ctx, args[1:])
		}
		if len(args) > 0 && args[0] == "cities" {
			return runLoadCities(ctx, args[1:])
		}
		return runLoad(ctx, args)
	case "bot":
		return runBot(ctx, args)
	case "transcript":
		return runTranscript(ctx, args)
	case "quests":
		if len(args) != 2 || args[0] != "export" {
			return fmt.Errorf("usage: mh3net quests export DIR")
		}
		if err := binaries.ExportQuests(args[1]); err != nil {
			return err
		}
		fmt.Printf("wrote the embedded quests and a rotation serving them every day to %s; serve them with --quests %s\n", args[1], args[1])
		return nil
	case "admin":
		return runAdmin(ctx, args)
	case "projections":
		if len(args) == 0 || args[0] != "rebuild" {
			return fmt.Errorf("usage: mh3net projections rebuild [flags]")
		}
		return runRebuild(ctx, args[1:])
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	}
	fmt.Fprint(os.Stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

func runRoles(ctx context.Context, cmd string, args []string) error {
	var o options
	fs := newFlagSet(cmd, &o)
	if err := parse(fs, args); err != nil {
		return err
	}
	if o.check {
		return printCheck(&o, cmd)
	}
	log, err := o.logger()
	if err != nil {
		return err
	}
	slog.SetDefault(log)
	o.setGC(log)
	stopProfiling, err := startProfiling(o.cpuProfile, o.pprofAddr, log)
	if err != nil {
		return err
	}
	defer stopProfiling()
	if cmd != "up" && o.natsURL == "" {
		return fmt.Errorf("%s needs --nats URL (a NATS server with JetStream, e.g. from 'mh3net nats')", cmd)
	}
	if files := raiseFileLimit(log); cmd != "handlers" && files > 0 && files < uint64(o.maxConns)+fileReserve {
		log.Warn("the open-file limit is below --max-conns plus what the process needs besides: raise the hard limit (ulimit -Hn, LimitNOFILE=) or lower --max-conns",
			"limit", files, "max_conns", o.maxConns, "reserve", fileReserve)
	}
	w := world.Default()
	if o.world != "" {
		if w, err = world.Load(o.world); err != nil {
			return err
		}
	}
	if o.fmpOnly && o.world == "" {
		return fmt.Errorf("--fmp-only needs --world: the file naming this server's FMP servers, with indices after the central world's")
	}
	natsPort := o.natsPort
	cfg := server.Config{
		Edge:              cmd == "up" || cmd == "edge",
		Handlers:          cmd == "up" || cmd == "handlers",
		NATSURL:           o.natsURL,
		Replicas:          o.replicas,
		Postgres:          o.postgres,
		NATSHost:          o.natsHost,
		NATSPort:          natsPort,
		NATSServer:        o.natsServer(),
		NATSClient:        o.natsClient(),
		DataDir:           o.data,
		Host:              o.host,
		Advertise:         o.advertised(),
		Ports:             map[string]int{"opn": o.opnPort, "lmp": o.lmpPort, "fmp": o.fmpPort, "rfp": o.rfpPort},
		ReusePort:         o.reusePort,
		TLSCert:           o.tlsCert,
		TLSKey:            o.tlsKey,
		World:             w,
		WorldFile:         o.world,
		QuestDir:          o.quests,
		FMPOnly:           o.fmpOnly,
		BusOnly:           o.busOnly,
		ConnectionDelay:   o.connectionDelay,
		LineCheckInterval: o.lineCheck,
		RequestTimeout:    o.requestTimeout,
		Lease:             o.lease,
		RelayLease:        o.relayLease,
		CityReservation:   o.cityReservation,
		MaxConns:          o.maxConns,
		MaxConnsPerIP:     o.maxConnsPerIP,
		RequestRate:       o.connRate,
		RequestBurst:      o.connBurst,
		EventRate:         eventRate(o.eventRate),
		EventBurst:        o.eventBurst,
		HTTPAddr:          o.httpAddr,
		AdminToken:        o.adminToken,
		AdminTokenFile:    o.tokenFile(),
		Logger:            log,
	}
	srv, err := server.Start(ctx, cfg)
	if err != nil {
		return err
	}
	var dnsErr <-chan error // nil without --dns: never ready
	if o.dnsListen != "" {
		dns, err := startDNS(ctx, o.dnsListen, cfg.Advertise, "--dns-upstream", o.dnsUpstream, log)
		if err != nil {
			srv.Close()
			return err
		}
		defer dns.Close()
		dnsErr = dns.Err()
	}
	log.Info("mh3net running", "roles", cmd, "advertise", cfg.Advertise)
	if a := srv.HTTPAddr(); a != nil {
		log.Info("status page", "url", "http://"+a.String()+"/", "admin_token_file", cfg.AdminTokenFile)
	}
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err = <-srv.Err():
		// Exit non-zero, so a supervisor restarts the process.
		log.Error("a role stopped", "err", err)
	case err = <-dnsErr:
		log.Error("the DNS server stopped", "err", err)
	}
	if cerr := srv.Close(); cerr != nil {
		log.Warn("shutdown", "err", cerr)
	}
	return err
}

// printCheck is --check: validate, print the summary, exit.
func printCheck(o *options, cmd string) error {
	line, err := o.checkConfig(cmd)
	if err != nil {
		return err
	}
	fmt.Println(line)
	return nil
}

// fileReserve is the descriptors a process needs besides game
// connections: NATS, JetStream files, Postgres, refusals in progress.
const fileReserve = 256

func runNATS(ctx context.Context, args []string) error {
	var o options
	fs := newFlagSet("nats", &o)
	if err := parse(fs, args); err != nil {
		return err
	}
	if o.check {
		return printCheck(&o, "nats")
	}
	log, err := o.logger()
	if err != nil {
		return err
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "host" {
			log.Warn("--host is the game listeners' address; mh3net nats binds --nats-host", "nats-host", o.natsHost)
		}
	})
	raiseFileLimit(log)
	o.setGC(log)
	stopProfiling, err := startProfiling(o.cpuProfile, o.pprofAddr, log)
	if err != nil {
		return err
	}
	defer stopProfiling()
	port := o.natsPort
	if port == 0 {
		port = 4222
	}
	no := o.natsServer()
	no.Port, no.StoreDir, no.Logger = port, o.data, log
	if !no.AuthEnabled() {
		log.Warn("NATS without authentication: whoever reaches it controls mh3net (see --nats-edge-password, --nats-handlers-nkey)", "host", no.Host)
	}
	ns, err := natsrv.Start(no)
	if err != nil {
		return err
	}
	log.Info("nats running", "url", ns.ClientURL(), "store", o.data, "auth", no.AuthEnabled(), "tls", no.TLSCert != "", "cluster_port", no.ClusterPort)
	if err := natsrv.WaitJetStream(ctx, ns); err == nil {
		log.Info("jetstream ready")
	}
	<-ctx.Done()
	ns.Shutdown()
	ns.WaitForShutdown()
	return nil
}

func runNATSCert(args []string) error {
	fs := flag.NewFlagSet("nats-cert", flag.ContinueOnError)
	out := fs.String("out", "natscert", "directory to write ca.crt, ca.key, <name>.crt, <name>.key, client.crt, client.key (an existing ca.crt/ca.key there is reused)")
	hosts := fs.String("hosts", "127.0.0.1,localhost", "comma list of the addresses and names clients and routes reach this NATS server by")
	name := fs.String("name", "server", "file name of the server certificate (one per server of a cluster)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := natsrv.GenerateCerts(*out, *name, splitList(*hosts)); err != nil {
		return err
	}
	fmt.Printf("wrote %[1]s/ca.crt, %[1]s/%[2]s.crt and %[1]s/client.crt\n"+
		"server:  mh3net nats --nats-tls-cert %[1]s/%[2]s.crt --nats-tls-key %[1]s/%[2]s.key --nats-tls-ca %[1]s/ca.crt\n"+
		"clients: --nats-ca %[1]s/ca.crt --nats-cert %[1]s/client.crt --nats-key %[1]s/client.key\n", *out, *name)
	return nil
}

func runNKey(args []string) error {
	fs := flag.NewFlagSet("nkey", flag.ContinueOnError)
	out := fs.String("out", "", "file to write the seed to (must not exist; written 0600)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("nkey needs --out FILE")
	}
	kp, err := nkeys.CreateUser()
	if err != nil {
		return err
	}
	defer kp.Wipe()
	seed, err := kp.Seed()
	if err != nil {
		return err
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return err
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(append(seed, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Println(pub)
	return nil
}

func runCert(args []string) error {
	fs := flag.NewFlagSet("cert", flag.ContinueOnError)
	out := fs.String("out", "cert", "directory to write ca.crt, ca.der, ca.key, server.crt, server.key")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := certs.Generate(*out); err != nil {
		return err
	}
	fmt.Printf("wrote CA and server certificate to %s (patch ca.der into the game; run with --tls-cert %s/server.crt --tls-key %s/server.key)\n", *out, *out, *out)
	return nil
}

func runMigrate(ctx context.Context, args []string) error {
	var o options
	fs := newFlagSet("migrate", &o)
	if err := parse(fs, args); err != nil {
		return err
	}
	if o.check {
		return printCheck(&o, "migrate")
	}
	if o.postgres == "" {
		return fmt.Errorf("migrate needs --postgres URL")
	}
	log, err := o.logger()
	if err != nil {
		return err
	}
	st, err := pgstore.Open(ctx, o.postgres, log) // connects, then applies the migrations
	if err != nil {
		return err
	}
	st.Close()
	fmt.Println("migrations applied")
	return nil
}

func runRebuild(ctx context.Context, args []string) error {
	var o options
	fs := newFlagSet("projections rebuild", &o)
	if err := parse(fs, args); err != nil {
		return err
	}
	if o.check {
		return printCheck(&o, "projections rebuild")
	}
	log, err := o.logger()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	var nc *nats.Conn
	switch {
	case o.natsURL != "":
		var opts []nats.Option
		if opts, err = o.natsClient().Options(); err == nil {
			nc, err = nats.Connect(o.natsURL, opts...)
		}
	case o.postgres == "":
		// The embedded log: open its directory (the server must be stopped).
		ns, err := natsrv.Start(natsrv.Options{StoreDir: o.data, Logger: log})
		if err != nil {
			return err
		}
		defer ns.Shutdown()
		nc, err = nats.Connect("", nats.InProcessServer(ns))
		if err != nil {
			return err
		}
	}
	if err != nil {
		return err
	}
	var sources []struct {
		name string
		st   store.Store
	}
	if o.postgres != "" {
		pg, err := pgstore.Open(ctx, o.postgres, log)
		if err != nil {
			return err
		}
		defer pg.Close()
		sources = append(sources, struct {
			name string
			st   store.Store
		}{"postgres log", pg})
		if nc != nil {
			js, err := jetstream.New(nc)
			if err != nil {
				return err
			}
			sources = append(sources, struct {
				name string
				st   store.Store
			}{"jetstream feed", relay.NewFeed(pg, js)})
		}
	} else {
		js, err := jsstore.Open(ctx, nc, jsstore.Options{})
		if err != nil {
			return err
		}
		sources = append(sources, struct {
			name string
			st   store.Store
		}{"jetstream log", js})
	}
	var first string
	for _, src := range sources {
		begin := time.Now()
		sctx, stop := context.WithCancel(ctx)
		p, err := projection.Rebuild(sctx, src.st)
		if err != nil {
			stop()
			return fmt.Errorf("rebuild from %s: %w", src.name, err)
		}
		st := p.Stats()
		stop() // the read model's subscription ends before the store closes
		fmt.Printf("%-15s position %d  consoles %d  profiles %d  digest %s  (%v)\n", src.name, st.Position, st.Consoles, st.Profiles, st.Digest[:16], time.Since(begin).Round(time.Millisecond))
		if first == "" {
			first = st.Digest
		} else if st.Digest != first {
			return fmt.Errorf("the read models differ between sources")
		}
	}
	return nil
}

// eventRate is --ip-event-rate for the server: 0 there means no bound.
func eventRate(r float64) float64 {
	if r == 0 {
		return -1
	}
	return r
}
