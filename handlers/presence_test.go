package handlers

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mh3net/mh3net/natsrv"
)

// The population view keeps following the online bucket across a NATS
// restart (a KV watcher alone does not).
func TestPresenceSurvivesNATSRestart(t *testing.T) {
	defer func(d time.Duration) { viewResync = d }(viewResync)
	viewResync = time.Second
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
	nc, err := nats.Connect(ns.ClientURL(), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: bucketOnline, Storage: jetstream.FileStorage})
	if err != nil {
		t.Fatal(err)
	}
	p, err := watchKV[Presence](ctx, kv, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer p.stop()
	put := func(key string, server int) {
		b, _ := json.Marshal(Presence{Conn: key, FmpServer: server, Since: time.Now()})
		for {
			// Each try is bounded: a put sent while NATS restarts may
			// never be acknowledged.
			pctx, pcancel := context.WithTimeout(ctx, 2*time.Second)
			_, err := kv.Put(pctx, key, b)
			pcancel()
			if err == nil {
				return
			} else if ctx.Err() != nil {
				t.Fatal(err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor := func(server, want int) {
		count := func() int {
			n := 0
			entries, _ := p.snapshot()
			for _, e := range entries {
				if e.FmpServer == server {
					n++
				}
			}
			return n
		}
		for count() != want {
			if ctx.Err() != nil {
				t.Fatalf("server %d population %d, want %d", server, count(), want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	put("A", 1)
	waitFor(1, 1)
	ns.Shutdown()
	ns.WaitForShutdown()
	ns, err = natsrv.Start(natsrv.Options{Port: port, StoreDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Shutdown()
	put("B", 1)
	waitFor(1, 2)
}
