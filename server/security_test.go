package server

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/natsrv"
)

// TestClosedBusConnectionIsReported makes NATS close the server's own
// connection for good, the way a subject longer than NATS allows does
// (nats.go does not reconnect after that), and expects Err to say so:
// a process must not live on without its bus.
func TestClosedBusConnectionIsReported(t *testing.T) {
	ns, err := natsrv.Start(natsrv.Options{Port: -1, StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"embedded in-process connection", Config{}},
		{"external NATS", Config{NATSURL: ns.ClientURL()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t, tc.cfg)
			s.Conn().Publish(strings.Repeat("x", 5000), nil)
			s.Conn().Flush()
			select {
			case err := <-s.Err():
				if !strings.Contains(err.Error(), "maximum control line") {
					t.Fatalf("Err says %v, want the control-line error", err)
				}
				t.Logf("reported: %v", err)
			case <-time.After(20 * time.Second):
				t.Fatalf("no error reported; connection closed: %v", s.Conn().IsClosed())
			}
		})
	}
	t.Run("own close is not reported", func(t *testing.T) {
		s := start(t, Config{})
		s.Close()
		select {
		case err := <-s.Err():
			t.Fatalf("Close reported %v", err)
		default:
		}
	})
}

// TestRolesApartWithAuthAndTLS runs handlers and an edge as separate
// Servers against a NATS that wants TLS with client certificates, the
// handlers authenticating by password and the edge by nkey, and plays a
// whole login through them. The login's redirects only reach the edge's
// ports if the edge could register in the edges bucket with its rights.
func TestRolesApartWithAuthAndTLS(t *testing.T) {
	dir := t.TempDir()
	certs := filepath.Join(dir, "certs")
	if err := natsrv.GenerateCerts(certs, "server", []string{"127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	kp, _ := nkeys.CreateUser()
	seed, _ := kp.Seed()
	pub, _ := kp.PublicKey()
	seedFile := filepath.Join(dir, "edge.nk")
	if err := os.WriteFile(seedFile, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	ns, err := natsrv.Start(natsrv.Options{
		Port: -1, StoreDir: filepath.Join(dir, "nats"),
		EdgeNKeys: []string{pub}, HandlersPassword: "h-secret",
		TLSCert: filepath.Join(certs, "server.crt"), TLSKey: filepath.Join(certs, "server.key"), TLSCA: filepath.Join(certs, "ca.crt"),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	tls := NATSClient{CAFile: filepath.Join(certs, "ca.crt"), CertFile: filepath.Join(certs, "client.crt"), KeyFile: filepath.Join(certs, "client.key")}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("MH3NET_TEST_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	roles := func(edge bool, client NATSClient) *Server {
		t.Helper()
		s, err := Start(context.Background(), Config{
			Edge: edge, Handlers: !edge, NATSURL: ns.ClientURL(), NATSClient: client,
			Host: "127.0.0.1", Advertise: "127.0.0.1", Ports: map[string]int{},
			ConnectionDelay: 10 * time.Millisecond, Logger: logger,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	h := tls
	h.User, h.Password = natsrv.HandlersUser, "h-secret"
	roles(false, h)
	e := tls
	e.NKeySeedFile = seedFile
	edge := roles(true, e)
	if _, err := gameclient.FullLogin(edge.Addr("opn").String(), &gameclient.Console{}, false, "Lagiacrus"); err != nil {
		t.Fatalf("login through an edge with edge rights: %v", err)
	}
}

// TestUpWithAuth: `mh3net up` given auth and TLS flags requires them on
// its NATS port; its own in-process connection (no TLS needed) logs in as
// the handlers.
func TestUpWithAuth(t *testing.T) {
	certs := t.TempDir()
	if err := natsrv.GenerateCerts(certs, "server", []string{"127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	s := start(t, Config{NATSPort: -1, NATSServer: natsrv.Options{EdgePassword: "e-secret", HandlersPassword: "h-secret",
		TLSCert: filepath.Join(certs, "server.crt"), TLSKey: filepath.Join(certs, "server.key"), TLSCA: filepath.Join(certs, "ca.crt")}})
	if _, err := gameclient.FullLogin(s.Addr("opn").String(), &gameclient.Console{}, false, "Rathian"); err != nil {
		t.Fatal(err)
	}
	tlsOpts := []nats.Option{nats.RootCAs(filepath.Join(certs, "ca.crt")), nats.ClientCert(filepath.Join(certs, "client.crt"), filepath.Join(certs, "client.key"))}
	if nc, err := nats.Connect(s.NATS.ClientURL(), tlsOpts...); err == nil {
		nc.Close()
		t.Fatal("an anonymous connection to up's NATS port was accepted")
	}
	if nc, err := nats.Connect(s.NATS.ClientURL(), nats.UserInfo(natsrv.EdgeUser, "e-secret")); err == nil {
		nc.Close()
		t.Fatal("a connection without TLS to up's NATS port was accepted")
	}
	if nc, err := nats.Connect(s.NATS.ClientURL(), append(tlsOpts, nats.UserInfo(natsrv.EdgeUser, "e-secret"))...); err != nil {
		t.Fatalf("edge user: %v", err)
	} else {
		nc.Close()
	}
	_, err := Start(context.Background(), Config{Edge: true, NATSServer: natsrv.Options{HandlersNKeys: []string{pub(t)}}, DataDir: t.TempDir(), Ports: map[string]int{}, Host: "127.0.0.1"})
	if err == nil || !strings.Contains(err.Error(), "credentials") {
		t.Fatalf("up with nkey-only auth and no seed: %v", err)
	}
}

func pub(t *testing.T) string {
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	p, _ := kp.PublicKey()
	return p
}
