package bus

import (
	"context"

	"github.com/nats-io/nats.go/jetstream"
)

// Replicated is js with every stream and KV bucket it creates or updates
// given n replicas unless its configuration names a number: the event
// log, the feed, the leases and the handlers' buckets all take the
// deployment's replication from one place (n = 3 in a 3-node NATS
// cluster). n <= 1 returns js unchanged.
func Replicated(js jetstream.JetStream, n int) jetstream.JetStream {
	if n <= 1 {
		return js
	}
	return replicated{JetStream: js, n: n}
}

type replicated struct {
	jetstream.JetStream
	n int
}

func (r replicated) kv(c jetstream.KeyValueConfig) jetstream.KeyValueConfig {
	if c.Replicas == 0 {
		c.Replicas = r.n
	}
	return c
}

func (r replicated) stream(c jetstream.StreamConfig) jetstream.StreamConfig {
	if c.Replicas == 0 {
		c.Replicas = r.n
	}
	return c
}

func (r replicated) CreateKeyValue(ctx context.Context, c jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	return r.JetStream.CreateKeyValue(ctx, r.kv(c))
}

func (r replicated) UpdateKeyValue(ctx context.Context, c jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	return r.JetStream.UpdateKeyValue(ctx, r.kv(c))
}

func (r replicated) CreateOrUpdateKeyValue(ctx context.Context, c jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	return r.JetStream.CreateOrUpdateKeyValue(ctx, r.kv(c))
}

func (r replicated) CreateStream(ctx context.Context, c jetstream.StreamConfig) (jetstream.Stream, error) {
	return r.JetStream.CreateStream(ctx, r.stream(c))
}

func (r replicated) UpdateStream(ctx context.Context, c jetstream.StreamConfig) (jetstream.Stream, error) {
	return r.JetStream.UpdateStream(ctx, r.stream(c))
}

func (r replicated) CreateOrUpdateStream(ctx context.Context, c jetstream.StreamConfig) (jetstream.Stream, error) {
	return r.JetStream.CreateOrUpdateStream(ctx, r.stream(c))
}
