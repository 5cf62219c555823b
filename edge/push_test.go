package edge_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/edge"
	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/pat"
)

// A listener takes its connections' pushes through a fixed set of
// subscriptions: connections that open and close subscribe nothing, and a
// push to any of them still arrives.
func TestPushSubscriptionsDoNotGrowWithConnections(t *testing.T) {
	var mu sync.Mutex
	var ids []string
	addr, nc := startEdgeNC(t, edge.Config{Server: "fmp"}, func(m *nats.Msg) {
		mu.Lock()
		ids = append(ids, m.Header.Get(bus.HeaderConn))
		mu.Unlock()
		answerEach(m)
	})
	var clients []*gameclient.Client
	before := 0
	for i := range 5 {
		c := greet(t, addr)
		if err := c.Call(&pat.ReqFmpListVersion{}, &pat.AnsFmpListVersion{}); err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
		if i == 0 {
			before = nc.NumSubscriptions() // the listener's, and the requests' inbox
		}
	}
	if after := nc.NumSubscriptions(); after != before {
		t.Fatalf("%d subscriptions with 5 connections, %d with one", after, before)
	}
	mu.Lock()
	defer mu.Unlock()
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] || strings.Count(id, ".") != 2 {
			t.Fatalf("connection ids %q", ids)
		}
		seen[id] = true
	}
	for i, c := range clients {
		frame, _ := pat.AppendMessage(nil, 0, &pat.NtcLayerChat{})
		if err := nc.Publish(bus.ConnSubject(ids[i]), frame); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Notice(pat.IDNtcLayerChat, nil); err != nil {
			t.Fatalf("push to connection %d: %v", i, err)
		}
	}
	for _, c := range clients {
		c.Close()
	}
	time.Sleep(100 * time.Millisecond)
	if after := nc.NumSubscriptions(); after != before {
		t.Fatalf("%d subscriptions after the connections closed, %d before", after, before)
	}
}
