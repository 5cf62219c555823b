// Package natsrv starts the NATS server mh3net embeds: JetStream on, file
// storage, and every write synced to disk before it is acknowledged (NATS
// syncs every two minutes by default, which can lose acknowledged writes
// on a crash). It also holds the bus's security: the two roles' users and
// what each may publish and subscribe to, TLS for clients and routes, and
// clustering (see docs/ARCHITECTURE.md, "Security").
package natsrv

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"

	"github.com/mh3net/mh3net/bus"
)

// The users of the two roles. With nkeys the public key names the user;
// the role then comes from which list the key is in.
const (
	EdgeUser     = "edge"
	HandlersUser = "handlers"
)

// Options configures the embedded server.
type Options struct {
	Host     string // bind address (default 127.0.0.1)
	Port     int    // client port; 0 = no listener (in-process connections only), -1 = random
	StoreDir string // JetStream directory (required)
	Name     string // server name; unique within a cluster (default mh3net)
	Logger   *slog.Logger

	// Auth. When any is set, every connection must authenticate (the
	// in-process one too) and anonymous ones are refused.
	EdgePassword     string   // password of user "edge"
	HandlersPassword string   // password of user "handlers"
	EdgeNKeys        []string // public user nkeys (U…) with the edge role
	HandlersNKeys    []string // public user nkeys with the handlers role

	// TLS for client connections (and routes). With TLSCA, clients must
	// present a certificate signed by it.
	TLSCert, TLSKey, TLSCA string

	// Cluster. ClusterPort 0 = no cluster.
	ClusterName string   // default "mh3net"
	ClusterHost string   // default 127.0.0.1
	ClusterPort int      // -1 = random
	Routes      []string // other servers' cluster addresses, host:port or nats-route://host:port
}

// AuthEnabled reports whether o asks for authentication.
func (o Options) AuthEnabled() bool {
	return o.EdgePassword != "" || o.HandlersPassword != "" || len(o.EdgeNKeys) > 0 || len(o.HandlersNKeys) > 0
}

// EdgePermissions is what the edge role may do: send packets to the
// handlers, relay positions to layer rooms, announce closed connections, bind to the edge registry and
// write its own entry, and receive pushes for its connections and the
// answers to its own requests (which come to inboxes under
// bus.EdgeInboxPrefix). Nothing else: no JetStream administration, no
// event log, no serving of requests, no other process's inboxes.
func EdgePermissions() *server.Permissions {
	return &server.Permissions{
		Publish: &server.SubjectPermission{Allow: []string{
			bus.RequestPrefix + ">",
			"mh3.ntc.>",
			bus.ClosedPrefix + ">",
			// Positions and layer binaries, stamped with the tag the
			// handlers gave the connection (package fanout). An edge's
			// notifications already carry the membership the handlers
			// trust, so this gives it no reach it did not have.
			bus.RoomPrefix + ">",
			"$KV." + bus.EdgesBucket + ".>",
			// jetstream.KeyValue(bucket) reads the stream's info; Put and
			// Delete publish on $KV.<bucket>.<key> and get their
			// acknowledgement on an inbox.
			"$JS.API.STREAM.INFO.KV_" + bus.EdgesBucket,
			// The status page of an edge's --http (read-only).
			bus.OpsStatus,
		}},
		Subscribe: &server.SubjectPermission{Allow: []string{
			bus.EdgeInboxPrefix + ".>",
			bus.ConnPrefix + ">",
			"mh3.room.>",
		}},
	}
}

// HandlersPermissions is what the handlers role may do: everything (they
// serve requests, push to connections, write the event log and administer
// JetStream). nil means no restriction.
func HandlersPermissions() *server.Permissions { return nil }

// Start runs a NATS server and waits until it accepts connections.
func Start(o Options) (*server.Server, error) {
	opts, err := o.serverOptions()
	if err != nil {
		return nil, err
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("natsrv: %w", err)
	}
	if o.Logger != nil {
		ns.SetLoggerV2(&slogAdapter{o.Logger.With("component", "nats")}, false, false, false)
	}
	ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("natsrv: server not ready after 30s")
	}
	return ns, nil
}

// Check validates o as Start would (auth, TLS files, cluster routes)
// without starting anything: no listener, no file written.
func (o Options) Check() error {
	if o.StoreDir == "" {
		o.StoreDir = "."
	}
	_, err := o.serverOptions()
	return err
}

func (o Options) serverOptions() (*server.Options, error) {
	if o.StoreDir == "" {
		return nil, fmt.Errorf("natsrv: StoreDir is required")
	}
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	dir, err := filepath.Abs(o.StoreDir)
	if err != nil {
		return nil, err
	}
	opts := &server.Options{
		ServerName: o.Name,
		Host:       o.Host,
		Port:       o.Port,
		DontListen: o.Port == 0,
		JetStream:  true,
		StoreDir:   filepath.Join(dir, "jetstream"),
		SyncAlways: true,
		NoSigs:     true,
		MaxPayload: 8 << 20,
	}
	if opts.ServerName == "" {
		opts.ServerName = "mh3net"
	}
	if err := o.auth(opts); err != nil {
		return nil, err
	}
	if o.TLSCert != "" || o.TLSKey != "" || o.TLSCA != "" {
		if o.TLSCert == "" || o.TLSKey == "" {
			return nil, fmt.Errorf("natsrv: TLS needs both a certificate and its key")
		}
		opts.TLSConfig, err = server.GenTLSConfig(&server.TLSConfigOpts{CertFile: o.TLSCert, KeyFile: o.TLSKey, CaFile: o.TLSCA, Verify: o.TLSCA != ""})
		if err != nil {
			return nil, fmt.Errorf("natsrv: client TLS: %w", err)
		}
		opts.TLS, opts.TLSVerify, opts.TLSTimeout = true, o.TLSCA != "", 5
	}
	if o.ClusterPort != 0 {
		if err := o.cluster(opts); err != nil {
			return nil, err
		}
	} else if len(o.Routes) > 0 {
		return nil, fmt.Errorf("natsrv: routes need a cluster port")
	}
	return opts, nil
}

func (o Options) auth(opts *server.Options) error {
	for _, u := range []struct{ name, password string }{{EdgeUser, o.EdgePassword}, {HandlersUser, o.HandlersPassword}} {
		if u.password == "" {
			continue
		}
		perms := HandlersPermissions()
		if u.name == EdgeUser {
			perms = EdgePermissions()
		}
		opts.Users = append(opts.Users, &server.User{Username: u.name, Password: u.password, Permissions: perms})
	}
	if o.EdgePassword != "" && o.EdgePassword == o.HandlersPassword {
		return fmt.Errorf("natsrv: the edge and handlers passwords are the same; the edge role would get the handlers' rights")
	}
	seen := map[string]bool{}
	for _, k := range []struct {
		keys  []string
		perms *server.Permissions
	}{{o.EdgeNKeys, EdgePermissions()}, {o.HandlersNKeys, HandlersPermissions()}} {
		for _, key := range k.keys {
			if !nkeys.IsValidPublicUserKey(key) {
				return fmt.Errorf("natsrv: %q is not a public user nkey (U…); 'mh3net nkey' makes one", key)
			}
			if seen[key] {
				return fmt.Errorf("natsrv: nkey %s is given twice", key)
			}
			seen[key] = true
			opts.Nkeys = append(opts.Nkeys, &server.NkeyUser{Nkey: key, Permissions: k.perms})
		}
	}
	return nil
}

func (o Options) cluster(opts *server.Options) error {
	opts.Cluster = server.ClusterOpts{Name: o.ClusterName, Host: o.ClusterHost, Port: o.ClusterPort}
	if opts.Cluster.Name == "" {
		opts.Cluster.Name = "mh3net"
	}
	if opts.Cluster.Host == "" {
		opts.Cluster.Host = "127.0.0.1"
	}
	for _, r := range o.Routes {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		if !strings.Contains(r, "://") {
			r = "nats-route://" + r
		}
		u, err := url.Parse(r)
		if err != nil || u.Host == "" {
			return fmt.Errorf("natsrv: route %q: want host:port", r)
		}
		opts.Routes = append(opts.Routes, u)
	}
	if opts.TLSConfig != nil {
		if o.TLSCA == "" {
			return fmt.Errorf("natsrv: TLS routes need a CA (both ends verify each other)")
		}
		tc, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: o.TLSCert, KeyFile: o.TLSKey, CaFile: o.TLSCA, Verify: true})
		if err != nil {
			return fmt.Errorf("natsrv: route TLS: %w", err)
		}
		// A server dials some routes and accepts others: it verifies the
		// peer with the same CA both ways, as nats-server does for
		// cluster TLS from its config file.
		tc.ClientAuth = tls.RequireAndVerifyClientCert
		tc.RootCAs = tc.ClientCAs
		opts.Cluster.TLSConfig, opts.Cluster.TLSTimeout = tc, 5
	} else if o.AuthEnabled() {
		if ip := net.ParseIP(opts.Cluster.Host); ip == nil || !ip.IsLoopback() {
			if o.Logger != nil {
				o.Logger.Warn("cluster routes without TLS: whoever reaches the cluster port joins the cluster and bypasses authentication", "cluster", net.JoinHostPort(opts.Cluster.Host, fmt.Sprint(o.ClusterPort)))
			}
		}
	}
	return nil
}

// WaitJetStream waits until JetStream answers API calls; in a cluster that
// is once a meta leader is elected, which needs a majority of the servers.
func WaitJetStream(ctx context.Context, ns *server.Server) error {
	for {
		st := ns.Healthz(&server.HealthzOptions{JSMetaOnly: true})
		if st != nil && st.Status == "ok" {
			return nil
		}
		select {
		case <-ctx.Done():
			msg := "unknown"
			if st != nil {
				msg = st.Error
			}
			return errors.Join(ctx.Err(), errors.New(msg))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

type slogAdapter struct{ l *slog.Logger }

func (a *slogAdapter) Noticef(format string, v ...any) {
	a.l.Log(context.Background(), slog.LevelDebug, fmt.Sprintf(format, v...))
}
func (a *slogAdapter) Warnf(format string, v ...any)  { a.l.Warn(fmt.Sprintf(format, v...)) }
func (a *slogAdapter) Fatalf(format string, v ...any) { a.l.Error(fmt.Sprintf(format, v...)) }
func (a *slogAdapter) Errorf(format string, v ...any) { a.l.Error(fmt.Sprintf(format, v...)) }
func (a *slogAdapter) Debugf(format string, v ...any) {}
func (a *slogAdapter) Tracef(format string, v ...any) {}
