package jsstore

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/internal/testport"
	"github.com/mh3net/mh3net/natsrv"
	"github.com/mh3net/mh3net/store"
	"github.com/mh3net/mh3net/store/storetest"
)

// clusterBackend is three NATS servers in a cluster, the event log kept
// in 3 replicas: what a deployment beyond one box runs. A clustered
// stream reports a conflicting append with another error code than a
// single server (10164, not 10071); the acceptance suite on a cluster is
// what keeps the store from taking it for an outage.
type clusterBackend struct {
	dir          string
	client, clus [3]int
	mu           sync.Mutex
	ns           [3]*natsserver.Server
}

func newClusterBackend(t *testing.T) *clusterBackend {
	b := &clusterBackend{dir: t.TempDir()}
	for i := range 3 {
		b.client[i], b.clus[i] = testport.Get(t), testport.Get(t)
	}
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range 3 {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = b.startNode(i) }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, ns := range b.ns {
			if ns != nil {
				ns.Shutdown()
				ns.WaitForShutdown()
			}
		}
	})
	return b
}

func (b *clusterBackend) startNode(i int) error {
	var routes []string
	for j := range 3 {
		if j != i {
			routes = append(routes, fmt.Sprintf("127.0.0.1:%d", b.clus[j]))
		}
	}
	ns, err := natsrv.Start(natsrv.Options{Port: b.client[i], StoreDir: filepath.Join(b.dir, fmt.Sprint(i)),
		Name: fmt.Sprintf("n%d", i+1), ClusterName: "test", ClusterPort: b.clus[i], Routes: routes})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := natsrv.WaitJetStream(ctx, ns); err != nil {
		return err
	}
	b.mu.Lock()
	b.ns[i] = ns
	b.mu.Unlock()
	return nil
}

func (b *clusterBackend) urls() string {
	var u []string
	for _, p := range b.client {
		u = append(u, fmt.Sprintf("nats://127.0.0.1:%d", p))
	}
	return strings.Join(u, ",")
}

func (b *clusterBackend) Open(t *testing.T) store.Store {
	nc, err := nats.Connect(b.urls(), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := Open(ctx, nc, Options{Replicas: 3})
	if err != nil {
		t.Fatal(err)
	}
	// A replicated stream just made may not have elected its leader yet;
	// an append then goes unanswered ("no response from stream").
	for {
		info, err := s.stream.Info(ctx)
		if err == nil && info.Cluster != nil && info.Cluster.Leader != "" {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the stream has no leader: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s
}

// Restart restarts one node of the three; the stream keeps its quorum.
func (b *clusterBackend) Restart(t *testing.T) {
	b.ns[0].Shutdown()
	b.ns[0].WaitForShutdown()
	if err := b.startNode(0); err != nil {
		t.Fatal(err)
	}
}

func TestAcceptanceOnACluster(t *testing.T) {
	storetest.Run(t, newClusterBackend(t))
}

// Two of three nodes gone leave the stream without a quorum until one is
// back; an append made meanwhile ends when the stream can store it, not
// with an error. Whether the stream then has no leader (no responder,
// retried: see TestAppendWaitsForItsStream) or a leader that waits for
// its quorum depends on which nodes went down.
func TestAppendRidesOutALostQuorum(t *testing.T) {
	b := newClusterBackend(t)
	s := b.Open(t).(*Store)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	stream := fmt.Sprintf("election.%d", time.Now().UnixNano())
	v, err := s.Append(ctx, stream, 0, []events.Envelope{mustEvent(t, stream+"-1")})
	if err != nil {
		t.Fatal(err)
	}
	// Keep the node the client talks to; stop the other two.
	var down []int
	for i, ns := range b.ns {
		if ns.Name() != s.js.Conn().ConnectedServerName() {
			down = append(down, i)
		}
	}
	for _, i := range down {
		b.ns[i].Shutdown()
		b.ns[i].WaitForShutdown()
	}
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		var err error
		v, err = s.Append(ctx, stream, v, []events.Envelope{mustEvent(t, stream+"-2")})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("append without a quorum ended: %v", err)
	case <-time.After(1500 * time.Millisecond):
	}
	if err := b.startNode(down[0]); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("append while the stream had no quorum: %v", err)
	}
	t.Logf("the append waited %v for a quorum", time.Since(start).Round(time.Millisecond))
	got, err := s.Load(ctx, stream, 1)
	if err != nil {
		t.Fatal(err)
	}
	if v != 2 || len(got) != 2 || got[1].ID != stream+"-2" {
		t.Fatalf("version %d, loaded %d events", v, len(got))
	}
}

func mustEvent(t *testing.T, id string) events.Envelope {
	t.Helper()
	e, err := events.Encode(id, events.ConsoleCreated{SupportCode: "X"})
	if err != nil {
		t.Fatal(err)
	}
	return e
}
