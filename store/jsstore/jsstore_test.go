package jsstore

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/natsrv"
	"github.com/mh3net/mh3net/store"
	"github.com/mh3net/mh3net/store/storetest"
)

// backend is a real NATS server on loopback, restartable on the same
// port and directory.
type backend struct {
	dir  string
	port int
	ns   *natsserver.Server
}

func newBackend(t *testing.T) *backend {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &backend{dir: t.TempDir(), port: l.Addr().(*net.TCPAddr).Port}
	l.Close()
	b.start(t)
	t.Cleanup(func() { b.ns.Shutdown(); b.ns.WaitForShutdown() })
	return b
}

func (b *backend) start(t *testing.T) {
	ns, err := natsrv.Start(natsrv.Options{Port: b.port, StoreDir: b.dir})
	if err != nil {
		t.Fatal(err)
	}
	b.ns = ns
}

func (b *backend) Open(t *testing.T) store.Store {
	nc, err := nats.Connect(b.ns.ClientURL(), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Open(ctx, nc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (b *backend) Restart(t *testing.T) {
	b.ns.Shutdown()
	b.ns.WaitForShutdown()
	b.start(t)
}

func TestAcceptance(t *testing.T) {
	storetest.Run(t, newBackend(t))
}

func BenchmarkAppend(b *testing.B) {
	be := &backend{dir: b.TempDir(), port: -1}
	ns, err := natsrv.Start(natsrv.Options{Port: -1, StoreDir: be.dir})
	if err != nil {
		b.Fatal(err)
	}
	defer ns.Shutdown()
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	s, err := Open(context.Background(), nc, Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, writers := range []int{1, 16} {
		b.Run(map[int]string{1: "1writer", 16: "16writers"}[writers], func(b *testing.B) {
			b.SetParallelism(writers)
			b.RunParallel(func(pb *testing.PB) {
				stream := events.NewID()
				var v uint64
				for pb.Next() {
					e, _ := events.Encode(events.NewID(), events.ConsoleCreated{SupportCode: stream})
					nv, err := s.Append(context.Background(), "bench."+stream, v, []events.Envelope{e})
					if err != nil {
						b.Error(err)
						return
					}
					v = nv
				}
			})
		})
	}
}

// BenchmarkReplay1M appends a million events (in appends of 1000) and
// times replaying the log from zero. Run with -benchtime 1x.
func BenchmarkReplay1M(b *testing.B) {
	ns, err := natsrv.Start(natsrv.Options{Port: -1, StoreDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer ns.Shutdown()
	nc, _ := nats.Connect(ns.ClientURL())
	defer nc.Close()
	ctx := context.Background()
	s, err := Open(ctx, nc, Options{})
	if err != nil {
		b.Fatal(err)
	}
	const total, per = 1_000_000, 1000
	for i := 0; i < total/per; i++ {
		batch := make([]events.Envelope, per)
		for k := range batch {
			batch[k], _ = events.Encode(events.NewID(), events.ConsoleCreated{SupportCode: "X"})
		}
		stream := "replay." + strconv.Itoa(i%100)
		if _, err := s.Append(ctx, stream, uint64(i/100*per), batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	t0 := time.Now()
	sctx, cancel := context.WithCancel(ctx)
	n := 0
	s.Subscribe(sctx, 1, func(events.Envelope) error {
		if n++; n == total {
			cancel()
		}
		return nil
	})
	b.ReportMetric(float64(total)/time.Since(t0).Seconds(), "replayed-events/s")
}
