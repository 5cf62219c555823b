package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mh3net/mh3net/bot"
	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/pat"
)

// startEdgeOn starts an edge on given ports with extra flags.
func (c *cluster) startEdgeOn(name string, b busSecrets, e edgePorts, extra ...string) *procLog {
	c.t.Helper()
	args := append([]string{"edge", "--nats", c.nats, "--host", "127.0.0.1", "--advertise", "127.0.0.1",
		"--opn-port", strconv.Itoa(e.opn), "--lmp-port", strconv.Itoa(e.lmp),
		"--fmp-port", strconv.Itoa(e.fmp), "--rfp-port", strconv.Itoa(e.rfp),
		"--connection-delay", "20ms"}, b.edgeArgs()...)
	return c.start(name, append(args, extra...)...)
}

// readBotReport reads the JSON report of a `mh3net bot` run and logs its
// table.
func readBotReport(t *testing.T, path string) bot.Report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep bot.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	rep.WriteTable(&table)
	t.Logf("bot report:\n%s", table.String())
	return rep
}

// failuresIn are the bot's failures between from and to (since the run
// began).
func failuresIn(rep bot.Report, from, to time.Duration) []bot.Failure {
	var out []bot.Failure
	for _, f := range rep.Failures {
		if f.At >= from && f.At < to {
			out = append(out, f)
		}
	}
	return out
}

// TestScaleOut is the deployment MH3SP's scaling draft describes, all on
// loopback, each part its own process: a 3-node NATS cluster (replicas
// 3), two handler processes, two edges sharing the game ports
// (SO_REUSEPORT), and an external FMP server registering server 13.
// `mh3net bot` plays with 50 hunters while, one after the other:
//   - a handler process gets SIGTERM: no request fails;
//   - the external FMP server is SIGKILLed: only hunters on server 13
//     fail, it leaves the list within two lease periods and its hunters
//     are out of every city;
//   - a NATS node is SIGKILLed: each hunter fails at most the one request
//     it had in flight, and the bot plays on;
//   - an edge is SIGKILLed: only hunters on it drop.
func TestScaleOut(t *testing.T) {
	const lease = 2 * time.Second
	c := &cluster{t: t, bin: buildBinary(t)}
	sec := makeSecrets(t, c.bin)
	nodes, urls := c.natsCluster(sec, 3)
	handlers := []*procLog{
		c.handlersProc("handlers-1", sec, "--lease", lease.String()),
		c.handlersProc("handlers-2", sec, "--lease", lease.String()),
	}
	ports := edgePorts{freePort(t), freePort(t), freePort(t), freePort(t)}
	edges := []*procLog{
		c.startEdgeOn("edge-1", sec, ports, "--reuse-port"),
		c.startEdgeOn("edge-2", sec, ports, "--reuse-port"),
	}
	for _, e := range edges {
		e.waitFor(t, "mh3net running")
	}
	file := filepath.Join(t.TempDir(), "remote.json")
	if err := os.WriteFile(file, []byte(remoteWorld), 0o600); err != nil {
		c.fatalf("%v", err)
	}
	extAddr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	_, extPort, _ := strings.Cut(extAddr, ":")
	ext := c.start("remote-fmp", append([]string{"edge", "--fmp-only", "--world", file, "--nats", urls,
		"--host", "127.0.0.1", "--advertise", "127.0.0.1", "--fmp-port", extPort,
		"--connection-delay", "20ms"}, sec.edgeArgs()...)...)
	lmp := ports.addr(ports.lmp)
	waitList(t, lmp, 15*time.Second, "with the external server", func(v uint32, l []pat.Data) bool { return len(l) == 13 })

	js := handlersJetStream(t, sec, urls)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	leases, err := js.KeyValue(ctx, bus.EdgesBucket)
	if err != nil {
		c.fatalf("%v", err)
	}
	edgeConns := func() map[string]int {
		out := map[string]int{}
		keys, _ := leases.Keys(ctx)
		for _, k := range keys {
			if e, err := leases.Get(ctx, k); err == nil {
				var l bus.EdgeLease
				if json.Unmarshal(e.Value(), &l) == nil {
					out[k] = l.Conns
				}
			}
		}
		return out
	}

	// The bot plays: 50 hunters (5 idle), from ten source addresses.
	report := filepath.Join(t.TempDir(), "bot.json")
	botStart := time.Now()
	botProc := c.start("bot", "bot", "--opn", ports.addr(ports.opn), "--hunters", "50", "--duration", "80s",
		"--ramp", "6s", "--think-min", "300ms", "--think-max", "2s", "--timeout", "15s", "--progress", "5s",
		"--local-ips", "127.0.0.2-127.0.0.11", "--seed", strconv.FormatInt(time.Now().UnixNano()%1000, 10), "--json", report)
	// Fault times are taken from botStart; the run's failures count from
	// when it began (rep.Began), a moment later: they are shifted below.
	since := func() time.Duration { return time.Since(botStart) }
	time.Sleep(14 * time.Second)

	// 1. SIGTERM a handler process: it finishes what it holds and leaves.
	tTerm := since()
	if err := handlers[0].cmd.Process.Signal(syscall.SIGTERM); err != nil {
		c.fatalf("%v", err)
	}
	handlers[0].cmd.Wait()
	handlers = append(handlers, c.handlersProc("handlers-3", sec, "--lease", lease.String()))
	time.Sleep(6 * time.Second)

	// 2. SIGKILL the external FMP server.
	tExt := since()
	ext.kill(t)
	waitList(t, lmp, 2*lease+2*time.Second, "back to the central world's", func(v uint32, l []pat.Data) bool { return len(l) == 12 && v == 1 })
	t.Logf("server 13 left the list %v after its SIGKILL (lease %v)", (since() - tExt).Round(10*time.Millisecond), lease)
	waitPopulation(t, lmp, 13, 0, 2*lease)
	time.Sleep(4 * time.Second)

	// 3. SIGKILL a NATS node: the one leading the event log.
	tNATS := since()
	s, err := js.Stream(ctx, "MH3_EVENTS")
	if err != nil {
		c.fatalf("%v", err)
	}
	info, err := s.Info(ctx)
	if err != nil || info.Config.Replicas != 3 {
		c.fatalf("event log: %v, replicas %d", err, info.Config.Replicas)
	}
	if info.Cluster == nil {
		c.fatalf("the event log has no cluster info")
	}
	victim := info.Cluster.Leader
	// This test's lease (2 s, so that the external server leaves the
	// list quickly) is shorter than a NATS election (4-9 s): losing the
	// edges bucket's leader would lapse every edge's lease, as it must.
	// Deployments keep the default 15 s, which rides through that loss
	// (TestNATSClusterLosesANode kills the edges bucket's leader too).
	// Here the bucket is led elsewhere first.
	for i := range nodes {
		if other := fmt.Sprintf("n%d", i+1); other != victim {
			moveLeader(t, js, "KV_"+bus.EdgesBucket, other)
			break
		}
	}
	for i, n := range nodes {
		if victim == fmt.Sprintf("n%d", i+1) {
			n.kill(t)
		}
	}
	time.Sleep(22 * time.Second)

	// 4. SIGKILL an edge.
	tEdge := since()
	conns := edgeConns()
	edges[1].kill(t)
	t.Logf("edge connections before the edge kill: %v", conns)

	if err := botProc.cmd.Wait(); err != nil {
		c.fatalf("bot: %v", err)
	}
	rep := readBotReport(t, report)
	if rep.PeakOnline < 40 {
		c.fatalf("only %d hunters were online at once, want most of the 50", rep.PeakOnline)
	}

	shift := rep.Began.Sub(botStart)
	tTerm, tExt, tNATS, tEdge = tTerm-shift, tExt-shift, tNATS-shift, tEdge-shift
	const slack = time.Second
	if f := failuresIn(rep, 0, tTerm); len(f) > 0 {
		c.fatalf("%d failures before any fault, first %+v", len(f), f[0])
	}
	if f := failuresIn(rep, tTerm-slack, tExt); len(f) > 0 {
		c.fatalf("%d failures around the handler's SIGTERM, first %+v", len(f), f[0])
	}
	for _, f := range failuresIn(rep, tExt, tNATS) {
		if f.Server != 13 && f.FMP != extAddr {
			c.fatalf("a hunter not on the external server failed when it died: %+v", f)
		}
	}
	perHunter := map[int]int{}
	for _, f := range failuresIn(rep, tNATS, tEdge) {
		perHunter[f.Hunter]++
		if perHunter[f.Hunter] > 1 {
			c.fatalf("hunter %d failed more than once across the loss of a NATS node: %+v", f.Hunter, failuresIn(rep, tNATS, tEdge))
		}
	}
	t.Logf("failures: NATS node loss %d (of %d hunters), after the edge kill %d", len(failuresIn(rep, tNATS, tEdge)), rep.Hunters, len(failuresIn(rep, tEdge, time.Hour)))
	dropped := map[int]bool{}
	for _, f := range failuresIn(rep, tEdge-slack, time.Hour) {
		dropped[f.Hunter] = true
		if f.Class != "dropped" && f.Class != "connect" {
			t.Errorf("after the edge kill a hunter failed otherwise than by losing its connection: %+v", f)
		}
	}
	killedConns := -1
	for id, n := range conns {
		if strings.Contains(strings.Join(edges[1].lines(), "\n"), id) {
			killedConns = n
		}
	}
	if killedConns < 0 {
		c.fatalf("the killed edge's lease was not found")
	}
	// The lease's count is up to a third of a lease period old: a hunter
	// or two may have connected since.
	killedConns += 3
	if len(dropped) > killedConns {
		c.fatalf("%d hunters failed after the edge kill, but the killed edge held %d connections", len(dropped), killedConns)
	}
}
