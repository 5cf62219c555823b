package ops

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/internal/testnats"
)

// fakeHandlers answers bus.OpsStatus with a snapshot whose "online" is
// whatever the test sets, and a fresh time on every answer (as the
// handlers do).
type fakeHandlers struct {
	online atomic.Int64
	asked  atomic.Int64
	sub    *nats.Subscription
}

func startStatusOps(t *testing.T) (*Server, *fakeHandlers) {
	t.Helper()
	_, nc := testnats.Start(t)
	f := &fakeHandlers{}
	var err error
	if f.sub, err = nc.Subscribe(bus.OpsStatus, func(m *nats.Msg) {
		f.asked.Add(1)
		m.Respond(fmt.Appendf(nil, `{"time":%q,"online":%d}`, time.Now().UTC().Format(time.RFC3339Nano), f.online.Load()))
	}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s, err := Start(ctx, Config{Addr: "127.0.0.1:0", TokenFile: filepath.Join(t.TempDir(), "token"), Role: "test", NC: nc,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, f
}

func shorten(t *testing.T, poll, beat time.Duration, clients int) {
	p, h, c := PollInterval, Heartbeat, MaxEventClients
	PollInterval, Heartbeat, MaxEventClients = poll, beat, clients
	t.Cleanup(func() { PollInterval, Heartbeat, MaxEventClients = p, h, c })
}

// sse reads one event stream's events (name and data) and comments.
type sse struct {
	resp  *http.Response
	lines chan string
}

func openEvents(t *testing.T, s *Server) *sse {
	t.Helper()
	resp, err := http.Get("http://" + s.Addr().String() + "/api/events")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %s %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	e := &sse{resp: resp, lines: make(chan string, 100)}
	go func() {
		defer close(e.lines)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			e.lines <- sc.Text()
		}
	}()
	return e
}

// next is the next event's "name data" or a comment (": ...").
func (e *sse) next(t *testing.T, within time.Duration) string {
	t.Helper()
	timeout := time.After(within)
	var name string
	for {
		select {
		case l, ok := <-e.lines:
			if !ok {
				t.Fatal("stream ended")
			}
			switch {
			case strings.HasPrefix(l, ":"):
				return l
			case strings.HasPrefix(l, "event: "):
				name = strings.TrimPrefix(l, "event: ")
			case strings.HasPrefix(l, "data: "):
				return name + " " + strings.TrimPrefix(l, "data: ")
			}
		case <-timeout:
			t.Fatalf("no event within %s", within)
		}
	}
}

func TestEventsStreamChangesOnly(t *testing.T) {
	shorten(t, 50*time.Millisecond, 300*time.Millisecond, 64)
	s, f := startStatusOps(t)
	e := openEvents(t, s)
	if ev := e.next(t, 2*time.Second); !strings.HasPrefix(ev, "status ") || !strings.Contains(ev, `"online":0`) {
		t.Fatalf("first event %q", ev)
	}
	// Polls go on (each answer has a new time) but nothing is sent
	// until something else changes: the heartbeat comes first.
	if ev := e.next(t, 2*time.Second); ev != ": keep-alive" {
		t.Fatalf("unchanged snapshot sent: %q", ev)
	}
	if f.asked.Load() < 3 {
		t.Fatalf("asked %d times", f.asked.Load())
	}
	f.online.Store(3)
	changed := time.Now()
	for {
		ev := e.next(t, 2*time.Second)
		if strings.HasPrefix(ev, ":") {
			continue
		}
		if !strings.Contains(ev, `"online":3`) {
			t.Fatalf("event after the change: %q", ev)
		}
		break
	}
	t.Logf("change streamed in %s", time.Since(changed))
	// A second page gets the last snapshot at once, from the same poller.
	e2 := openEvents(t, s)
	if ev := e2.next(t, time.Second); !strings.Contains(ev, `"online":3`) {
		t.Fatalf("second page starts with %q", ev)
	}
}

func TestEventsBoundsItsClients(t *testing.T) {
	shorten(t, 50*time.Millisecond, time.Minute, 2)
	s, _ := startStatusOps(t)
	openEvents(t, s)
	openEvents(t, s)
	resp, err := http.Get("http://" + s.Addr().String() + "/api/events")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("third page: %s", resp.Status)
	}
}

func TestPageIsServedWithAStrictPolicy(t *testing.T) {
	s, _ := startStatusOps(t)
	for _, path := range []string{"/", "/app.js", "/style.css"} {
		resp, err := http.Get("http://" + s.Addr().String() + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(body) == 0 {
			t.Fatalf("%s: %s", path, resp.Status)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'self'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
	}
	resp, err := http.Get("http://" + s.Addr().String() + "/api/status")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"online":0`) {
		t.Fatalf("status: %s %s", resp.Status, body)
	}
}

// The page never writes server data as markup.
func TestPageWritesTextOnly(t *testing.T) {
	b, err := webFS.ReadFile("web/app.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
		if strings.Contains(string(b), bad) {
			t.Errorf("app.js uses %s", bad)
		}
	}
}

func TestEventsTellWhenTheHandlersAreGone(t *testing.T) {
	shorten(t, 50*time.Millisecond, time.Minute, 64)
	s, f := startStatusOps(t)
	e := openEvents(t, s)
	if ev := e.next(t, 2*time.Second); !strings.HasPrefix(ev, "status ") {
		t.Fatalf("first event %q", ev)
	}
	f.sub.Unsubscribe()
	if ev := e.next(t, 2*time.Second); !strings.HasPrefix(ev, "unavailable ") {
		t.Fatalf("event without handlers: %q", ev)
	}
	// Closing the server ends open streams at once (a graceful shutdown
	// would wait for them otherwise).
	start := time.Now()
	s.Close()
	if d := time.Since(start); d > time.Second {
		t.Errorf("close took %s with a page open", d)
	}
	for range e.lines {
	}
}
