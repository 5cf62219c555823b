package edge

import (
	"context"
	"encoding/json"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mh3net/mh3net/bus"
)

// Register keeps this listener's advertised address in the edges bucket
// until ctx ends, so handlers can send clients to it (AnsLmpConnect,
// AnsFmpInfo). The entry is refreshed every third of its lifetime and
// removed on a clean stop; a killed edge's entry expires by itself.
func (l *Listener) Register(ctx context.Context, js jetstream.JetStream, host string, port int) {
	key := l.cfg.Server + "." + l.cfg.EdgeID
	var kv jetstream.KeyValue
	put := func() {
		if kv == nil {
			var err error
			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			kv, err = js.CreateOrUpdateKeyValue(cctx, bus.EdgesBucketConfig())
			cancel()
			if err != nil {
				l.log.Warn("edge registry unavailable", "err", err)
				kv = nil
				return
			}
		}
		b, _ := json.Marshal(bus.EdgeAddr{Server: l.cfg.Server, Edge: l.cfg.EdgeID, Host: host, Port: port, Conns: l.Open()})
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if _, err := kv.Put(pctx, key, b); err != nil {
			l.log.Warn("refresh edge registration", "err", err)
			kv = nil // the bucket may be gone after a NATS restart: open it again
		}
	}
	put()
	t := time.NewTicker(bus.EdgeTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if kv != nil {
				dctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				kv.Delete(dctx, key)
				cancel()
			}
			return
		case <-t.C:
			put()
		}
	}
}
