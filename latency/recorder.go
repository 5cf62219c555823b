package latency

import (
	"slices"
	"sync"
	"time"
)

// Recorder collects samples from many goroutines.
type Recorder struct {
	mu      sync.Mutex
	samples []time.Duration
}

// NewRecorder makes an empty recorder.
func NewRecorder() *Recorder { return &Recorder{} }

// Add records one sample.
func (r *Recorder) Add(d time.Duration) {
	r.mu.Lock()
	r.samples = append(r.samples, d)
	r.mu.Unlock()
}

// Len is the number of samples.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.samples)
}

// Percentiles returns the given percentiles (0..100) of the samples.
func (r *Recorder) Percentiles(ps ...int) []time.Duration {
	r.mu.Lock()
	s := slices.Clone(r.samples)
	r.mu.Unlock()
	slices.Sort(s)
	out := make([]time.Duration, len(ps))
	if len(s) == 0 {
		return out
	}
	for i, p := range ps {
		out[i] = s[min(len(s)-1, len(s)*p/100)]
	}
	return out
}
