package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mh3net/mh3net/gameclient"
)

// rogueEdge is a connection with the edge role's credentials doing what an
// edge must not.
type rogueEdge struct {
	nc   *nats.Conn
	errs chan error
}

func edgeRoleConn(t *testing.T, sec busSecrets, url string) *rogueEdge {
	t.Helper()
	nkey, err := nats.NkeyOptionFromSeed(sec.edgeSeed)
	if err != nil {
		t.Fatal(err)
	}
	r := &rogueEdge{errs: make(chan error, 64)}
	r.nc, err = nats.Connect(url, sec.natsOpts(nkey, nats.CustomInboxPrefix("_INBOX.edge"),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			select {
			case r.errs <- err:
			default:
			}
		}))...)
	if err != nil {
		t.Fatalf("edge credentials: %v", err)
	}
	t.Cleanup(r.nc.Close)
	return r
}

// violation waits until NATS reports a permission violation for subject.
func (r *rogueEdge) violation(t *testing.T, subject string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case err := <-r.errs:
			if errors.Is(err, nats.ErrPermissionViolation) && strings.Contains(err.Error(), `"`+subject+`"`) {
				t.Logf("edge role refused: %v", err)
				return
			}
		case <-timeout:
			t.Fatalf("no permission violation for %s", subject)
		}
	}
}

// steal joins the handlers' queue group on subject with edge rights; it
// returns how many messages arrived.
func (r *rogueEdge) steal(t *testing.T, subject string) func() int64 {
	t.Helper()
	var n atomic.Int64
	if _, err := r.nc.QueueSubscribe(subject, "mh3-handlers", func(m *nats.Msg) {
		n.Add(1)
		m.Respond(nil)
	}); err != nil {
		t.Fatal(err)
	}
	r.violation(t, subject)
	return n.Load
}

// cannotDeleteEvents tries to delete the event log with edge rights and
// checks, with the handlers' rights, that it is still there.
func (r *rogueEdge) cannotDeleteEvents(t *testing.T, url string, sec busSecrets) {
	t.Helper()
	js, _ := jetstream.New(r.nc)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	err := js.DeleteStream(ctx, "MH3_EVENTS")
	cancel()
	if err == nil {
		t.Fatal("the edge role deleted the event log")
	}
	r.violation(t, "$JS.API.STREAM.DELETE.MH3_EVENTS")
	h, err := nats.Connect(url, sec.natsOpts(nats.UserInfo("handlers", sec.handlersPassword))...)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	hjs, _ := jetstream.New(h)
	ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := hjs.Stream(ctx, "MH3_EVENTS"); err != nil {
		t.Fatalf("the event log after the edge's delete: %v", err)
	}
}

// TestClusterWithTLSRoutes clusters two `mh3net nats` processes over TLS
// routes, connects the handlers to one and the edge to the other, and
// plays a whole login across the route.
func TestClusterWithTLSRoutes(t *testing.T) {
	c := &cluster{t: t, bin: buildBinary(t)}
	sec := makeSecrets(t, c.bin)
	client := [2]int{freePort(t), freePort(t)}
	route := [2]int{freePort(t), freePort(t)}
	var servers [2]*procLog
	for i := range servers {
		other := route[1-i]
		servers[i] = c.startEnv(fmt.Sprintf("nats-%d", i+1), sec.natsEnv(), append([]string{"nats",
			"--nats-port", strconv.Itoa(client[i]), "--data", t.TempDir(),
			"--cluster-name", "test", "--cluster-port", strconv.Itoa(route[i]),
			"--cluster-routes", fmt.Sprintf("127.0.0.1:%d", other)}, sec.natsArgs("server")...)...)
	}
	for _, s := range servers {
		s.waitFor(t, "jetstream ready")
	}

	// The route port speaks TLS only and wants a certificate from our CA.
	ca, err := os.ReadFile(sec.file("ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	routeAddr := fmt.Sprintf("127.0.0.1:%d", route[0])
	cert, err := tls.LoadX509KeyPair(sec.file("server.crt"), sec.file("server.key"))
	if err != nil {
		t.Fatal(err)
	}
	if info, err := tlsRoute(routeAddr, pool, cert); err != nil || !strings.HasPrefix(info, "INFO ") {
		t.Fatalf("TLS route with a certificate: %q, %v", info, err)
	}
	if _, err := tlsRoute(routeAddr, pool); err == nil {
		t.Fatal("a route without a client certificate was accepted")
	} else {
		t.Logf("route without a certificate: %v", err)
	}
	raw, err := net.DialTimeout("tcp", routeAddr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	raw.SetDeadline(time.Now().Add(3 * time.Second))
	if line, err := bufio.NewReader(raw).ReadString('\n'); err == nil {
		t.Fatalf("the route port answered in plain text: %q", line)
	}
	raw.Close()

	url := func(i int) string { return fmt.Sprintf("nats://127.0.0.1:%d", client[i]) }
	h := c.startEnv("handlers", sec.handlersEnv(), append([]string{"handlers", "--nats", url(0)}, sec.clientTLS()...)...)
	h.waitFor(t, "handlers ready")
	e := c.startEdge("edge", sec, url(1))
	deadline := time.Now().Add(30 * time.Second)
	for {
		// The edge registers through server 2 into a bucket server 1's
		// handlers created; until it has, OPN redirects elsewhere.
		_, err := gameclient.FullLogin(e.addr(e.opn), &gameclient.Console{}, false, "Qurupeco")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no login across the cluster: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// tlsRoute opens a TLS connection to a route port, as a server of the
// cluster would with certs, and reads the INFO line that follows the
// handshake.
func tlsRoute(addr string, pool *x509.CertPool, certs ...tls.Certificate) (string, error) {
	raw, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(5 * time.Second))
	tc := tls.Client(raw, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", Certificates: certs})
	// With TLS 1.3 a missing client certificate is refused after the
	// client's side of the handshake: the read fails.
	return bufio.NewReader(tc).ReadString('\n')
}

// TestRoleExitsWhenBusConnectionCloses: when NATS closes a process's
// connection for good (here: NATS comes back with other credentials, so
// nats.go gets the same auth error twice and gives up), the process exits
// non-zero, saying why, so a supervisor restarts it.
func TestRoleExitsWhenBusConnectionCloses(t *testing.T) {
	c := &cluster{t: t, bin: buildBinary(t)}
	port, data := freePort(t), t.TempDir()
	natsURL := fmt.Sprintf("nats://127.0.0.1:%d", port)
	args := []string{"nats", "--nats-port", strconv.Itoa(port), "--data", data}
	n := c.start("nats", append(args, "--nats-handlers-password", "old-secret")...)
	waitTCP(t, fmt.Sprintf("127.0.0.1:%d", port))
	h := c.startEnv("handlers", []string{"MH3NET_NATS_USER=handlers", "MH3NET_NATS_PASSWORD=old-secret"}, "handlers", "--nats", natsURL)
	h.waitFor(t, "handlers ready")

	n.cmd.Process.Signal(syscall.SIGTERM)
	n.cmd.Wait()
	c.start("nats-rotated", append(args, "--nats-handlers-password", "new-secret")...)
	h.waitFor(t, "a role stopped")
	done := make(chan error, 1)
	go func() { done <- h.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the handlers process did not exit after its bus connection closed")
	}
	if code := h.cmd.ProcessState.ExitCode(); code == 0 {
		t.Fatal("the handlers process exited 0")
	}
	for _, l := range h.lines() {
		if strings.Contains(l, "a role stopped") {
			if !strings.Contains(strings.ToLower(l), "authorization") {
				t.Fatalf("the exit does not say why: %s", l)
			}
			t.Logf("exit code %d: %s", h.cmd.ProcessState.ExitCode(), l)
		}
	}
}
