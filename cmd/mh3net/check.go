package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nkeys"

	"github.com/mh3net/mh3net/binaries"
	"github.com/mh3net/mh3net/certs"
	"github.com/mh3net/mh3net/natsrv"
	"github.com/mh3net/mh3net/ops"
	"github.com/mh3net/mh3net/server"
	"github.com/mh3net/mh3net/world"
)

// checkConfig is --check: it validates what cmd would start with (flags,
// environment, every file they name) without touching the network or
// opening a listener, and returns a one-line summary of the effective
// configuration, with no secret in it. An error lists every problem found.
func (o *options) checkConfig(cmd string) (string, error) {
	c := &checker{}
	var sum []string
	add := func(k string, v any) { sum = append(sum, fmt.Sprintf("%s=%v", k, v)) }

	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(o.logLevel)); err != nil {
		c.fail("--log-level %q: want debug, info, warn or error", o.logLevel)
	}
	if o.gcPercent < -1 {
		c.fail("--gc-percent %d: want -1 (no collection) or a percentage", o.gcPercent)
	}
	edge := cmd == "up" || cmd == "edge"
	handlers := cmd == "up" || cmd == "handlers"
	client := cmd == "edge" || cmd == "handlers" || cmd == "projections rebuild"

	if client || (cmd == "up" && o.natsURL != "") {
		if o.natsURL == "" {
			c.fail("%s needs --nats URL", cmd)
		} else {
			urls := c.natsURLs(o.natsURL)
			add("nats", strings.Join(urls, ","))
		}
	}
	if cmd == "edge" || cmd == "handlers" || cmd == "up" || cmd == "projections rebuild" {
		add("nats-auth", c.natsClient(cmd, o))
	}
	if cmd == "nats" || (cmd == "up" && o.natsURL == "") {
		add("nats-server", c.natsServer(cmd, o))
	}
	if (edge || handlers) && o.httpAddr != "" {
		host, port, err := net.SplitHostPort(o.httpAddr)
		if err != nil {
			c.fail("--http %q: want host:port", o.httpAddr)
		} else {
			if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
				c.fail("--http %q: bad port", o.httpAddr)
			}
			if o.adminToken == "" && !ops.Loopback(host) {
				c.fail("--http %s is not loopback: give --admin-token (MH3NET_ADMIN_TOKEN)", o.httpAddr)
			}
		}
		add("http", o.httpAddr)
	}
	if edge {
		c.ipLiteral("--host", o.host)
		ports := []struct {
			name string
			port int
		}{{"opn", o.opnPort}, {"lmp", o.lmpPort}, {"fmp", o.fmpPort}, {"rfp", o.rfpPort}}
		seen := map[int]string{}
		var ps []string
		for _, p := range ports {
			c.port("--"+p.name+"-port", p.port, false)
			if other, dup := seen[p.port]; dup && p.port != 0 {
				c.fail("--%s-port and --%s-port are both %d", other, p.name, p.port)
			}
			seen[p.port] = p.name
			ps = append(ps, fmt.Sprintf("%s:%d", p.name, p.port))
		}
		add("listen", o.host+"/"+strings.Join(ps, ","))
		if o.reusePort {
			if err := server.ReusePortSupported(); err != nil {
				c.fail("--reuse-port: %v", err)
			}
			add("reuse-port", true)
		}
		if o.advertise != "" {
			if ip := net.ParseIP(o.advertise); ip == nil || ip.To4() == nil {
				c.fail("--advertise %q: want an IPv4 address (the game is redirected to it)", o.advertise)
			}
		}
		add("advertise", o.advertised())
		switch {
		case o.tlsCert == "" && o.tlsKey == "":
			add("opn-cert", "self-signed")
		case o.tlsCert == "" || o.tlsKey == "":
			c.fail("--tls-cert and --tls-key go together")
		default:
			if _, err := certs.Load(o.tlsCert, o.tlsKey); err != nil {
				c.fail("--tls-cert/--tls-key: %v", err)
			}
			add("opn-cert", o.tlsCert)
		}
		c.positive("--connection-delay", o.connectionDelay, true)
		c.positive("--line-check", o.lineCheck, false)
		c.positive("--request-timeout", o.requestTimeout, false)
		for _, l := range []struct {
			name string
			v    float64
		}{{"--max-conns", float64(o.maxConns)}, {"--max-conns-per-ip", float64(o.maxConnsPerIP)},
			{"--conn-rate", o.connRate}, {"--conn-burst", float64(o.connBurst)}} {
			if l.v <= 0 {
				c.fail("%s must be positive", l.name)
			}
		}
		if o.eventRate < 0 {
			c.fail("--ip-event-rate must be positive, or 0 for no bound")
		}
		if o.eventBurst <= 0 {
			c.fail("--ip-event-burst must be positive")
		}
	}
	if edge || handlers {
		w := world.Default()
		name := "default"
		if o.world != "" {
			var err error
			if w, err = world.Load(o.world); err != nil {
				c.fail("--world: %v", err)
				w = nil
			}
			name = o.world
		}
		if w != nil {
			add("world", fmt.Sprintf("%s(%d servers)", name, len(w.Servers)))
		}
		if o.fmpOnly {
			if o.world == "" {
				c.fail("--fmp-only needs --world: the file naming this server's FMP servers, with indices after the central world's")
			} else if w != nil {
				var idx []string
				for _, srv := range w.Servers {
					if err := srv.Check(); err != nil {
						c.fail("--world: %v", err)
					}
					idx = append(idx, fmt.Sprint(srv.Index))
				}
				add("fmp-only", strings.Join(idx, ","))
			}
		}
		c.positive("--lease", o.lease, false)
	}
	if handlers {
		c.positive("--city-reservation", o.cityReservation, false)
		if o.quests != "" {
			if q, err := binaries.LoadQuests(o.quests); err != nil {
				c.fail("--quests: %v", err)
			} else {
				add("quests", fmt.Sprintf("%s(%d quests)", o.quests, q.Count()))
			}
		}
	}
	if handlers || cmd == "migrate" || cmd == "projections rebuild" {
		switch {
		case o.postgres != "":
			add("store", c.postgresURL(o.postgres))
			if handlers {
				c.positive("--relay-lease", o.relayLease, false)
			}
		case cmd == "migrate":
			c.fail("migrate needs --postgres URL")
		case cmd == "up":
			add("store", "jetstream:"+o.data)
		default:
			add("store", "jetstream")
		}
	}
	if cmd == "nats" {
		add("data", o.data)
	}
	if cmd == "up" && o.dnsListen != "" {
		add("dns", c.dns(o))
	}
	if err := c.err(); err != nil {
		return "", err
	}
	return fmt.Sprintf("mh3net %s: configuration ok: %s", cmd, strings.Join(sum, " ")), nil
}

type checker struct{ problems []string }

func (c *checker) fail(format string, a ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, a...))
}

func (c *checker) err() error {
	if len(c.problems) == 0 {
		return nil
	}
	return fmt.Errorf("configuration check failed: %s", strings.Join(c.problems, "; "))
}

func (c *checker) port(flag string, p int, zeroOK bool) {
	if p < 0 || p > 65535 || (p == 0 && !zeroOK) {
		c.fail("%s %d: want a port in 1..65535", flag, p)
	}
}

func (c *checker) positive(flag string, d time.Duration, zeroOK bool) {
	if d < 0 || (d == 0 && !zeroOK) {
		c.fail("%s %v must be positive", flag, d)
	}
}

func (c *checker) ipLiteral(flag, s string) {
	if net.ParseIP(s) == nil {
		c.fail("%s %q: want an IP address to bind", flag, s)
	}
}

// natsURLs checks a comma list of NATS URLs, as nats.Connect takes it
// (a scheme-less host:port is nats://), and returns them without
// credentials.
func (c *checker) natsURLs(list string) []string {
	var out []string
	for _, raw := range strings.Split(list, ",") {
		raw = strings.TrimSpace(raw)
		s := raw
		if !strings.Contains(s, "://") {
			s = "nats://" + s
		}
		u, err := url.Parse(s)
		if err != nil {
			c.fail("--nats %q: %v", raw, err)
			continue
		}
		switch u.Scheme {
		case "nats", "tls", "ws", "wss":
		default:
			c.fail("--nats %q: scheme %q (want nats, tls, ws or wss)", raw, u.Scheme)
		}
		if u.Hostname() == "" {
			c.fail("--nats %q: no host", raw)
		}
		if p := u.Port(); p != "" {
			if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
				c.fail("--nats %q: port %q", raw, p)
			}
		}
		if u.User != nil {
			c.fail("--nats %q: credentials in the URL; use --nats-user and MH3NET_NATS_PASSWORD", raw)
		}
		u.User = nil
		out = append(out, u.String())
	}
	return out
}

// natsClient checks how cmd authenticates to NATS and returns a summary.
func (c *checker) natsClient(cmd string, o *options) string {
	var auth []string
	switch {
	case o.natsNKey != "":
		if o.natsUser != "" || o.natsPassword != "" {
			c.fail("--nats-nkey and --nats-user/--nats-password: give one or the other")
		}
		b, err := os.ReadFile(o.natsNKey)
		if err != nil {
			c.fail("--nats-nkey: %v", err)
			break
		}
		kp, err := nkeys.FromSeed([]byte(strings.TrimSpace(string(b))))
		if err != nil {
			c.fail("--nats-nkey %s: not an nkey seed: %v", o.natsNKey, err)
			break
		}
		pub, err := kp.PublicKey()
		kp.Wipe()
		if err != nil || !nkeys.IsValidPublicUserKey(pub) {
			c.fail("--nats-nkey %s: not a user seed (SU…, from 'mh3net nkey')", o.natsNKey)
			break
		}
		auth = append(auth, "nkey:"+pub)
	case o.natsUser != "" || o.natsPassword != "":
		if o.natsUser == "" || o.natsPassword == "" {
			c.fail("--nats-user and --nats-password (MH3NET_NATS_PASSWORD) go together")
		}
		want := []string{natsrv.HandlersUser}
		if cmd == "edge" {
			want = append(want, natsrv.EdgeUser)
		}
		ok := false
		for _, w := range want {
			ok = ok || o.natsUser == w
		}
		if !ok {
			c.fail("--nats-user %q: %s logs in as %s", o.natsUser, cmd, strings.Join(want, " or "))
		}
		auth = append(auth, "user:"+o.natsUser)
	default:
		auth = append(auth, "anonymous")
	}
	if o.natsCA != "" {
		b, err := os.ReadFile(o.natsCA)
		if err != nil {
			c.fail("--nats-ca: %v", err)
		} else if !x509.NewCertPool().AppendCertsFromPEM(b) {
			c.fail("--nats-ca %s: no PEM certificate in it", o.natsCA)
		}
		auth = append(auth, "tls")
	}
	switch {
	case o.natsCert == "" && o.natsKey == "":
	case o.natsCert == "" || o.natsKey == "":
		c.fail("--nats-cert and --nats-key go together")
	default:
		if _, err := tls.LoadX509KeyPair(o.natsCert, o.natsKey); err != nil {
			c.fail("--nats-cert/--nats-key: %v", err)
		}
		auth = append(auth, "client-cert")
	}
	return strings.Join(auth, "+")
}

// natsServer checks the NATS server cmd would run (nats, or up's
// embedded one) and returns a summary.
func (c *checker) natsServer(cmd string, o *options) string {
	c.ipLiteral("--nats-host", o.natsHost)
	c.port("--nats-port", o.natsPort, true)
	no := o.natsServer()
	no.StoreDir = o.data
	sum := []string{"in-process"}
	if o.natsPort != 0 {
		sum[0] = fmt.Sprintf("%s:%d", o.natsHost, o.natsPort)
	}
	if cmd == "nats" {
		port := o.natsPort
		if port == 0 {
			port = 4222
		}
		sum[0] = fmt.Sprintf("%s:%d", o.natsHost, port)
		c.port("--cluster-port", o.clusterPort, true)
		if o.clusterPort != 0 {
			c.ipLiteral("--cluster-host", o.clusterHost)
			if o.clusterPort == port {
				c.fail("--cluster-port and the client port are both %d", port)
			}
			for _, r := range no.Routes {
				host, p, err := net.SplitHostPort(strings.TrimPrefix(r, "nats-route://"))
				if n, perr := strconv.Atoi(p); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
					c.fail("--cluster-routes %q: want host:port", r)
				}
			}
			sum = append(sum, fmt.Sprintf("name=%s cluster=%s:%d routes=%s", no.Name, o.clusterHost, o.clusterPort, strings.Join(no.Routes, ",")))
		}
	}
	if err := no.Check(); err != nil {
		c.fail("%v", err)
	}
	var auth []string
	if no.EdgePassword != "" {
		auth = append(auth, "edge:password")
	}
	if len(no.EdgeNKeys) > 0 {
		auth = append(auth, fmt.Sprintf("edge:%d-nkeys", len(no.EdgeNKeys)))
	}
	if no.HandlersPassword != "" {
		auth = append(auth, "handlers:password")
	}
	if len(no.HandlersNKeys) > 0 {
		auth = append(auth, fmt.Sprintf("handlers:%d-nkeys", len(no.HandlersNKeys)))
	}
	if len(auth) == 0 {
		auth = append(auth, "none")
	}
	sum = append(sum, "auth="+strings.Join(auth, ","))
	if no.TLSCert != "" {
		tlsMode := "tls"
		if no.TLSCA != "" {
			tlsMode = "tls+client-certs"
		}
		sum = append(sum, tlsMode)
	}
	if cmd == "up" && no.AuthEnabled() && o.natsUser == "" && o.natsNKey == "" &&
		(no.HandlersPassword == "" || strings.HasPrefix(no.HandlersPassword, "$2")) {
		c.fail("embedded nats requires auth: give this process's credentials (a handlers nkey seed or password)")
	}
	return strings.Join(sum, " ")
}

// postgresURL checks a Postgres URL as the store would parse it, without
// connecting, and returns it without the password.
func (c *checker) postgresURL(s string) string {
	cfg, err := pgxpool.ParseConfig(s)
	if err != nil {
		c.fail("--postgres: %v", redactErr(err, s))
		return "postgres:?"
	}
	cc := cfg.ConnConfig
	return fmt.Sprintf("postgres:%s@%s:%d/%s", cc.User, cc.Host, cc.Port, cc.Database)
}

// redactErr makes sure no password from url ends up in the message.
func redactErr(err error, raw string) string {
	msg := err.Error()
	if u, perr := url.Parse(raw); perr == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			msg = strings.ReplaceAll(msg, p, "xxxxx")
		}
	}
	return msg
}

// checkFlag adds --check to fs.
func checkFlag(fs *flag.FlagSet, o *options) {
	fs.BoolVar(&o.check, "check", false, "validate the flags, the environment and every file they name, print the effective configuration in one line and exit; no network, no listeners")
}
