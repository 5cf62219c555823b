package main

import (
	"bufio"
	"fmt"
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

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mh3net")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (c *cluster) start(name string, args ...string) *procLog {
	c.t.Helper()
	cmd := exec.Command(c.bin, args...)
	cmd.Env = append(os.Environ(), "MH3NET_LOG_LEVEL=info")
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

// TestMultiProcessLoginSurvivesKilledHandler runs NATS, two edge processes
// and two handler processes, and logs a hunter in across both edges while
// one handler process is SIGKILLed in the middle of the flow.
func TestMultiProcessLoginSurvivesKilledHandler(t *testing.T) {
	c := &cluster{t: t, bin: buildBinary(t)}
	natsPort := freePort(t)
	c.nats = fmt.Sprintf("nats://127.0.0.1:%d", natsPort)
	natsData := t.TempDir()
	natsProc := c.start("nats", "nats", "--host", "127.0.0.1", "--nats-port", strconv.Itoa(natsPort), "--data", natsData)
	waitTCP(t, fmt.Sprintf("127.0.0.1:%d", natsPort))

	h1 := c.start("handlers-1", "handlers", "--nats", c.nats)
	h2 := c.start("handlers-2", "handlers", "--nats", c.nats)
	h1.waitFor(t, "handlers ready")
	h2.waitFor(t, "handlers ready")

	var edges [2]edgePorts
	for i := range edges {
		e := edgePorts{freePort(t), freePort(t), freePort(t), freePort(t)}
		edges[i] = e
		c.start(fmt.Sprintf("edge-%d", i+1), "edge", "--nats", c.nats, "--host", "127.0.0.1", "--advertise", "127.0.0.1",
			"--opn-port", strconv.Itoa(e.opn), "--lmp-port", strconv.Itoa(e.lmp),
			"--fmp-port", strconv.Itoa(e.fmp), "--rfp-port", strconv.Itoa(e.rfp),
			"--connection-delay", "20ms", "--request-timeout", "1s")
		waitTCP(t, e.addr(e.opn))
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
	if lmp != edges[0].addr(edges[0].lmp) && lmp != edges[1].addr(edges[1].lmp) {
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
	h3 := c.start("handlers-3", "handlers", "--nats", c.nats)
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
	natsProc.cmd.Process.Signal(syscall.SIGTERM)
	natsProc.cmd.Wait()
	c.start("nats-again", "nats", "--host", "127.0.0.1", "--nats-port", strconv.Itoa(natsPort), "--data", natsData)
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

	for _, p := range c.logs {
		for _, l := range p.lines() {
			if strings.Contains(l, "level=ERROR") {
				t.Logf("[%s] %s", p.name, l)
			}
		}
	}
}
