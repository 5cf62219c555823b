package metrics

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/pat"
	"github.com/mh3net/mh3net/store"
)

// gather reads the set through its HTTP handler and the text parser, as
// Prometheus would.
func gather(t *testing.T, s *Set) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("/metrics: %d", rec.Code)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return fams
}

func value(f *dto.MetricFamily, labels ...string) float64 {
	if f == nil {
		return -1
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return -1
}

type fakeStore struct {
	store.Store
	err error
}

func (f fakeStore) Append(context.Context, string, uint64, []events.Envelope) (uint64, error) {
	return 1, f.err
}

// touchAll makes every metric of s have a sample.
func touchAll(t *testing.T, s *Set) {
	e := s.Edge("fmp", "E1")
	e.ConnOpened()
	e.Request(pat.IDReqLayerStart, OK, time.Millisecond)
	e.Notification(pat.IDNtcLayerChat, OK)
	e.Retry()
	e.UnknownFrame()
	e.Fanout(3)
	h := s.Handlers()
	h.Request("fmp", pat.IDReqLayerStart, OK, time.Millisecond)
	h.Login(time.Second)
	s.Store(fakeStore{}, "jetstream").Append(context.Background(), "s", 0, nil)
	s.Store(fakeStore{err: &store.ConflictError{}}, "jetstream").Append(context.Background(), "s", 0, nil)
	s.Store(fakeStore{err: errors.New("down")}, "jetstream").Append(context.Background(), "s", 0, nil)
	s.WatchProjections(func(context.Context) (uint64, error) { return 5 << 16, nil }, 16,
		map[string]func() uint64{"world": func() uint64 { return 3<<16 | 7 }})
	// A connection that never reached a server: its statistics serve.
	nc, err := nats.Connect("nats://127.0.0.1:1", nats.RetryOnFailedConnect(true), nats.MaxReconnects(0), nats.ReconnectWait(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	s.WatchNATS(nc)
}

func TestMetrics(t *testing.T) {
	s := New("up")
	touchAll(t, s)
	fams := gather(t, s)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"mh3net_info", []string{"role", "up"}, 1},
		{"mh3net_edge_connections", []string{"server", "fmp", "edge", "E1"}, 1},
		{"mh3net_edge_requests_total", []string{"packet", "ReqLayerStart", "outcome", "ok"}, 1},
		{"mh3net_edge_requests_total", []string{"packet", "ReqLayerStart", "outcome", "timeout"}, 0},
		{"mh3net_edge_requests_total", []string{"packet", "NtcLayerChat", "outcome", "ok"}, 1},
		{"mh3net_edge_request_duration_seconds", []string{"server", "fmp"}, 1},
		{"mh3net_edge_request_retries_total", nil, 1},
		{"mh3net_edge_unknown_frames_total", nil, 1},
		{"mh3net_edge_room_fanout", nil, 1},
		{"mh3net_handler_requests_total", []string{"server", "fmp", "packet", "ReqLayerStart", "outcome", "ok"}, 1},
		{"mh3net_handler_duration_seconds", []string{"server", "fmp", "packet", "ReqLayerStart"}, 1},
		{"mh3net_logins_total", nil, 1},
		{"mh3net_login_duration_seconds", nil, 1},
		{"mh3net_store_append_duration_seconds", []string{"backend", "jetstream"}, 3},
		{"mh3net_store_append_conflicts_total", []string{"backend", "jetstream"}, 1},
		{"mh3net_store_append_errors_total", []string{"backend", "jetstream"}, 1},
		{"mh3net_projection_lag", []string{"view", "world"}, 2}, // appends behind
		{"mh3net_nats_reconnects_total", nil, 0},
	} {
		if got := value(fams[c.name], c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	for _, name := range []string{"go_goroutines", "go_memstats_alloc_bytes", "process_cpu_seconds_total"} {
		if fams[name] == nil {
			t.Errorf("%s missing", name)
		}
	}
}

// Unknown ids share one "unknown" packet label, so what a client sends
// cannot grow the label set.
func TestUnknownPacketsCollapse(t *testing.T) {
	s := New("edge")
	e := s.Edge("lmp", "E")
	h := s.Handlers()
	for id := pat.ID(0x12340000); id < 0x12340000+100; id++ {
		e.Request(id, Error, 0)
		h.Request("lmp", id, Ignored, 0)
	}
	h.Request("nonsense", pat.IDReqLineCheck, OK, 0)
	fams := gather(t, s)
	for _, name := range []string{"mh3net_edge_requests_total", "mh3net_handler_requests_total"} {
		packets := map[string]bool{}
		for _, m := range fams[name].GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "packet" {
					packets[l.GetValue()] = true
				}
			}
		}
		if len(packets) > 2 || !packets["unknown"] {
			t.Errorf("%s: packet labels %v", name, packets)
		}
	}
	if got := value(fams["mh3net_edge_requests_total"], "packet", "unknown", "outcome", "error"); got != 100 {
		t.Errorf("unknown errors: %v", got)
	}
	if got := value(fams["mh3net_handler_requests_total"], "server", "other", "packet", "ReqLineCheck", "outcome", "ok"); got != 1 {
		t.Errorf("an unexpected server: %v", got)
	}
}

// A nil set is metrics off: every handle is nil and every call returns.
func TestNilSetIsOff(t *testing.T) {
	var s *Set
	if s.Handler() != nil || s.Registry() != nil {
		t.Fatal("a nil set serves")
	}
	e := s.Edge("opn", "E")
	e.ConnOpened()
	e.ConnClosed()
	e.Request(pat.IDReqLineCheck, OK, time.Millisecond)
	e.Notification(pat.IDNtcLayerChat, OK)
	e.Retry()
	e.UnknownFrame()
	e.Fanout(2)
	h := s.Handlers()
	h.Request("opn", pat.IDReqLineCheck, OK, time.Millisecond)
	h.Login(time.Second)
	st := fakeStore{}
	if got := s.Store(st, "jetstream"); got != store.Store(st) {
		t.Fatal("a nil set wraps the store")
	}
	s.WatchNATS(nil)
	s.WatchProjections(nil, 0, nil)
}

// The example dashboard only queries metrics this package registers.
func TestDashboardQueriesExist(t *testing.T) {
	b, err := os.ReadFile("../docs/grafana/mh3net.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Templating struct {
			List []struct {
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
		Panels []struct {
			Title   string `json:"title"`
			Type    string `json:"type"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("dashboard is not JSON: %v", err)
	}
	datasource := false
	for _, v := range dash.Templating.List {
		if v.Type == "datasource" && v.Query == "prometheus" {
			datasource = true
		}
	}
	if !datasource {
		t.Error("no Prometheus datasource variable")
	}

	s := New("up")
	touchAll(t, s)
	fams := gather(t, s)
	exists := func(name string) bool {
		if fams[name] != nil {
			return true
		}
		for _, suffix := range []string{"_bucket", "_count", "_sum"} {
			if base, ok := strings.CutSuffix(name, suffix); ok {
				if f := fams[base]; f != nil && (f.GetType() == dto.MetricType_HISTOGRAM || f.GetType() == dto.MetricType_SUMMARY) {
					return true
				}
			}
		}
		return false
	}
	ident := regexp.MustCompile(`\b(?:mh3net|go|process)_[a-zA-Z0-9_]+`)
	used := map[string]bool{}
	for _, p := range dash.Panels {
		if p.Type != "row" && len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			names := ident.FindAllString(tg.Expr, -1)
			if len(names) == 0 {
				t.Errorf("panel %q: %q queries no metric", p.Title, tg.Expr)
			}
			for _, n := range names {
				used[n] = true
				if !exists(n) {
					t.Errorf("panel %q queries %s, which is not registered", p.Title, n)
				}
			}
		}
	}
	// Every mh3net metric has a panel.
	for name := range fams {
		if !strings.HasPrefix(name, "mh3net_") {
			continue
		}
		found := false
		for u := range used {
			if u == name || strings.HasPrefix(u, name+"_") {
				found = true
			}
		}
		if !found {
			t.Errorf("no panel shows %s", name)
		}
	}
}

// BenchmarkRequest is the instrumentation of one request at an edge and
// at a handler (the round trip's share of the metrics).
func BenchmarkRequest(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "off"
		var s *Set
		if on {
			name, s = "on", New("up")
		}
		b.Run(name, func(b *testing.B) {
			e := s.Edge("lmp", "E")
			h := s.Handlers()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					e.Request(pat.IDReqFmpListVersion, OK, 300*time.Microsecond)
					h.Request("lmp", pat.IDReqFmpListVersion, OK, 100*time.Microsecond)
				}
			})
		})
	}
}

// BenchmarkScrape is one /metrics request with 60 packets seen on each
// of fmp's edge and handlers (about 1 500 series with the buckets).
func BenchmarkScrape(b *testing.B) {
	s := New("up")
	e, h := s.Edge("fmp", "E"), s.Handlers()
	n := 0
	for id := pat.ID(0x60000100); id < 0x70000000 && n < 60; id += 0x100 {
		if id.Name() != "" && (id.IsRequest() || id.IsNotification()) {
			e.Request(id, OK, time.Millisecond)
			h.Request("fmp", id, OK, time.Millisecond)
			n++
		}
	}
	if n < 60 {
		b.Fatalf("only %d packets", n)
	}
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	}
}
