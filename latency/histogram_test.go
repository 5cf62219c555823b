package latency

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestHistogramBuckets(t *testing.T) {
	prev := -1
	for _, d := range []time.Duration{0, 1, 63, 64, 65, 127, 128, 1000, time.Millisecond, time.Second, time.Hour, 1<<63 - 1} {
		b := bucketOf(d)
		if b < prev || b >= histBuckets {
			t.Fatalf("bucket of %v is %d (previous %d, %d buckets)", d, b, prev, histBuckets)
		}
		prev = b
		if up := upper(b); up < d || (d >= histSub && float64(up-d) > float64(d)/histSub) {
			t.Fatalf("%v in bucket %d whose upper bound is %v", d, b, up)
		}
		if b > 0 && upper(b-1) >= d {
			t.Fatalf("%v belongs below bucket %d (the one before ends at %v)", d, b, upper(b-1))
		}
	}
}

// The histogram's percentiles are those of the exact samples, within a
// bucket's width.
func TestHistogramAgreesWithRecorder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h, a, b Histogram
	rec := NewRecorder()
	for i := 0; i < 20000; i++ {
		d := time.Duration(r.ExpFloat64() * float64(3*time.Millisecond))
		h.Add(d)
		rec.Add(d)
		if i%2 == 0 {
			a.Add(d)
		} else {
			b.Add(d)
		}
	}
	a.Merge(&b)
	ps := []int{0, 50, 90, 99, 100}
	want := rec.Percentiles(ps...)
	for i, p := range ps {
		for _, hh := range []*Histogram{&h, &a} {
			got := hh.Percentiles(float64(p))[0]
			if got < want[i] || float64(got-want[i]) > float64(want[i])/histSub+1 {
				t.Errorf("p%d: histogram %v, exact %v", p, got, want[i])
			}
		}
	}
	if h.Count() != 20000 || a.Count() != 20000 {
		t.Fatalf("counts %d and %d", h.Count(), a.Count())
	}
	s := slices.Clone(rec.samples)
	if h.Max() != slices.Max(s) || a.Max() != h.Max() {
		t.Fatalf("max %v / %v, want %v", h.Max(), a.Max(), slices.Max(s))
	}
	var empty Histogram
	if got := empty.Percentiles(50); got[0] != 0 {
		t.Fatalf("empty histogram p50 %v", got[0])
	}
}
