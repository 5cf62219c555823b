package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/store/jsstore"
)

// natsCluster starts n `mh3net nats` processes routed to each other on a
// locked bus and returns them with the comma list of their client URLs.
func (c *cluster) natsCluster(sec busSecrets, n int) ([]*procLog, string) {
	c.t.Helper()
	client := make([]int, n)
	route := make([]int, n)
	for i := range n {
		client[i], route[i] = freePort(c.t), freePort(c.t)
	}
	var procs []*procLog
	var urls []string
	for i := range n {
		var routes []string
		for j := range n {
			if j != i {
				routes = append(routes, fmt.Sprintf("127.0.0.1:%d", route[j]))
			}
		}
		procs = append(procs, c.startEnv(fmt.Sprintf("nats-%d", i+1), sec.natsEnv(), append([]string{"nats",
			"--nats-name", fmt.Sprintf("n%d", i+1), "--nats-port", strconv.Itoa(client[i]), "--data", c.t.TempDir(),
			"--cluster-name", "mh3", "--cluster-port", strconv.Itoa(route[i]),
			"--cluster-routes", strings.Join(routes, ",")}, sec.natsArgs("server")...)...))
		urls = append(urls, fmt.Sprintf("nats://127.0.0.1:%d", client[i]))
	}
	for _, p := range procs {
		p.waitFor(c.t, "jetstream ready")
	}
	c.nats = strings.Join(urls, ",")
	return procs, c.nats
}

// moveLeader makes the node named preferred lead stream (a leader
// step-down with a preferred placement) and waits until it does.
func moveLeader(t *testing.T, js jetstream.JetStream, stream, preferred string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatalf("stream %s: %v", stream, err)
	}
	for {
		info, err := s.Info(ctx)
		if err == nil && info.Cluster != nil && info.Cluster.Leader == preferred {
			return
		}
		if err == nil && info.Cluster != nil && info.Cluster.Leader != "" {
			body := fmt.Sprintf(`{"placement":{"preferred":%q}}`, preferred)
			if _, err := js.Conn().RequestWithContext(ctx, "$JS.API.STREAM.LEADER.STEPDOWN."+stream, []byte(body)); err != nil {
				t.Logf("step down %s: %v", stream, err)
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s is not led by %s after 30 s", stream, preferred)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// handlersJetStream is a JetStream handle on the locked bus with the
// handlers' rights, as a test inspects streams and buckets.
func handlersJetStream(t *testing.T, sec busSecrets, urls string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(urls, sec.natsOpts(nats.UserInfo("handlers", sec.handlersPassword))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// A 3-node NATS cluster keeps the event log, the feed-less JetStream log
// and every bucket in 3 replicas; SIGKILL the node leading the event log
// while hunters keep logging in: every profile made before the kill is
// still there after it (acknowledged means replicated and synced), and
// logins go on once the cluster has elected new leaders.
func TestNATSClusterLosesANode(t *testing.T) {
	c := &cluster{t: t, bin: buildBinary(t)}
	sec := makeSecrets(t, c.bin)
	nodes, urls := c.natsCluster(sec, 3)
	c.handlersProc("handlers-1", sec)
	c.handlersProc("handlers-2", sec)
	// The edge waits for handlers as long as by default (4 attempts of
	// 2 s): longer than the cluster takes to elect new leaders.
	e := c.startEdge("edge", sec, urls, "--request-timeout", "2s")
	opn := e.addr(e.opn)

	js := handlersJetStream(t, sec, urls)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	leaderOf := func(stream string) string {
		t.Helper()
		s, err := js.Stream(ctx, stream)
		if err != nil {
			c.fatalf("stream %s: %v", stream, err)
		}
		info, err := s.Info(ctx)
		if err != nil {
			c.fatalf("stream %s: %v", stream, err)
		}
		if info.Config.Replicas != 3 {
			c.fatalf("stream %s has %d replicas, want 3", stream, info.Config.Replicas)
		}
		if info.Cluster == nil {
			c.fatalf("stream %s has no cluster info", stream)
		}
		return info.Cluster.Leader
	}
	leader := leaderOf(jsstore.StreamName)
	for _, kv := range []string{"KV_mh3_online", "KV_mh3_tickets", "KV_mh3_edges", "KV_mh3_replies", "KV_mh3_hunters"} {
		leaderOf(kv)
	}
	// The killed node leads the edges bucket too: with the default lease
	// (15 s, longer than an election) the edge's lease rides through.
	moveLeader(t, js, "KV_"+bus.EdgesBucket, leader)

	// Hunters made before the kill.
	var cons []*gameclient.Console
	var ids []string
	for i := range 6 {
		con := &gameclient.Console{}
		id, err := gameclient.FullLogin(opn, con, false, fmt.Sprintf("Before%d", i))
		if err != nil {
			c.fatalf("login %d before the kill: %v", i, err)
		}
		cons, ids = append(cons, con), append(ids, id)
	}

	// Logins keep coming while the event log's leader dies.
	var ok, failed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := gameclient.FullLogin(opn, &gameclient.Console{}, false, fmt.Sprintf("During%d%d", w, i)); err != nil {
					failed.Add(1)
					t.Logf("login during the failover: %v", err)
				} else {
					ok.Add(1)
				}
			}
		}()
	}
	time.Sleep(time.Second)
	killed := -1
	for i, p := range nodes {
		if leader == fmt.Sprintf("n%d", i+1) {
			p.kill(t)
			killed = i
		}
	}
	if killed < 0 {
		c.fatalf("the event log's leader %q is none of the nodes", leader)
	}
	killedAt := time.Now()
	before := ok.Load()
	// Wait until logins succeed again, then a little more.
	deadline := time.Now().Add(60 * time.Second)
	for ok.Load() < before+4 {
		if time.Now().After(deadline) {
			c.fatalf("no logins after the leader %s was killed (%d failed)", leader, failed.Load())
		}
		time.Sleep(50 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	t.Logf("killed %s (leader of the event log): logins %d ok, %d failed; logins went on %v after the kill",
		leader, ok.Load(), failed.Load(), time.Since(killedAt).Round(10*time.Millisecond))
	// At most the logins in flight at the kill (one per worker) fail.
	if n := failed.Load(); n > 2 {
		c.fatalf("%d logins failed across the loss of one NATS node, want at most the 2 in flight", n)
	}

	// Every hunter made before the kill is still there.
	for i, con := range cons {
		id, err := gameclient.FullLogin(opn, con, false, fmt.Sprintf("Before%d", i))
		if err != nil {
			c.fatalf("login again of hunter %d after the kill: %v", i, err)
		}
		if id != ids[i] {
			c.fatalf("hunter %d came back as %s, was %s: its profile was lost", i, id, ids[i])
		}
	}
	if l := leaderOf(jsstore.StreamName); l == leader {
		c.fatalf("the event log is still led by the killed %s", l)
	}
}
