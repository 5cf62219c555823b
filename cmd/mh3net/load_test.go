package main

import (
	"context"
	"io"
	"log/slog"
	"os/exec"
	"regexp"
	"strconv"
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
	// Returning consoles log in again as the hunter they made first (the
	// tool fails a login that comes back as another).
	if err := runLoad(context.Background(), []string{"--opn", s.Addr("opn").String(), "--clients", "2", "--logins", "6", "--wii", "--returning"}); err != nil {
		t.Fatal(err)
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
	direct, err := directRelay(ctx, 8, 20, time.Second, true)
	if err != nil {
		t.Fatal(err)
	}
	check("direct", direct)
}

// The whole relay command: hunters through mh3net, then the direct relay
// as a process of its own (mh3net load direct-relay), each delivering
// every update to the three cityfellows.
func TestLoadRelayCommandWithTheDirectRelayInItsOwnProcess(t *testing.T) {
	bin := buildBinary(t)
	s := startUp(t)
	out, err := exec.Command(bin, "load", "relay", "--lmp", s.Addr("lmp").String(), "--fmp", s.Addr("fmp").String(),
		"--hunters", "8", "--rate", "20", "--duration", "1s", "--login-clients", "4").CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^(mh3net|direct) relay .*?(own process)?\): sent (\d+), delivered (\d+);`)
	found := map[string]bool{}
	for _, m := range re.FindAllStringSubmatch(string(out), -1) {
		sent, _ := strconv.Atoi(m[3])
		delivered, _ := strconv.Atoi(m[4])
		if sent < 40 || delivered < 2*sent || delivered > 3*sent {
			t.Fatalf("%s relay: sent %d, delivered %d", m[1], sent, delivered)
		}
		found[m[1]] = true
		if m[1] == "direct" && m[2] == "" {
			t.Fatal("the direct relay did not run in its own process")
		}
	}
	if !found["mh3net"] || !found["direct"] {
		t.Fatalf("results missing: %v", found)
	}
}
