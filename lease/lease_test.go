package lease

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mh3net/mh3net/natsrv"
)

// ttl is short for the tests, long enough that a renewal (timeout ttl/3)
// does not time out on a loaded machine.
const ttl = time.Second

type recorder struct {
	mu     sync.Mutex
	active int
	log    []string // "start A", "stop A", ...
	errs   []error
	causes map[string]error
	wake   chan struct{}
}

func newRecorder() *recorder {
	return &recorder{causes: map[string]error{}, wake: make(chan struct{}, 100)}
}

func (r *recorder) work(name string) func(ctx context.Context) {
	return func(ctx context.Context) {
		r.mu.Lock()
		r.active++
		if r.active > 1 {
			r.errs = append(r.errs, fmt.Errorf("%s started while %d other work ran", name, r.active-1))
		}
		r.log = append(r.log, "start "+name)
		r.mu.Unlock()
		r.wake <- struct{}{}
		<-ctx.Done()
		r.mu.Lock()
		r.active--
		r.log = append(r.log, "stop "+name)
		r.causes[name] = context.Cause(ctx)
		r.mu.Unlock()
		r.wake <- struct{}{}
	}
}

func (r *recorder) waitFor(t *testing.T, entry string, n int) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		r.mu.Lock()
		c := 0
		for _, l := range r.log {
			if l == entry {
				c++
			}
		}
		r.mu.Unlock()
		if c >= n {
			return
		}
		select {
		case <-r.wake:
		case <-deadline:
			t.Fatalf("never saw %q %d times: %v", entry, n, r.snapshot())
		}
	}
}

func (r *recorder) snapshot() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.log...)
}

func (r *recorder) check(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, err := range r.errs {
		t.Error(err)
	}
}

func server(t *testing.T) string {
	ns, err := natsrv.Start(natsrv.Options{Port: -1, StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	return ns.ClientURL()
}

func bucket(t *testing.T, url string) (*nats.Conn, jetstream.KeyValue) {
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kv, err := Bucket(ctx, js, "test_leases", ttl)
	if err != nil {
		t.Fatal(err)
	}
	return nc, kv
}

type holder struct {
	name string
	nc   *nats.Conn
	stop context.CancelFunc
	done chan error
}

func start(t *testing.T, url, name string, r *recorder) *holder {
	nc, kv := bucket(t, url)
	ctx, cancel := context.WithCancel(context.Background())
	h := &holder{name: name, nc: nc, stop: cancel, done: make(chan error, 1)}
	go func() { h.done <- Run(ctx, kv, "relay", name, ttl, r.work(name)) }()
	t.Cleanup(func() { cancel(); <-h.done })
	return h
}

// Two holders: one works, the other waits. The holder dies without
// releasing (its NATS connection is gone, as with SIGKILL): its work is
// cancelled, and once the key lapses the other takes over. A holder that
// stops releases the lease, and the waiting one takes over.
func TestOneHolderAndTakeover(t *testing.T) {
	url := server(t)
	r := newRecorder()
	a := start(t, url, "A", r)
	r.waitFor(t, "start A", 1)
	b := start(t, url, "B", r)
	time.Sleep(3 * ttl) // B keeps campaigning meanwhile
	if got := r.snapshot(); len(got) != 1 {
		t.Fatalf("while A held the lease: %v", got)
	}

	killed := time.Now()
	a.nc.Close() // A's renewals now fail, and it never releases
	r.waitFor(t, "start B", 1)
	t.Logf("B took over %v after A lost its connection (lease period %v)", time.Since(killed).Round(time.Millisecond), ttl)
	got := r.snapshot()
	if fmt.Sprint(got) != "[start A stop A start B]" {
		t.Fatalf("A's work must stop before B's starts: %v", got)
	}
	r.mu.Lock()
	cause := r.causes["A"]
	r.mu.Unlock()
	if cause == nil || errors.Is(cause, context.Canceled) {
		t.Errorf("A's work ended with %v, want the renewal failure", cause)
	}

	c := start(t, url, "C", r)
	stopped := time.Now()
	b.stop()
	if err := <-b.done; err != nil {
		t.Fatal(err)
	}
	b.done <- nil // for the cleanup
	r.waitFor(t, "start C", 1)
	t.Logf("C took over %v after B stopped (released)", time.Since(stopped).Round(time.Millisecond))
	if got := r.snapshot(); fmt.Sprint(got[3:]) != "[stop B start C]" {
		t.Fatalf("after B stopped: %v", got)
	}
	_ = c
	r.check(t)
}

// heldByA starts holder A on a server of its own, waits until it works,
// and returns the recorder, the bucket and the lease's key as A holds it.
func heldByA(t *testing.T) (*recorder, jetstream.KeyValue, jetstream.KeyValueEntry) {
	t.Helper()
	url := server(t)
	r := newRecorder()
	start(t, url, "A", r)
	r.waitFor(t, "start A", 1)
	_, kv := bucket(t, url)
	e, err := kv.Get(context.Background(), "relay")
	if err != nil || !strings.HasPrefix(string(e.Value()), "A ") {
		t.Fatalf("key holds %v, %v", e, err)
	}
	return r, kv, e
}

// A renewal that fails (the key was taken away) cancels work at once;
// the holder campaigns again and gets the lease back.
func TestRenewalFailureCancelsWork(t *testing.T) {
	r, kv, e := heldByA(t)
	ctx := context.Background()
	// Someone else writes the key: A's next renewal (at A's revision) fails.
	if _, err := kv.Update(ctx, "relay", []byte("intruder"), e.Revision()); err != nil {
		t.Fatal(err)
	}
	r.waitFor(t, "stop A", 1)
	r.mu.Lock()
	cause := r.causes["A"]
	r.mu.Unlock()
	if cause == nil || errors.Is(cause, context.Canceled) {
		t.Fatalf("work ended with %v, want the renewal failure", cause)
	}
	t.Logf("work cancelled: %v", cause)
	// The intruder never renews: its write lapses and A takes the lease again.
	r.waitFor(t, "start A", 2)
	r.check(t)
}

// A renewal of a hold that ended, delivered late (nats.go buffers writes
// while it reconnects, and a restarted server numbers a re-created key's
// revisions from 1 again), writes what that hold wrote. The holder must
// not take it for its own: it waits for it to lapse like anyone's.
func TestALateRenewalOfAnEndedHoldIsNotTheHolders(t *testing.T) {
	r, kv, e := heldByA(t)
	ctx := context.Background()
	old := e.Value()
	// Another process takes the key (A's hold ends at its renewal), then
	// the ended hold's renewal lands.
	rev, err := kv.Update(ctx, "relay", []byte("intruder"), e.Revision())
	if err != nil {
		t.Fatal(err)
	}
	r.waitFor(t, "stop A", 1)
	late, err := kv.Update(ctx, "relay", old, rev)
	if err != nil {
		t.Fatal(err)
	}
	// Two of A's campaigns later (each ttl/3 apart) the key is still the
	// late write, untouched: A did not adopt it.
	time.Sleep(2 * ttl / 3)
	if e, err := kv.Get(ctx, "relay"); err != nil || e.Revision() != late {
		t.Fatalf("the late renewal's key was taken over: %v, %v", e, err)
	}
	if got := r.snapshot(); len(got) != 2 {
		t.Fatalf("A worked on a late renewal of its ended hold: %v", got)
	}
	// It lapses and A takes the lease with a hold of its own.
	r.waitFor(t, "start A", 2)
	r.check(t)
}

// Every process must use the bucket's period.
func TestPeriodMustMatchTheBucket(t *testing.T) {
	_, kv := bucket(t, server(t))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := Run(ctx, kv, "relay", "A", 2*ttl, func(context.Context) { t.Error("work ran") })
	if err == nil {
		t.Fatal("Run accepted a period other than the bucket's TTL")
	}
	t.Log(err)
}

// NATS restarts under a holder: the memory bucket is gone, the holder's
// renewal fails and its work stops; RunInBucket re-creates the bucket and
// exactly one holder works again, never two at once.
func TestNATSRestart(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	ns, err := natsrv.Start(natsrv.Options{Port: port, StoreDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	url := ns.ClientURL()
	r := newRecorder()
	connect := func(name string) *holder {
		nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		js, _ := jetstream.New(nc)
		ctx, cancel := context.WithCancel(context.Background())
		h := &holder{name: name, nc: nc, stop: cancel, done: make(chan error, 1)}
		go func() { h.done <- RunInBucket(ctx, js, "test_leases", "relay", name, ttl, r.work(name)) }()
		t.Cleanup(func() { cancel(); <-h.done })
		return h
	}
	connect("A")
	r.waitFor(t, "start A", 1)
	connect("B")
	ns.Shutdown()
	ns.WaitForShutdown()
	r.waitFor(t, "stop A", 1)
	if ns, err = natsrv.Start(natsrv.Options{Port: port, StoreDir: dir}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	deadline := time.Now().Add(30 * time.Second)
	for len(r.snapshot()) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("nobody held the lease after the restart: %v", r.snapshot())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(2 * ttl)
	// Whoever re-created the bucket and campaigned first: one of them.
	got := r.snapshot()
	if len(got) != 3 || got[0] != "start A" || got[1] != "stop A" || !strings.HasPrefix(got[2], "start ") {
		t.Fatalf("after the restart: %v", got)
	}
	t.Logf("after the restart: %v", got)
	r.check(t)
}
