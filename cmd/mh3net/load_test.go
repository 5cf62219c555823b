package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/mh3net/mh3net/server"
)

// startUp runs every role in this process on free loopback ports, with
// a short connection delay, until the test ends.
func startUp(t *testing.T) *server.Server {
	t.Helper()
	s, err := server.Start(context.Background(), server.Config{
		Edge: true, Handlers: true, DataDir: t.TempDir(), Host: "127.0.0.1", Advertise: "127.0.0.1",
		Ports: map[string]int{}, ConnectionDelay: 10 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestLoadToolRunsWholeLogins(t *testing.T) {
	s := startUp(t)
	for _, wii := range []string{"--wii=false", "--wii=true"} {
		if err := runLoad(context.Background(), []string{"--opn", s.Addr("opn").String(), "--clients", "2", "--logins", "4", wii}); err != nil {
			t.Fatal(err)
		}
	}
}

// The relay tool seats hunters four to a city, and every update one of
// them sends is recorded once by each of the three others; the direct
// relay of the same traffic does the same.
func TestLoadRelayRecordsEveryDelivery(t *testing.T) {
	s := startUp(t)
	ctx := context.Background()
	clients, err := seatHunters(ctx, []string{s.Addr("lmp").String()}, []string{s.Addr("fmp").String()}, 8, 1, 4)
	for _, c := range clients {
		if c != nil {
			defer c.Close()
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, r relayResult) {
		t.Helper()
		t.Logf("%s: %s", name, r)
		// 8 hunters at 20/s for 1 s send 160; a loaded machine may send
		// fewer, never none. Each reaches the three others once; the
		// readers wait a second for the last ones, so only a machine
		// stalled longer than that loses some.
		if r.sent < 40 || r.delivered < 2*r.sent || r.delivered > 3*r.sent {
			t.Fatalf("%s: sent %d, delivered %d", name, r.sent, r.delivered)
		}
		if r.p50 <= 0 || r.max > 5*time.Second {
			t.Fatalf("%s: latencies p50 %v max %v", name, r.p50, r.max)
		}
	}
	check("mh3net", relayRun(ctx, clients, 20, time.Second))
	direct, err := directRelay(ctx, 8, 20, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	check("direct", direct)
}
