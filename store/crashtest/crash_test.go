// Package crashtest kills a process that appends events (SIGKILL, at
// random moments, many rounds) and checks after each restart that every
// append acknowledged to the caller is in the log, exactly once.
package crashtest

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/natsrv"
	"github.com/mh3net/mh3net/pgtest"
	"github.com/mh3net/mh3net/store"
	"github.com/mh3net/mh3net/store/jsstore"
	"github.com/mh3net/mh3net/store/pgstore"
)

const streams = 4

// TestMain turns the test binary into the appending child when asked.
func TestMain(m *testing.M) {
	if os.Getenv("MH3NET_CRASH_CHILD") != "" {
		child()
		return
	}
	os.Exit(m.Run())
}

func openStore(ctx context.Context) (store.Store, error) {
	if url := os.Getenv("MH3NET_CRASH_PG"); url != "" {
		return pgstore.Open(ctx, url, nil)
	}
	ns, err := natsrv.Start(natsrv.Options{StoreDir: os.Getenv("MH3NET_CRASH_DIR")})
	if err != nil {
		return nil, err
	}
	nc, err := nats.Connect("", nats.InProcessServer(ns))
	if err != nil {
		return nil, err
	}
	return jsstore.Open(ctx, nc, jsstore.Options{})
}

// child appends forever, printing "ACK stream version id" after each
// acknowledged append, until it is killed.
func child() {
	ctx := context.Background()
	s, err := openStore(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
	prefix := os.Getenv("MH3NET_CRASH_PREFIX")
	versions := make([]uint64, streams)
	for i := range versions {
		evs, err := s.Load(ctx, fmt.Sprintf("%s.%d", prefix, i), 1)
		if err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(2)
		}
		versions[i] = uint64(len(evs))
	}
	fmt.Println("READY")
	for n := 0; ; n++ {
		i := n % streams
		stream := fmt.Sprintf("%s.%d", prefix, i)
		id := events.NewID()
		var batch []events.Envelope
		for k := 0; k <= n%3; k++ { // batches of 1 to 3 events
			e, _ := events.Encode(fmt.Sprintf("%s-%d", id, k), events.ConsoleCreated{SupportCode: id})
			batch = append(batch, e)
		}
		v, err := s.Append(ctx, stream, versions[i], batch)
		if err != nil {
			fmt.Fprintln(os.Stderr, "child append:", err)
			os.Exit(3)
		}
		versions[i] = v
		for _, e := range batch {
			fmt.Printf("ACK %s %s\n", stream, e.ID)
		}
	}
}

func run(t *testing.T, env []string, rounds int) {
	acked := map[string]string{} // event id → stream
	var mu sync.Mutex
	for round := 0; round < rounds; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(append(os.Environ(), "MH3NET_CRASH_CHILD=1"), env...)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		ready := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			sc := bufio.NewScanner(out)
			first := true
			for sc.Scan() {
				f := strings.Fields(sc.Text())
				if len(f) == 1 && f[0] == "READY" && first {
					first = false
					close(ready)
					continue
				}
				if len(f) == 3 && f[0] == "ACK" {
					mu.Lock()
					acked[f[2]] = f[1]
					mu.Unlock()
				}
			}
		}()
		select {
		case <-ready:
		case <-time.After(60 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("round %d: child never ready: %s", round, stderr.String())
		}
		time.Sleep(time.Duration(5+rand.IntN(120)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		<-done
		cmd.Wait()
		if strings.Contains(stderr.String(), "child") {
			t.Fatalf("round %d: %s", round, stderr.String())
		}
	}
	// Everything acknowledged is there, once.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
	s, err := openStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	prefix := os.Getenv("MH3NET_CRASH_PREFIX")
	stored := map[string]int{}
	for i := 0; i < streams; i++ {
		evs, err := s.Load(ctx, fmt.Sprintf("%s.%d", prefix, i), 1)
		if err != nil {
			t.Fatal(err)
		}
		for j, e := range evs {
			stored[e.ID]++
			if e.Version != uint64(j+1) {
				t.Fatalf("%s: version %d at index %d", e.Stream, e.Version, j)
			}
		}
	}
	lost := 0
	for id := range acked {
		if stored[id] == 0 {
			lost++
		}
	}
	for id, n := range stored {
		if n != 1 {
			t.Errorf("%s stored %d times", id, n)
		}
	}
	t.Logf("%d rounds: %d appends acknowledged, %d events stored, %d acknowledged but lost", rounds, len(acked), len(stored), lost)
	if lost > 0 {
		t.Fatalf("%d acknowledged events lost", lost)
	}
	if len(acked) == 0 {
		t.Fatal("no append was acknowledged in any round")
	}
}

func TestKill9Embedded(t *testing.T) {
	run(t, []string{"MH3NET_CRASH_DIR=" + t.TempDir(), "MH3NET_CRASH_PREFIX=crash" + strconv.Itoa(rand.IntN(1e9))}, 15)
}

func TestKill9Postgres(t *testing.T) {
	pg := pgtest.Start(t)
	run(t, []string{"MH3NET_CRASH_PG=" + pg.URL(), "MH3NET_CRASH_PREFIX=crash" + strconv.Itoa(rand.IntN(1e9))}, 15)
}
