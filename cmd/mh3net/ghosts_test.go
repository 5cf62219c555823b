package main

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/mh3net/mh3net/gameclient"
)

// lockedNATS starts a NATS process locked as the README says and sets
// c.nats.
func (c *cluster) lockedNATS(sec busSecrets) *procLog {
	c.t.Helper()
	port := freePort(c.t)
	c.nats = fmt.Sprintf("nats://127.0.0.1:%d", port)
	p := c.startEnv("nats", sec.natsEnv(), append([]string{"nats", "--nats-port", strconv.Itoa(port), "--data", c.t.TempDir()}, sec.natsArgs("server")...)...)
	waitTCP(c.t, fmt.Sprintf("127.0.0.1:%d", port))
	return p
}

// handlersProc starts a handler process on the locked bus.
func (c *cluster) handlersProc(name string, sec busSecrets, extra ...string) *procLog {
	c.t.Helper()
	p := c.startEnv(name, sec.handlersEnv(), append(append([]string{"handlers", "--nats", c.nats}, sec.clientTLS()...), extra...)...)
	p.waitFor(c.t, "handlers ready")
	return p
}

// An edge SIGKILLed with hunters on it: its lease lapses and handlers
// sweep its players, so server populations are right again within two
// lease periods; the hunters log in again at once through another edge.
func TestKilledEdgeIsSwept(t *testing.T) {
	const lease = 2 * time.Second
	c := &cluster{t: t, bin: buildBinary(t)}
	sec := makeSecrets(t, c.bin)
	c.lockedNATS(sec)
	h := c.handlersProc("handlers", sec, "--lease", lease.String())
	p1 := c.startEdge("edge-1", sec, c.nats)
	p2 := c.startEdge("edge-2", sec, c.nats)
	e1 := c.proc("edge-1")

	// Two hunters on server 3, through edge 1.
	var cons []*gameclient.Console
	for i, name := range []string{"Arzuros", "Lagombi"} {
		con := &gameclient.Console{}
		f, _, err := gameclient.LoginFromLMP(p1.addr(p1.lmp), p1.addr(p1.fmp), con, name, 3)
		if err != nil {
			t.Fatalf("hunter %d: %v", i, err)
		}
		defer f.Close()
		if f.Conn().LocalAddr() == nil {
			t.Fatal("no connection")
		}
		cons = append(cons, con)
	}
	waitPopulation(t, p2.addr(p2.lmp), 3, 2, 10*time.Second)

	e1.kill(t)
	killed := time.Now()
	// At once, a hunter of the dead edge logs in again through edge 2.
	f, _, err := gameclient.LoginFromLMP(p2.addr(p2.lmp), p2.addr(p2.fmp), cons[0], "Arzuros", 5)
	if err != nil {
		t.Fatalf("login again through edge 2 right after the kill: %v", err)
	}
	defer f.Close()
	// The other is swept: server 3 empties, server 5 holds the one back.
	waitPopulation(t, p2.addr(p2.lmp), 3, 0, 2*lease+time.Second)
	t.Logf("server 3 population right again %v after the SIGKILL (lease %v)", time.Since(killed).Round(10*time.Millisecond), lease)
	waitPopulation(t, p2.addr(p2.lmp), 5, 1, 5*time.Second)
	h.waitFor(t, "edge swept")
}

func waitPopulation(t *testing.T, lmp string, server, want int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		pop, err := gameclient.Populations(lmp)
		if err == nil && pop[server] == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("server %d population %d (err %v), want %d within %v", server, pop[server], err, want, within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
