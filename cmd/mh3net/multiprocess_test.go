package main

import (
	"bufio"
	"fmt"
	"github.com/mh3net/mh3net/internal/testport"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mh3net/mh3net/gameclient"
)

// cluster is mh3net run as separate processes, the way a host spreads it
// over machines: one NATS, edges and handlers each in their own process.
type cluster struct {
	t    *testing.T
	bin  string
	nats string
	mu   sync.Mutex
	logs []*procLog
	// failures are the messages of c.fatalf, logged again after every
	// process's log (a failed test prints thousands of lines of them, and
	// CI shows only the last few).
	failures    []string
	summaryOnce sync.Once
}

// fatalf fails the test like t.Fatalf and repeats the message after the
// processes' logs.
func (c *cluster) fatalf(format string, args ...any) {
	c.t.Helper()
	c.mu.Lock()
	c.failures = append(c.failures, fmt.Sprintf(format, args...))
	c.mu.Unlock()
	c.t.Fatalf(format, args...)
}

// summary runs after every process's cleanup (it is registered first).
func (c *cluster) summary() {
	if !c.t.Failed() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range c.failures {
		c.t.Logf("FAILED (repeated after the process logs): %s", f)
	}
}

type procLog struct {
	name string
	cmd  *exec.Cmd
	mu   sync.Mutex
	buf  []string
}

func (p *procLog) lines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.buf...)
}

// binDir holds the binary the tests build once and share.
var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

func buildBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "mh3net-test-bin"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "mh3net")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// freePort is a loopback port no other test has been given (testport).
func freePort(t *testing.T) int {
	t.Helper()
	return testport.Get(t)
}

func (c *cluster) start(name string, args ...string) *procLog {
	c.t.Helper()
	return c.startEnv(name, nil, args...)
}

// startEnv starts a process with extra MH3NET_* variables.
func (c *cluster) startEnv(name string, env []string, args ...string) *procLog {
	c.t.Helper()
	c.summaryOnce.Do(func() { c.t.Cleanup(c.summary) })
	cmd := exec.Command(c.bin, args...)
	cmd.Env = append(append(os.Environ(), "MH3NET_LOG_LEVEL=info"), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		c.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		c.t.Fatalf("start %s: %v", name, err)
	}
	p := &procLog{name: name, cmd: cmd}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.buf = append(p.buf, sc.Text())
			p.mu.Unlock()
		}
	}()
	c.mu.Lock()
	c.logs = append(c.logs, p)
	c.mu.Unlock()
	c.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-done
			}
		}
		if c.t.Failed() {
			for _, l := range p.lines() {
				c.t.Logf("[%s] %s", name, l)
			}
		}
	})
	return p
}

// proc returns the process started with name.
func (c *cluster) proc(name string) *procLog {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.logs {
		if p.name == name {
			return p
		}
	}
	c.t.Fatalf("no process %s", name)
	return nil
}

func (p *procLog) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill %s: %v", p.name, err)
	}
	p.cmd.Wait()
}

func (p *procLog) waitFor(t *testing.T, text string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, l := range p.lines() {
			if strings.Contains(l, text) {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s never logged %q", p.name, text)
}

func waitTCP(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never accepted connections", addr)
}

type edgePorts struct{ opn, lmp, fmp, rfp int }

func (e edgePorts) addr(p int) string { return "127.0.0.1:" + strconv.Itoa(p) }

// busSecrets are the credentials of a locked bus, made with the binary's
// own commands: TLS certificates (nats-cert) and an edge nkey (nkey); the
// handlers use a password.
type busSecrets struct {
	dir, edgePub, edgeSeed, handlersPassword string
}

func makeSecrets(t *testing.T, bin string) busSecrets {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command(bin, "nats-cert", "--out", dir, "--hosts", "127.0.0.1,localhost").CombinedOutput(); err != nil {
		t.Fatalf("nats-cert: %v\n%s", err, out)
	}
	seed := filepath.Join(dir, "edge.nk")
	out, err := exec.Command(bin, "nkey", "--out", seed).Output()
	if err != nil {
		t.Fatalf("nkey: %v", err)
	}
	pub := strings.TrimSpace(string(out))
	if !strings.HasPrefix(pub, "U") {
		t.Fatalf("nkey printed %q, want a public user key", pub)
	}
	return busSecrets{dir: dir, edgePub: pub, edgeSeed: seed, handlersPassword: "handlers-" + strconv.FormatInt(time.Now().UnixNano(), 36)}
}

func (b busSecrets) file(name string) string { return filepath.Join(b.dir, name) }

// natsArgs lock a `mh3net nats`: the edge role by nkey, the handlers by
// password (from the environment, see natsEnv), TLS with client
// certificates.
func (b busSecrets) natsArgs(cert string) []string {
	return []string{"--nats-edge-nkey", b.edgePub,
		"--nats-tls-cert", b.file(cert + ".crt"), "--nats-tls-key", b.file(cert + ".key"), "--nats-tls-ca", b.file("ca.crt")}
}

func (b busSecrets) natsEnv() []string {
	return []string{"MH3NET_NATS_HANDLERS_PASSWORD=" + b.handlersPassword}
}

func (b busSecrets) clientTLS() []string {
	return []string{"--nats-ca", b.file("ca.crt"), "--nats-cert", b.file("client.crt"), "--nats-key", b.file("client.key")}
}

func (b busSecrets) edgeArgs() []string { return append(b.clientTLS(), "--nats-nkey", b.edgeSeed) }

func (b busSecrets) handlersEnv() []string {
	return []string{"MH3NET_NATS_USER=handlers", "MH3NET_NATS_PASSWORD=" + b.handlersPassword}
}

// natsOpts are a test connection's TLS options, plus auth.
func (b busSecrets) natsOpts(auth ...nats.Option) []nats.Option {
	return append([]nats.Option{nats.RootCAs(b.file("ca.crt")), nats.ClientCert(b.file("client.crt"), b.file("client.key")), nats.Timeout(5 * time.Second)}, auth...)
}

func (c *cluster) startEdge(name string, b busSecrets, natsURL string, extra ...string) edgePorts {
	c.t.Helper()
	e := edgePorts{freePort(c.t), freePort(c.t), freePort(c.t), freePort(c.t)}
	args := append([]string{"edge", "--nats", natsURL, "--host", "127.0.0.1", "--advertise", "127.0.0.1",
		"--opn-port", strconv.Itoa(e.opn), "--lmp-port", strconv.Itoa(e.lmp),
		"--fmp-port", strconv.Itoa(e.fmp), "--rfp-port", strconv.Itoa(e.rfp),
		"--connection-delay", "20ms", "--request-timeout", "1s"}, b.edgeArgs()...)
	c.start(name, append(args, extra...)...)
	waitTCP(c.t, e.addr(e.opn))
	return e
}

// isEdgeLMP reports whether addr is the LMP listener of one of edges: a
// redirect there means the edge registered in the edges bucket.
func isEdgeLMP(addr string, edges ...edgePorts) bool {
	for _, e := range edges {
		if addr == e.addr(e.lmp) {
			return true
		}
	}
	return false
}

// TestMultiProcessLoginSurvivesKilledHandler runs NATS, two edge processes
// and two handler processes, and logs a hunter in across both edges while
// one handler process is SIGKILLed in the middle of the flow. The bus is
// locked as the README tells hosts to: TLS with client certificates, the
// edges with an nkey and edge rights only, the handlers with a password.
func TestMultiProcessLoginSurvivesKilledHandler(t *testing.T) {
	c := &cluster{t: t, bin: buildBinary(t)}
	sec := makeSecrets(t, c.bin)
	natsPort := freePort(t)
	c.nats = fmt.Sprintf("nats://127.0.0.1:%d", natsPort)
	natsData := t.TempDir()
	natsArgs := append([]string{"nats", "--nats-port", strconv.Itoa(natsPort), "--data", natsData}, sec.natsArgs("server")...)
	natsProc := c.startEnv("nats", sec.natsEnv(), natsArgs...)
	waitTCP(t, fmt.Sprintf("127.0.0.1:%d", natsPort))

	handlers := func(name string) *procLog {
		return c.startEnv(name, sec.handlersEnv(), append([]string{"handlers", "--nats", c.nats}, sec.clientTLS()...)...)
	}
	h1 := handlers("handlers-1")
	h2 := handlers("handlers-2")
	h1.waitFor(t, "handlers ready")
	h2.waitFor(t, "handlers ready")

	// The locked bus refuses anonymous connections, and edge rights cannot
	// touch the event log or take packets meant for the handlers.
	if nc, err := nats.Connect(c.nats, sec.natsOpts()...); err == nil {
		nc.Close()
		t.Fatal("an anonymous connection was accepted")
	} else if !strings.Contains(strings.ToLower(err.Error()), "authorization") {
		t.Fatalf("anonymous connection: %v, want an authorization error", err)
	}
	if nc, err := nats.Connect(c.nats, nats.UserInfo("handlers", sec.handlersPassword)); err == nil {
		nc.Close()
		t.Fatal("a connection without TLS was accepted")
	}
	rogue := edgeRoleConn(t, sec, c.nats)
	stolen := rogue.steal(t, "mh3.req.lmp")
	rogue.cannotDeleteEvents(t, c.nats, sec)

	var edges [2]edgePorts
	for i := range edges {
		edges[i] = c.startEdge(fmt.Sprintf("edge-%d", i+1), sec, c.nats)
	}

	con := &gameclient.Console{}
	// OPN on edge 1.
	opn, err := gameclient.DialTLS(edges[0].addr(edges[0].opn), false)
	if err != nil {
		t.Fatal(err)
	}
	lmp, err := opn.OPN(con)
	if err != nil {
		t.Fatalf("OPN: %v", err)
	}
	if !isEdgeLMP(lmp, edges[:]...) {
		t.Fatalf("OPN sent the game to %s, which is no edge's LMP", lmp)
	}

	// First LMP connection on edge 2, then kill a handler process.
	first, err := gameclient.Dial(edges[1].addr(edges[1].lmp))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.LMPFirst(con); err != nil {
		t.Fatalf("LMP first connection: %v", err)
	}
	h1.kill(t)

	// Second LMP connection on edge 1: the ticket made on edge 2 (by a
	// handler that may be dead now) must carry the session over.
	second, err := gameclient.Dial(edges[0].addr(edges[0].lmp))
	if err != nil {
		t.Fatal(err)
	}
	if st, err := second.Greet(con, true); err != nil || st != 2 {
		t.Fatalf("LMP second connection: status %d, %v", st, err)
	}
	// Kill the other handler while the profile is being created, and start
	// a fresh one: the edge retries with the same request id.
	h3 := handlers("handlers-3")
	h3.waitFor(t, "handlers ready")
	killed := make(chan struct{})
	go func() { defer close(killed); time.Sleep(2 * time.Millisecond); h2.kill(t) }()
	id, err := second.PickSlot(1, true, "Barroth")
	<-killed
	if err != nil {
		t.Fatalf("create profile: %v", err)
	}
	if len(id) != 6 {
		t.Fatalf("Capcom ID %q", id)
	}
	list, err := second.FmpList()
	if err != nil || len(list) != 12 {
		t.Fatalf("FMP list: %d servers, %v", len(list), err)
	}
	fmp, err := second.FmpInfo(1)
	if err != nil {
		t.Fatal(err)
	}
	if err := second.Shut(2); err != nil {
		t.Fatal(err)
	}
	if fmp != edges[0].addr(edges[0].fmp) && fmp != edges[1].addr(edges[1].fmp) {
		t.Fatalf("FMP redirect to %s, which is no edge's FMP", fmp)
	}

	// FMP on the other edge.
	fcl, err := gameclient.Dial(edges[1].addr(edges[1].fmp))
	if err != nil {
		t.Fatal(err)
	}
	defer fcl.Close()
	if st, err := fcl.Greet(con, true); err != nil || st != 3 {
		t.Fatalf("FMP: status %d, %v", st, err)
	}

	// The same Capcom ID logging in again through edge 1 closes the FMP
	// connection on edge 2 with NtcShut, pushed through NATS.
	other := &gameclient.Console{SupportCode: con.SupportCode}
	o1, err := gameclient.Dial(edges[0].addr(edges[0].lmp))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o1.LMPFirst(other); err != nil {
		t.Fatal(err)
	}
	o2, err := gameclient.Dial(edges[0].addr(edges[0].lmp))
	if err != nil {
		t.Fatal(err)
	}
	defer o2.Close()
	if _, err := o2.Greet(other, true); err != nil {
		t.Fatal(err)
	}
	if _, err := o2.PickSlot(1, false, ""); err != nil {
		t.Fatal(err)
	}
	if msg, err := fcl.ExpectShut(); err != nil {
		t.Fatalf("the older login on edge 2 was not kicked: %v", err)
	} else {
		t.Logf("older login on edge 2 got NtcShut: %q", msg)
	}

	// The profile is in the log: a new login on edge 2 lists it.
	again, err := gameclient.Dial(edges[1].addr(edges[1].lmp))
	if err != nil {
		t.Fatal(err)
	}
	slots, err := again.LMPFirst(&gameclient.Console{SupportCode: con.SupportCode})
	if err != nil {
		t.Fatal(err)
	}
	if slots[0].CapcomID != id || slots[0].Name != "Barroth" {
		t.Fatalf("slot 1 after the hand-over = %+v, want %s Barroth", slots[0], id)
	}

	// NATS restarted under the running edges and handlers: they reconnect,
	// and the profiles (in JetStream, synced to disk) are still there.
	// The edges bucket lives in memory and is gone after the restart; the
	// handlers create it again and the edges (which may only bind to it)
	// register anew, so OPN sends games to an edge again.
	natsProc.cmd.Process.Signal(syscall.SIGTERM)
	natsProc.cmd.Wait()
	c.startEnv("nats-again", sec.natsEnv(), natsArgs...)
	waitTCP(t, fmt.Sprintf("127.0.0.1:%d", natsPort))
	var after []gameclient.Slot
	deadline := time.Now().Add(30 * time.Second)
	for {
		cl, err := gameclient.Dial(edges[0].addr(edges[0].lmp))
		if err == nil {
			after, err = cl.LMPFirst(&gameclient.Console{SupportCode: con.SupportCode})
			cl.Close()
		}
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no login after the NATS restart: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if after[0].CapcomID != id {
		t.Fatalf("slot 1 after the NATS restart = %+v, want %s", after[0], id)
	}
	for {
		opn, err := gameclient.DialTLS(edges[1].addr(edges[1].opn), false)
		if err == nil {
			lmp, err = opn.OPN(&gameclient.Console{})
			opn.Close()
		}
		if err == nil && isEdgeLMP(lmp, edges[:]...) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the NATS restart OPN still sends games to %s (%v), not to an edge", lmp, err)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// All the while, the edge-role subscriber to the handlers' subject got
	// nothing.
	if n := stolen(); n != 0 {
		t.Fatalf("an edge-role connection received %d requests meant for the handlers", n)
	}

	for _, p := range c.logs {
		for _, l := range p.lines() {
			if strings.Contains(l, "level=ERROR") {
				t.Logf("[%s] %s", p.name, l)
			}
		}
	}
}
