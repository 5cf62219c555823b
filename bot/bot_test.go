package bot

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mh3net/mh3net/server"
)

func startServer(t *testing.T) *server.Server {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("MH3NET_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	s, err := server.Start(context.Background(), server.Config{
		Edge: true, Handlers: true, DataDir: t.TempDir(), Host: "127.0.0.1", Advertise: "127.0.0.1",
		Ports: map[string]int{}, ConnectionDelay: 10 * time.Millisecond,
		// Idle hunters must answer line checks to stay: make them come
		// many times during the run.
		LineCheckInterval: 200 * time.Millisecond,
		Logger:            log,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// botGoroutines are the goroutines running this package's code.
func botGoroutines() int {
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	count := 0
	for _, g := range strings.Split(string(buf[:n]), "\n\n") {
		if strings.Contains(g, "mh3net/bot.") && !strings.Contains(g, "mh3net/bot.Test") {
			count++
		}
	}
	return count
}

// Eight hunters (two idle) play three sessions each against a real
// server: every kind of action happens, nothing fails, they meet, and
// the idle ones stay online through the line checks.
func TestBotPlays(t *testing.T) {
	s := startServer(t)
	var progress bytes.Buffer
	cfg := Config{
		OPN: s.Addr("opn").String(), Hunters: 8, Idle: 0.25, Sessions: 3,
		Servers: []int{1}, Gates: 1, Seed: seed(t),
		ThinkMin: 10 * time.Millisecond, ThinkMax: 60 * time.Millisecond, Ramp: 200 * time.Millisecond,
		Duration: 3 * time.Minute, // a bound: the sessions end the run
		Progress: 500 * time.Millisecond, ProgressOut: &progress,
	}
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	rep.WriteTable(&table)
	t.Logf("\n%s", table.String())
	if rep.Total.Errors != 0 || rep.Cut != 0 {
		t.Errorf("%d errors, %d cut: %v", rep.Total.Errors, rep.Cut, rep.Examples)
	}
	for _, a := range rep.Actions {
		if a.Action != "listen" && a.Count == 0 {
			t.Errorf("no %s happened", a.Action)
		}
	}
	if rep.Idle != 2 {
		t.Errorf("%d idle hunters, want 2", rep.Idle)
	}
	// Six active hunters log in three times each; the idle ones once and
	// never again: they answered every line check.
	if rep.Sessions != 6*3+2 || rep.Reconnects != 0 {
		t.Errorf("%d sessions and %d reconnects, want 20 and 0", rep.Sessions, rep.Reconnects)
	}
	for _, what := range []string{seenChat, seenArrival, seenPosition, seenTell, seenJoin, seenRoster} {
		if rep.Seen[what] == 0 {
			t.Errorf("no hunter heard another's %s", what)
		}
	}
	if chat := rep.Action("chat"); chat.Samples == 0 || chat.P50 == 0 {
		t.Errorf("chat deliveries not timed: %+v", chat)
	}
	if !strings.Contains(progress.String(), "online") {
		t.Errorf("no progress line: %q", progress.String())
	}
	if n := botGoroutines(); n != 0 {
		t.Errorf("%d goroutines of the bot still running after Run", n)
	}
}

// seed is 7, or MH3NET_BOT_SEED (to try other schedules).
func seed(t *testing.T) int64 {
	if s := os.Getenv("MH3NET_BOT_SEED"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	return 7
}

// lines hands each progress line to a channel.
type lines chan string

func (l lines) Write(b []byte) (int, error) {
	select {
	case l <- string(b):
	default: // the test reads them all; never block the run
	}
	return len(b), nil
}

// waitLine waits for a progress line that ok accepts; the run must not
// end first.
func waitLine(t *testing.T, l lines, ended <-chan struct{}, ok func(string) bool) {
	t.Helper()
	for {
		select {
		case line := <-l:
			if ok(line) {
				return
			}
		case <-ended:
			t.Fatal("the run ended first")
		}
	}
}

var afterFailure = regexp.MustCompile(`\((\d+) after a failure\)`)

// reconnected reports a progress line counting a login after a failure.
func reconnected(line string) bool {
	m := afterFailure.FindStringSubmatch(line)
	return m != nil && m[1] != "0"
}

func allOnline(line string) bool { return strings.Contains(line, "online 4/4") }

// The server goes away under the hunters and comes back on the same
// ports: every hunter that was dropped logs in again and plays on.
func TestBotLogsInAgainAfterAServerRestart(t *testing.T) {
	cfg := server.Config{
		Edge: true, Handlers: true, DataDir: t.TempDir(), Host: "127.0.0.1", Advertise: "127.0.0.1",
		Ports: map[string]int{}, ConnectionDelay: 10 * time.Millisecond, LineCheckInterval: 200 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	s, err := server.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { // the one running at the end
		if s != nil {
			s.Close()
		}
	}()
	for _, name := range []string{"opn", "lmp", "fmp", "rfp"} {
		cfg.Ports[name] = s.Addr(name).(*net.TCPAddr).Port
	}
	progress := make(lines, 10000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		rep Report
		err error
	}
	done, ended := make(chan result, 1), make(chan struct{})
	go func() {
		defer close(ended)
		rep, err := Run(ctx, Config{
			OPN: s.Addr("opn").String(), Hunters: 4, Idle: 0.25, Servers: []int{1}, Gates: 1, Seed: seed(t),
			ThinkMin: 10 * time.Millisecond, ThinkMax: 60 * time.Millisecond, Ramp: 100 * time.Millisecond,
			Duration: 3 * time.Minute, Timeout: 5 * time.Second, Progress: 20 * time.Millisecond, ProgressOut: progress,
		})
		done <- result{rep, err}
	}()
	waitLine(t, progress, ended, allOnline)
	s.Close()
	if s, err = server.Start(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	// At least the idle hunter was online: it was dropped, and logs in
	// again; then the others play a while on the new server.
	waitLine(t, progress, ended, reconnected)
	waitLine(t, progress, ended, allOnline)
	cancel()
	res := <-done
	if res.err != nil {
		t.Fatal(res.err)
	}
	var table bytes.Buffer
	res.rep.WriteTable(&table)
	t.Logf("\n%s", table.String())
	if res.rep.Total.Errors == 0 {
		t.Errorf("no error counted for a server that went away")
	}
	for class := range res.rep.Errors {
		switch class {
		case "dropped", "connect", "shut", "timeout":
		default:
			t.Errorf("a restart made a %q error: %v", class, res.rep.Examples)
		}
	}
	if res.rep.Reconnects == 0 {
		t.Errorf("nobody logged in again")
	}
	if int64(len(res.rep.Failures)) != res.rep.Total.Errors {
		t.Errorf("%d failures in the timeline, %d errors", len(res.rep.Failures), res.rep.Total.Errors)
	}
	for _, f := range res.rep.Failures {
		if f.Hunter < 0 || f.Hunter >= 4 || res.rep.Errors[f.Class] == 0 || res.rep.Action(f.Action).Errors == 0 {
			t.Errorf("failure %+v does not match the counts", f)
		}
	}
	if n := botGoroutines(); n != 0 {
		t.Errorf("%d goroutines of the bot still running after Run", n)
	}
}
