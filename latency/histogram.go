package latency

import (
	"math/bits"
	"sync"
	"time"
)

// Histogram counts durations in logarithmic buckets, so a long run's
// percentiles take constant memory (about 30 KB) instead of one sample
// each. Below 64 ns a bucket is 1 ns wide; above, a bucket is 1/64 of
// its power of two wide, so a percentile is within 1.6 % of the sample
// it stands for. Safe for concurrent use; the zero value is empty.
type Histogram struct {
	mu     sync.Mutex
	counts [histBuckets]uint64
	n      uint64
	max    time.Duration
}

const (
	histSub     = 64 // buckets per power of two (and the exact range below it)
	histShift   = 6  // log2(histSub)
	histBuckets = histSub + (64-histShift)*histSub
)

// bucketOf is the bucket of a non-negative duration.
func bucketOf(d time.Duration) int {
	v := uint64(max(d, 0))
	if v < histSub {
		return int(v)
	}
	e := bits.Len64(v) - histShift - 1 // v>>e is in [histSub, 2*histSub)
	return histSub + e*histSub + int(v>>e) - histSub
}

// upper is the largest duration bucket b holds.
func upper(b int) time.Duration {
	if b < histSub {
		return time.Duration(b)
	}
	e := (b - histSub) / histSub
	m := uint64(b-histSub)%histSub + histSub
	return time.Duration((m+1)<<e - 1)
}

// Add records one sample (a negative one counts as 0).
func (h *Histogram) Add(d time.Duration) {
	b := bucketOf(d)
	h.mu.Lock()
	h.counts[b]++
	h.n++
	h.max = max(h.max, d)
	h.mu.Unlock()
}

// Count is the number of samples.
func (h *Histogram) Count() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}

// Max is the largest sample, exactly.
func (h *Histogram) Max() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.max
}

// Merge adds o's samples to h.
func (h *Histogram) Merge(o *Histogram) {
	o.mu.Lock()
	counts, n, mx := o.counts, o.n, o.max
	o.mu.Unlock()
	h.mu.Lock()
	for i, c := range counts {
		h.counts[i] += c
	}
	h.n += n
	h.max = max(h.max, mx)
	h.mu.Unlock()
}

// Percentiles returns the given percentiles (0..100): for each, the upper
// bound of the bucket holding the sample of that rank, never above the
// largest sample; 0 when there are none.
func (h *Histogram) Percentiles(ps ...float64) []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]time.Duration, len(ps))
	if h.n == 0 {
		return out
	}
	for i, p := range ps {
		rank := uint64(p / 100 * float64(h.n)) // 0-based rank of the sample, as Recorder takes it
		rank = min(rank, h.n-1)
		var seen uint64
		for b, c := range h.counts {
			seen += c
			if seen > rank {
				out[i] = min(upper(b), h.max)
				break
			}
		}
	}
	return out
}
