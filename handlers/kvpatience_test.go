package handlers

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mh3net/mh3net/internal/testnats"
)

// A bucket write made while no stream answers for the bucket (here its
// stream deleted, as a NATS restart loses a memory bucket, until it is
// made again; in a cluster, the moments a replicated bucket elects its
// leader) waits and is stored once the bucket is back, where nats.go
// alone gives up after half a second. Past its context it still ends.
func TestBucketWritesWaitForTheirStream(t *testing.T) {
	_, nc := testnats.Start(t)
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := openBuckets(ctx, js, time.Minute, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	var cfg jetstream.KeyValueConfig
	for _, c := range b.configs() {
		if c.cfg.Bucket == bucketOnline {
			cfg = c.cfg
		}
	}
	if err := js.DeleteKeyValue(ctx, bucketOnline); err != nil {
		t.Fatal(err)
	}
	type result struct {
		rev uint64
		err error
	}
	done := make(chan result, 1)
	go func() {
		rev, err := b.online.Create(ctx, "ABCDEF", []byte(`{}`))
		done <- result{rev, err}
	}()
	select {
	case r := <-done:
		t.Fatalf("a write without its bucket ended: %v", r.err)
	case <-time.After(1500 * time.Millisecond):
	}
	if _, err := js.CreateOrUpdateKeyValue(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || r.rev != 1 {
		t.Fatalf("once the bucket is back: revision %d, %v", r.rev, r.err)
	}
	if _, err := b.online.Update(ctx, "ABCDEF", []byte(`{"x":1}`), r.rev); err != nil {
		t.Fatal(err)
	}
	if err := js.DeleteKeyValue(ctx, bucketOnline); err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancelShort()
	if err := b.online.Delete(short, "ABCDEF"); !errors.Is(err, jetstream.ErrNoStreamResponse) && !errors.Is(err, nats.ErrNoResponders) && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a delete past its context: %v", err)
	}
}
