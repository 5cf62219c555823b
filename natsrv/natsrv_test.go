package natsrv

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/mh3net/mh3net/bus"
)

// secured is a server with both kinds of auth and TLS with client
// certificates, and the files its clients need.
type secured struct {
	url       string
	certs     string
	edgeSeed  string // file
	handlersP string
}

func startSecured(t *testing.T) secured {
	t.Helper()
	dir := t.TempDir()
	certs := filepath.Join(dir, "certs")
	if err := GenerateCerts(certs, "server", []string{"127.0.0.1", "localhost"}); err != nil {
		t.Fatal(err)
	}
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := kp.Seed()
	pub, _ := kp.PublicKey()
	seedFile := filepath.Join(dir, "edge.nk")
	if err := os.WriteFile(seedFile, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	s := secured{certs: certs, edgeSeed: seedFile, handlersP: "handlers-secret"}
	ns, err := Start(Options{
		Port: -1, StoreDir: filepath.Join(dir, "data"),
		EdgeNKeys: []string{pub}, HandlersPassword: s.handlersP, EdgePassword: "edge-secret",
		TLSCert: filepath.Join(certs, "server.crt"), TLSKey: filepath.Join(certs, "server.key"), TLSCA: filepath.Join(certs, "ca.crt"),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	s.url = ns.ClientURL()
	return s
}

func (s secured) tls() []nats.Option {
	return []nats.Option{nats.RootCAs(filepath.Join(s.certs, "ca.crt")),
		nats.ClientCert(filepath.Join(s.certs, "client.crt"), filepath.Join(s.certs, "client.key"))}
}

// asyncErrs collects a connection's asynchronous errors (permission
// violations arrive that way).
type asyncErrs chan error

func (a asyncErrs) option() nats.Option {
	return nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		select {
		case a <- err:
		default:
		}
	})
}

// violation waits for a permission violation naming subject.
func (a asyncErrs) violation(t *testing.T, subject string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case err := <-a:
			if errors.Is(err, nats.ErrPermissionViolation) && strings.Contains(err.Error(), `"`+subject+`"`) {
				return
			}
		case <-timeout:
			t.Fatalf("no permission violation for %q", subject)
		}
	}
}

func TestAuthRefusesAnonymousAndPlainConnections(t *testing.T) {
	s := startSecured(t)
	for _, tc := range []struct {
		name string
		opts []nats.Option
	}{
		{"anonymous", s.tls()},
		{"wrong password", append(s.tls(), nats.UserInfo(HandlersUser, "guess"))},
		{"edge password as handlers", append(s.tls(), nats.UserInfo(HandlersUser, "edge-secret"))},
		{"no client certificate", []nats.Option{nats.RootCAs(filepath.Join(s.certs, "ca.crt")), nats.UserInfo(HandlersUser, s.handlersP)}},
		{"server not verified", []nats.Option{nats.UserInfo(HandlersUser, s.handlersP)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nc, err := nats.Connect(s.url, append(tc.opts, nats.Timeout(5*time.Second))...)
			if err == nil {
				nc.Close()
				t.Fatal("connected")
			}
			t.Logf("refused: %v", err)
		})
	}
	nc, err := nats.Connect(s.url, append(s.tls(), nats.UserInfo(HandlersUser, s.handlersP))...)
	if err != nil {
		t.Fatalf("handlers with password and certificate: %v", err)
	}
	nc.Close()
}

func TestEdgeRolePermissions(t *testing.T) {
	s := startSecured(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	h, err := nats.Connect(s.url, append(s.tls(), nats.UserInfo(HandlersUser, s.handlersP))...)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	hjs, _ := jetstream.New(h)
	if _, err := hjs.CreateStream(ctx, jetstream.StreamConfig{Name: "MH3_EVENTS", Subjects: []string{"mh3.events.>"}}); err != nil {
		t.Fatalf("handlers create a stream: %v", err)
	}
	if _, err := hjs.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "mh3_tickets"}); err != nil {
		t.Fatal(err)
	}

	errs := make(asyncErrs, 64)
	nkey, err := nats.NkeyOptionFromSeed(s.edgeSeed)
	if err != nil {
		t.Fatal(err)
	}
	edgeOpts := append(s.tls(), nats.CustomInboxPrefix(bus.EdgeInboxPrefix), errs.option(), nats.PermissionErrOnSubscribe(true))
	for _, auth := range []struct {
		name string
		opt  nats.Option
	}{{"nkey", nkey}, {"password", nats.UserInfo(EdgeUser, "edge-secret")}} {
		t.Run(auth.name, func(t *testing.T) {
			e, err := nats.Connect(s.url, append(edgeOpts, auth.opt)...)
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			ejs, _ := jetstream.New(e)

			// Before the handlers create the registry, the edge cannot
			// create it either.
			if _, err := ejs.KeyValue(ctx, bus.EdgesBucket); !errors.Is(err, jetstream.ErrBucketNotFound) {
				t.Fatalf("bind before the bucket exists: %v", err)
			}
			short, scancel := context.WithTimeout(ctx, time.Second)
			_, err = ejs.CreateOrUpdateKeyValue(short, bus.EdgesBucketConfig(0))
			scancel()
			if err == nil {
				t.Fatal("the edge created a bucket")
			}
			if _, err := hjs.CreateOrUpdateKeyValue(ctx, bus.EdgesBucketConfig(0)); err != nil {
				t.Fatal(err)
			}

			// What an edge does: bind, put, delete, request, publish.
			kv, err := ejs.KeyValue(ctx, bus.EdgesBucket)
			if err != nil {
				t.Fatalf("bind to the edges bucket: %v", err)
			}
			if _, err := kv.Put(ctx, "lmp.e1", []byte(`{}`)); err != nil {
				t.Fatalf("put: %v", err)
			}
			if err := kv.Delete(ctx, "lmp.e1"); err != nil {
				t.Fatalf("delete: %v", err)
			}
			serve, err := h.QueueSubscribe(bus.RequestSubject("lmp"), bus.QueueGroup, func(m *nats.Msg) { m.Respond([]byte("ok")) })
			if err != nil {
				t.Fatal(err)
			}
			defer serve.Unsubscribe()
			h.Flush()
			if m, err := e.Request(bus.RequestSubject("lmp"), []byte("frame"), 5*time.Second); err != nil || string(m.Data) != "ok" {
				t.Fatalf("request: %v", err)
			}
			push, err := e.SubscribeSync(bus.ConnSubject("c1"))
			if err != nil {
				t.Fatal(err)
			}
			e.Flush()
			h.Publish(bus.ConnSubject("c1"), []byte("push"))
			if _, err := push.NextMsg(5 * time.Second); err != nil {
				t.Fatalf("push to a connection: %v", err)
			}
			if err := e.Publish(bus.ClosedSubject("lmp"), nil); err != nil {
				t.Fatal(err)
			}

			// What it may not.
			short, scancel = context.WithTimeout(ctx, time.Second)
			err = ejs.DeleteStream(short, "MH3_EVENTS")
			scancel()
			if err == nil {
				t.Fatal("the edge deleted the event stream")
			}
			errs.violation(t, "$JS.API.STREAM.DELETE.MH3_EVENTS")
			if _, err := hjs.Stream(ctx, "MH3_EVENTS"); err != nil {
				t.Fatalf("the event stream after the edge's delete: %v", err)
			}
			for _, subject := range []string{bus.RequestSubject("lmp"), "mh3.events.>", "_INBOX.>", "$KV.mh3_tickets.>"} {
				sub, err := e.QueueSubscribeSync(subject, bus.QueueGroup)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := sub.NextMsg(5 * time.Second); !errors.Is(err, nats.ErrPermissionViolation) {
					t.Fatalf("subscribe %s: %v, want a permission violation", subject, err)
				}
			}
			for _, subject := range []string{"mh3.events.console.x", "$KV.mh3_tickets.t", "$JS.API.STREAM.INFO.MH3_EVENTS", "$JS.API.STREAM.PURGE.KV_mh3_edges",
				bus.AdminSubject(bus.AdminKick), bus.AdminSubject(bus.AdminAnnounce)} {
				e.Publish(subject, []byte("x"))
				errs.violation(t, subject)
			}
			if _, err := hjs.KeyValue(ctx, "mh3_tickets"); err != nil {
				t.Fatal(err)
			}
			if err := hjs.DeleteKeyValue(ctx, bus.EdgesBucket); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestGenerateCertsReusesTheCA(t *testing.T) {
	dir := t.TempDir()
	if err := GenerateCerts(dir, "nats-1", []string{"10.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	ca1, _ := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err := GenerateCerts(dir, "nats-2", []string{"10.0.0.2", "nats-2.example"}); err != nil {
		t.Fatal(err)
	}
	ca2, _ := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if string(ca1) != string(ca2) {
		t.Fatal("the second call made a new CA")
	}
	for _, f := range []string{"ca.key", "nats-1.key", "nats-2.key", "client.key"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s is %v, want 0600", f, st.Mode().Perm())
		}
	}
	if err := GenerateCerts(dir, "../x", []string{"h"}); err == nil {
		t.Error("a name with a path was accepted")
	}
}

func TestOptionsRejectMistakes(t *testing.T) {
	for _, o := range []Options{
		{StoreDir: "x", EdgePassword: "same", HandlersPassword: "same"},
		{StoreDir: "x", EdgeNKeys: []string{"SUAAAA"}},
		{StoreDir: "x", TLSCert: "a.crt"},
		{StoreDir: "x", Routes: []string{"127.0.0.1:1"}},
		{StoreDir: "x", TLSCert: "a", TLSKey: "b", ClusterPort: -1},
	} {
		if _, err := o.serverOptions(); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}
