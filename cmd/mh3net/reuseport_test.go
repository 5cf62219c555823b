package main

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/pat"
)

// reuseCluster is NATS, one handlers process and edges that all listen on
// the same four ports with --reuse-port.
type reuseCluster struct {
	*cluster
	ports    edgePorts
	edges    int
	deadNATS int // a port no NATS listens on
}

func newReuseCluster(t *testing.T) *reuseCluster {
	t.Helper()
	c := &cluster{t: t, bin: buildBinary(t)}
	natsPort := freePort(t)
	c.nats = fmt.Sprintf("nats://127.0.0.1:%d", natsPort)
	c.start("nats", "nats", "--nats-port", strconv.Itoa(natsPort), "--data", t.TempDir())
	waitTCP(t, fmt.Sprintf("127.0.0.1:%d", natsPort))
	c.start("handlers", "handlers", "--nats", c.nats, "--lease", "3s").waitFor(t, "handlers ready")
	return &reuseCluster{cluster: c, ports: edgePorts{freePort(t), freePort(t), freePort(t), freePort(t)}, deadNATS: freePort(t)}
}

func (rc *reuseCluster) edgeArgs(reuse bool) []string {
	e := rc.ports
	// A comma list, as compose.yaml gives one node of a cluster each:
	// nats.go takes it whole, and a node that is down is skipped.
	nats := fmt.Sprintf("nats://127.0.0.1:%d,%s", rc.deadNATS, rc.nats)
	args := []string{"edge", "--nats", nats, "--host", "127.0.0.1", "--advertise", "127.0.0.1",
		"--opn-port", strconv.Itoa(e.opn), "--lmp-port", strconv.Itoa(e.lmp),
		"--fmp-port", strconv.Itoa(e.fmp), "--rfp-port", strconv.Itoa(e.rfp),
		"--connection-delay", "20ms", "--request-timeout", "1s"}
	if reuse {
		args = append(args, "--reuse-port")
	}
	return args
}

// startEdge starts one more edge on the shared ports; its log is at debug
// level, where every connection it accepts is logged with the client's
// address.
func (rc *reuseCluster) startEdge() *procLog {
	rc.t.Helper()
	rc.edges++
	p := rc.startEnv(fmt.Sprintf("edge-%d", rc.edges), []string{"MH3NET_LOG_LEVEL=debug"}, rc.edgeArgs(true)...)
	p.waitFor(rc.t, "mh3net running")
	return p
}

// hunter is a console logged in up to FMP, its connection held open.
type hunter struct {
	name string
	cl   *gameclient.Client
}

// accepted reports whether edge p accepted the FMP connection whose client
// end is local.
func accepted(p *procLog, local string) bool {
	for _, l := range p.lines() {
		i := strings.Index(l, "remote="+local)
		if i < 0 || !strings.Contains(l, "connection open") || !strings.Contains(l, "server=fmp") {
			continue
		}
		if rest := l[i+len("remote="+local):]; rest == "" || rest[0] == ' ' {
			return true
		}
	}
	return false
}

// holdUntil logs hunters in through the shared ports, each held at FMP,
// and sorts them by the edge that accepted their FMP connection, until
// every edge in want holds at least two. It gives up after 64 logins:
// the kernel spreads connections over the sockets sharing a port by a
// hash of the addresses, so by then each edge has had its share.
func (rc *reuseCluster) holdUntil(t *testing.T, on map[*procLog][]hunter, want ...*procLog) {
	t.Helper()
	for n := 0; n < 64; n++ {
		done := true
		for _, p := range want {
			done = done && len(on[p]) >= 2
		}
		if done {
			return
		}
		name := fmt.Sprintf("H%02d", len(on)*100+n)
		f, _, err := gameclient.LoginToFMP(rc.ports.addr(rc.ports.opn), &gameclient.Console{}, false, name, 1)
		if err != nil {
			t.Fatalf("login %s: %v", name, err)
		}
		t.Cleanup(func() { f.Close() })
		local := f.Conn().LocalAddr().String()
		var holder *procLog
		deadline := time.Now().Add(10 * time.Second)
		for holder == nil {
			rc.mu.Lock()
			procs := append([]*procLog(nil), rc.logs...)
			rc.mu.Unlock()
			for _, p := range procs {
				if accepted(p, local) {
					holder = p
				}
			}
			if holder == nil && time.Now().After(deadline) {
				t.Fatalf("no edge logged the FMP connection from %s", local)
			}
			time.Sleep(10 * time.Millisecond)
		}
		on[holder] = append(on[holder], hunter{name, f})
	}
	for _, p := range want {
		t.Errorf("after 64 logins %s holds %d hunters", p.name, len(on[p]))
	}
	t.FailNow()
}

// alive asks the server something on h's connection.
func alive(h hunter) error {
	return h.cl.Call(&pat.ReqFriendList{First: 1, Count: 100, Fields: []byte{1, 2, 3}}, &pat.AnsFriendList{})
}

// TestReusePortEdgesShareAndFailAlone runs two edge processes on the same
// four ports (SO_REUSEPORT): logins spread over both; a SIGKILLed edge
// drops exactly its own hunters while the other's keep playing, and a
// new login succeeds at once through the same ports; a replacement joins
// the ports, and a SIGTERMed edge tells its own hunters it is shutting
// down while the rest keep playing. A third edge without --reuse-port
// cannot start on the ports, and says which.
func TestReusePortEdgesShareAndFailAlone(t *testing.T) {
	rc := newReuseCluster(t)
	a, b := rc.startEdge(), rc.startEdge()
	opn := rc.ports.addr(rc.ports.opn)

	on := map[*procLog][]hunter{}
	rc.holdUntil(t, on, a, b)
	t.Logf("%s holds %d hunters, %s holds %d", a.name, len(on[a]), b.name, len(on[b]))

	a.kill(t)
	for _, h := range on[a] {
		if err := alive(h); err == nil {
			t.Errorf("%s was on the killed %s and still got an answer", h.name, a.name)
		}
	}
	for _, h := range on[b] {
		if err := alive(h); err != nil {
			t.Errorf("%s on %s dropped when %s was killed: %v", h.name, b.name, a.name, err)
		}
	}
	if _, err := gameclient.FullLogin(opn, &gameclient.Console{}, false, "Fresh"); err != nil {
		t.Fatalf("a login right after the kill: %v", err)
	}
	delete(on, a)

	// A replacement joins the ports; then the other edge stops cleanly.
	c := rc.startEdge()
	rc.holdUntil(t, on, b, c)
	if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for _, h := range on[b] {
		if msg, err := h.cl.ExpectShut(); err != nil {
			t.Errorf("%s on the stopped %s: %v, want NtcShut", h.name, b.name, err)
		} else if msg == "" {
			t.Errorf("%s got an empty NtcShut", h.name)
		}
	}
	if err := b.cmd.Wait(); err != nil {
		t.Errorf("%s after SIGTERM: %v, want exit 0", b.name, err)
	}
	for _, h := range on[c] {
		if err := alive(h); err != nil {
			t.Errorf("%s on %s dropped when %s stopped: %v", h.name, c.name, b.name, err)
		}
	}
	if _, err := gameclient.FullLogin(opn, &gameclient.Console{}, false, "Fresh2"); err != nil {
		t.Fatalf("a login right after the SIGTERM: %v", err)
	}

	// Without --reuse-port the ports are taken.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, rc.bin, rc.edgeArgs(false)...).CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("an edge without --reuse-port started on ports in use:\n%s", out)
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() == 0 {
		t.Fatalf("edge without --reuse-port: %v, want a non-zero exit\n%s", err, out)
	}
	want := fmt.Sprintf("port %d", rc.ports.opn)
	if !strings.Contains(string(out), want) || !strings.Contains(string(out), "--reuse-port") {
		t.Fatalf("edge without --reuse-port said:\n%s\nwant it to name %q and --reuse-port", out, want)
	}
}
