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
  migrate    apply the Postgres migrations (--postgres URL)
  load       drive a server with whole logins (--opn ADDR --clients N --logins M)
  projections rebuild
             replay the event log from zero into the read models and print
             their digest; with --postgres and --nats, also from the
             JetStream feed, and check both give the same state

Run 'mh3net <command> -h' for the flags. Every flag can also be set as
MH3NET_<FLAG> in the environment (upper case, dashes as underscores).
`

func main() {
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
	case "migrate":
		return runMigrate(ctx, args)
	case "load":
		return runLoad(ctx, args)
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
	log, err := o.logger()
	if err != nil {
		return err
	}
	slog.SetDefault(log)
	if cmd != "up" && o.natsURL == "" {
		return fmt.Errorf("%s needs --nats URL (a NATS server with JetStream, e.g. from 'mh3net nats')", cmd)
	}
	w := world.Default()
	if o.world != "" {
		if w, err = world.Load(o.world); err != nil {
			return err
		}
	}
	natsPort := o.natsPort
	cfg := server.Config{
		Edge:              cmd == "up" || cmd == "edge",
		Handlers:          cmd == "up" || cmd == "handlers",
		NATSURL:           o.natsURL,
		Postgres:          o.postgres,
		NATSPort:          natsPort,
		DataDir:           o.data,
		Host:              o.host,
		Advertise:         o.advertised(),
		Ports:             map[string]int{"opn": o.opnPort, "lmp": o.lmpPort, "fmp": o.fmpPort, "rfp": o.rfpPort},
		TLSCert:           o.tlsCert,
		TLSKey:            o.tlsKey,
		World:             w,
		ConnectionDelay:   o.connectionDelay,
		LineCheckInterval: o.lineCheck,
		RequestTimeout:    o.requestTimeout,
		Logger:            log,
	}
	srv, err := server.Start(ctx, cfg)
	if err != nil {
		return err
	}
	log.Info("mh3net running", "roles", cmd, "advertise", cfg.Advertise)
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err = <-srv.Err():
		log.Error("a role stopped", "err", err)
	}
	if cerr := srv.Close(); cerr != nil {
		log.Warn("shutdown", "err", cerr)
	}
	return err
}

func runNATS(ctx context.Context, args []string) error {
	var o options
	fs := newFlagSet("nats", &o)
	if err := parse(fs, args); err != nil {
		return err
	}
	log, err := o.logger()
	if err != nil {
		return err
	}
	port := o.natsPort
	if port == 0 {
		port = 4222
	}
	host := o.host
	ns, err := natsrv.Start(natsrv.Options{Host: host, Port: port, StoreDir: o.data, Logger: log})
	if err != nil {
		return err
	}
	log.Info("nats running", "url", ns.ClientURL(), "store", o.data)
	<-ctx.Done()
	ns.Shutdown()
	ns.WaitForShutdown()
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
	log, err := o.logger()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	var nc *nats.Conn
	switch {
	case o.natsURL != "":
		nc, err = nats.Connect(o.natsURL)
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
