package pgstore

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/latency"
	"github.com/mh3net/mh3net/pgtest"
)

// BenchmarkAppend measures appends through the store with 1 and 16
// writers (one stream each), beside a raw pgx batched insert of the same
// rows into the same table in the same run.
func BenchmarkAppend(b *testing.B) {
	pg := pgtest.Start(b)
	ctx := context.Background()
	s, err := Open(ctx, pg.URL(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var run atomic.Int64
	for _, writers := range []int{1, 16} {
		b.Run(fmt.Sprintf("store-%dwriters", writers), func(b *testing.B) {
			r := run.Add(1)
			var next atomic.Int64
			var mu sync.Mutex
			var lat []time.Duration
			var wg sync.WaitGroup
			b.ResetTimer()
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					stream := fmt.Sprintf("bench.%d.%d", r, w)
					var v uint64
					var mine []time.Duration
					for next.Add(1) <= int64(b.N) {
						e, _ := events.Encode(events.NewID(), events.ConsoleCreated{SupportCode: stream})
						t0 := time.Now()
						nv, err := s.Append(ctx, stream, v, []events.Envelope{e})
						if err != nil {
							b.Error(err)
							return
						}
						mine = append(mine, time.Since(t0))
						v = nv
					}
					mu.Lock()
					lat = append(lat, mine...)
					mu.Unlock()
				}()
			}
			wg.Wait()
			b.StopTimer()
			latency.Report(b, lat)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
		})
	}
	for _, batch := range []int{16, 100} {
		b.Run(fmt.Sprintf("raw-batched-insert-%d", batch), func(b *testing.B) { rawInsert(b, s, fmt.Sprintf("raw.%d", run.Add(1)), batch) })
	}
}

// rawInsert inserts b.N rows in batches with plain pgx, no store logic.
func rawInsert(b *testing.B, s *Store, stream string, batch int) {
	b.ResetTimer()
	for i := 0; i < b.N; i += batch {
		rawBatch(b, s, stream, int64(i), min(batch, b.N-i))
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkReplay1M inserts a million events, then times sequencing them
// and replaying the log from zero through Subscribe. Run with -benchtime 1x.
func BenchmarkReplay1M(b *testing.B) {
	pg := pgtest.Start(b)
	ctx := context.Background()
	s, err := Open(ctx, pg.URL(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const total = 1_000_000
	for i := 0; i < total; i += 10_000 {
		rawBatch(b, s, fmt.Sprintf("replay.%d", i/100_000), int64(i%100_000), 10_000)
	}
	b.ResetTimer()
	t0 := time.Now()
	if _, err := s.LastPosition(ctx); err != nil {
		b.Fatal(err)
	}
	seq := time.Since(t0)
	t1 := time.Now()
	sctx, cancel := context.WithCancel(ctx)
	n := 0
	s.Subscribe(sctx, 1, func(events.Envelope) error {
		n++
		if n == total {
			cancel()
		}
		return nil
	})
	replay := time.Since(t1)
	b.ReportMetric(seq.Seconds(), "sequence-s")
	b.ReportMetric(float64(total)/replay.Seconds(), "replayed-events/s")
}

func rawBatch(b *testing.B, s *Store, stream string, first int64, n int) {
	vs, ids, ts, scs, tms, ds := make([]int64, n), make([]string, n), make([]string, n), make([]int32, n), make([]time.Time, n), make([]string, n)
	for k := 0; k < n; k++ {
		vs[k], ids[k], ts[k], scs[k], tms[k], ds[k] = first+int64(k)+1, events.NewID(), "ConsoleCreated", 1, time.Now(), `{"support_code":"X"}`
	}
	_, err := s.pool.Exec(context.Background(), `INSERT INTO events (stream, version, event_id, type, schema, time, data)
		SELECT $1, v, i, t, sc, tm, d::jsonb FROM unnest($2::bigint[], $3::text[], $4::text[], $5::int[], $6::timestamptz[], $7::text[]) AS x(v, i, t, sc, tm, d)`,
		stream, vs, ids, ts, scs, tms, ds)
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkLoad loads one stream of 10 000 events (interleaved with as
// many of another stream) whole and its last event only.
func BenchmarkLoad(b *testing.B) {
	pg := pgtest.Start(b)
	ctx := context.Background()
	s, err := Open(ctx, pg.URL(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const n = 10_000
	for i := int64(0); i < n; i += 100 {
		rawBatch(b, s, "long.1", i, 100)
		rawBatch(b, s, "noise.1", i, 100)
	}
	if _, err := s.LastPosition(ctx); err != nil {
		b.Fatal(err)
	}
	for _, from := range []uint64{1, n / 2, n - 9, n} {
		b.Run(fmt.Sprintf("from=%d", from), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				got, err := s.Load(ctx, "long.1", from)
				if err != nil || len(got) != int(n-from+1) {
					b.Fatalf("%d events, %v", len(got), err)
				}
			}
		})
	}
}
