// Package latency reports latency percentiles from benchmarks.
package latency

import (
	"slices"
	"testing"
	"time"
)

// Report adds p50 and p99 (µs) of the samples to the benchmark's output.
func Report(b *testing.B, samples []time.Duration) {
	if len(samples) == 0 {
		return
	}
	slices.Sort(samples)
	b.ReportMetric(float64(samples[len(samples)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(samples[len(samples)*99/100].Microseconds()), "p99-µs")
}
