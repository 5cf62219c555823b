package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"
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
	natsPort  int
	postgres  string
	tlsCert   string
	tlsKey    string
	logLevel  string
	data      string
	world     string

	connectionDelay time.Duration
	lineCheck       time.Duration
	requestTimeout  time.Duration
}

func newFlagSet(name string, o *options) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&o.host, "host", "0.0.0.0", "address the game listeners bind")
	fs.StringVar(&o.advertise, "advertise", "", "address given to clients in redirects (default: this host's first non-loopback IPv4, or 127.0.0.1)")
	fs.IntVar(&o.opnPort, "opn-port", 8200, "OPN (TLS) port")
	fs.IntVar(&o.lmpPort, "lmp-port", 8201, "LMP port")
	fs.IntVar(&o.fmpPort, "fmp-port", 8202, "FMP port")
	fs.IntVar(&o.rfpPort, "rfp-port", 8203, "RFP port")
	fs.StringVar(&o.natsURL, "nats", "", "external NATS URL (default: embedded NATS server)")
	fs.IntVar(&o.natsPort, "nats-port", 0, "port of the embedded NATS server (0: in-process only for up, 4222 for nats)")
	fs.StringVar(&o.postgres, "postgres", "", "Postgres URL for the event store (default: embedded JetStream log under --data)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "PEM certificate for OPN TLS (default: an ephemeral self-signed one)")
	fs.StringVar(&o.tlsKey, "tls-key", "", "PEM key for --tls-cert")
	fs.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&o.data, "data", "./data", "data directory (embedded NATS / JetStream files)")
	fs.StringVar(&o.world, "world", "", "world file (servers, gates, capacities); default: MH3SP's world, embedded")
	fs.DurationVar(&o.connectionDelay, "connection-delay", 1500*time.Millisecond, "wait before ReqConnection (MH3SP: 1.5 s)")
	fs.DurationVar(&o.lineCheck, "line-check", 30*time.Second, "keep-alive interval (MH3SP: 30 s)")
	fs.DurationVar(&o.requestTimeout, "request-timeout", 2*time.Second, "how long an edge waits for a handler before retrying the packet")
	return fs
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
