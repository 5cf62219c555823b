package natsrv

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// processCPU is the process's user and system CPU so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkInProcessRoundTrip is what one bus round trip costs a one-box
// server in CPU (cpu-µs/op, the whole process: client, server and the
// scheduler), made the way a login makes them: one at a time, with the
// process otherwise idle between them (pause), and busy back to back
// (pause 0). Compare with GOMAXPROCS=1 to see the share of waking the
// idle processor at each hand-off. The pause's own cost (a timer) is
// measured alone as "sleep".
func BenchmarkInProcessRoundTrip(b *testing.B) {
	for _, conn := range []string{"pipe", "buffered"} {
		b.Run(conn, func(b *testing.B) { benchRoundTrip(b, conn == "buffered") })
	}
}

func benchRoundTrip(b *testing.B, buffered bool) {
	ns, err := Start(Options{StoreDir: filepath.Join(b.TempDir(), "data")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(ns.Shutdown)
	var provider nats.InProcessConnProvider = ns
	if buffered {
		provider = InProcess{ns}
	}
	nc, err := nats.Connect("", nats.InProcessServer(provider))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(nc.Close)
	responder, err := nats.Connect("", nats.InProcessServer(provider))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(responder.Close)
	if _, err := responder.Subscribe("echo", func(m *nats.Msg) { m.Respond(m.Data) }); err != nil {
		b.Fatal(err)
	}
	if err := responder.Flush(); err != nil {
		b.Fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "bench", Storage: jetstream.MemoryStorage})
	if err != nil {
		b.Fatal(err)
	}
	value := []byte(`{"conn":"SslVhmunwuXB3i44HOaGzh","edge":"SslVhmunwuXB3i44HOZnJ9"}`)
	if _, err := kv.Put(ctx, "key", value); err != nil {
		b.Fatal(err)
	}
	ops := map[string]func() error{
		"sleep":   func() error { return nil },
		"kv-get":  func() error { _, err := kv.Get(ctx, "key"); return err },
		"kv-put":  func() error { _, err := kv.Put(ctx, "key", value); return err },
		"request": func() error { _, err := nc.Request("echo", value, 5*time.Second); return err },
	}
	for _, pause := range []time.Duration{200 * time.Microsecond, 0} {
		for _, name := range []string{"sleep", "kv-get", "kv-put", "request"} {
			if pause == 0 && name == "sleep" {
				continue
			}
			op := ops[name]
			b.Run(name+"/pause="+pause.String(), func(b *testing.B) {
				start := processCPU(b)
				for b.Loop() {
					if err := op(); err != nil {
						b.Fatal(err)
					}
					if pause > 0 {
						time.Sleep(pause)
					}
				}
				b.ReportMetric(float64(processCPU(b)-start)/float64(b.N)/1e3, "cpu-µs/op")
			})
		}
	}
}
