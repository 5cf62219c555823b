package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/internal/testport"
	"github.com/mh3net/mh3net/metrics"
	"github.com/mh3net/mh3net/natsrv"
	"github.com/mh3net/mh3net/pat"
	"github.com/mh3net/mh3net/pgtest"
)

// scrape reads /metrics with the Prometheus text parser.
func scrape(t *testing.T, s *Server) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get("http://" + s.HTTPAddr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return fams
}

// sample sums a family's samples whose labels include want (counters,
// gauges; a histogram's count).
func sample(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	f := fams[name]
	if f == nil {
		return 0
	}
	var sum float64
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		case m.Untyped != nil:
			sum += m.Untyped.GetValue()
		}
	}
	return sum
}

// TestMetricsMoveUnderLoad logs hunters in through a whole server with
// --http and reads /metrics before and after: the counters of logins,
// requests and appends grow, the connections gauge follows the open
// FMP connections.
func TestMetricsMoveUnderLoad(t *testing.T) {
	s := start(t, Config{HTTPAddr: fmt.Sprintf("127.0.0.1:%d", testport.Get(t))})
	before := scrape(t, s)
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total", "mh3net_info"} {
		if before[name] == nil {
			t.Errorf("%s missing", name)
		}
	}

	const hunters = 3
	var open []*gameclient.Client
	for i := range hunters {
		f, _, err := gameclient.LoginToFMP(s.Addr("opn").String(), &gameclient.Console{}, false, fmt.Sprintf("Metric%d", i), 1)
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, f)
	}
	defer func() {
		for _, f := range open {
			f.Close()
		}
	}()
	// Two of them meet at a gate; one's chat is relayed to the other
	// through the gate's room.
	a, b := open[0], open[1]
	for _, h := range []*gameclient.Client{a, b} {
		if _, _, err := h.Arrive(1); err != nil {
			t.Fatal(err)
		}
		if err := h.Down(1); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Notice(pat.IDNtcLayerIn, &pat.NtcLayerIn{}); err != nil {
		t.Fatal(err)
	}
	if err := a.Chat("metrics"); err != nil {
		t.Fatal(err)
	}
	if _, text, err := b.Heard(); err != nil || text != "metrics" {
		t.Fatalf("heard %q, %v", text, err)
	}
	// The handler counts the chat once it has relayed it: B may hear it
	// first. Scrape until it is counted (or give up and let the check
	// below say so).
	chat := map[string]string{"server": "fmp", "packet": "NtcLayerChat", "outcome": "ok"}
	after := scrape(t, s)
	for deadline := time.Now().Add(10 * time.Second); sample(after, "mh3net_handler_requests_total", chat) <= sample(before, "mh3net_handler_requests_total", chat) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		after = scrape(t, s)
	}

	grew := func(name string, labels map[string]string, by float64) {
		t.Helper()
		b, a := sample(before, name, labels), sample(after, name, labels)
		if a-b < by {
			t.Errorf("%s%v: %v before, %v after, want +%v", name, labels, b, a, by)
		}
	}
	grew("mh3net_logins_total", nil, hunters)
	grew("mh3net_login_duration_seconds", nil, hunters)
	grew("mh3net_edge_requests_total", map[string]string{"server": "lmp", "packet": "ReqTicket", "outcome": "ok"}, hunters)
	grew("mh3net_edge_requests_total", map[string]string{"server": "fmp", "packet": "AnsConnection", "outcome": "ok"}, hunters)
	grew("mh3net_edge_request_duration_seconds", map[string]string{"server": "lmp"}, hunters)
	grew("mh3net_handler_requests_total", map[string]string{"server": "lmp", "packet": "ReqUserObject", "outcome": "ok"}, hunters)
	grew("mh3net_handler_duration_seconds", map[string]string{"server": "opn"}, hunters)
	grew("mh3net_store_append_duration_seconds", map[string]string{"backend": "jetstream"}, hunters)
	grew("mh3net_edge_requests_total", map[string]string{"server": "fmp", "packet": "NtcLayerChat", "outcome": "ok"}, 1)
	grew("mh3net_handler_requests_total", map[string]string{"server": "fmp", "packet": "NtcLayerChat", "outcome": "ok"}, 1)
	grew("mh3net_edge_room_fanout", map[string]string{"server": "fmp"}, 1)
	if got := after["mh3net_edge_room_fanout"].GetMetric()[0].GetHistogram().GetSampleSum(); got < 1 {
		t.Errorf("room deliveries: %v", got)
	}
	if got := sample(after, "mh3net_edge_connections", map[string]string{"server": "fmp"}); got != hunters {
		t.Errorf("fmp connections: %v, want %d", got, hunters)
	}
	if after["mh3net_projection_lag"] == nil {
		t.Error("mh3net_projection_lag missing")
	}
	if after["mh3net_nats_reconnects_total"] == nil {
		t.Error("mh3net_nats_reconnects_total missing")
	}
	// Every packet label is a name from pat's table or "unknown".
	for _, name := range []string{"mh3net_edge_requests_total", "mh3net_handler_requests_total"} {
		for _, m := range after[name].GetMetric() {
			for _, l := range m.GetLabel() {
				if v := l.GetValue(); l.GetName() == "packet" && v != "unknown" && !strings.HasPrefix(v, "Req") && !strings.HasPrefix(v, "Ans") && !strings.HasPrefix(v, "Ntc") {
					t.Errorf("%s: packet label %q", name, l.GetValue())
				}
			}
		}
	}
}

// TestNoMetricsWithoutHTTP: without --http the server runs with metrics
// off and serves nothing.
func TestNoMetricsWithoutHTTP(t *testing.T) {
	s := start(t, Config{})
	if s.HTTPAddr() != nil {
		t.Fatal("an HTTP server without HTTPAddr")
	}
	if s.cfg.Metrics != nil {
		t.Fatal("metrics on without HTTPAddr")
	}
}

// BenchmarkRoundTripMetrics is BenchmarkRoundTrip's request with the
// metrics off (no set: every handle nil) and on (a set, as --http makes;
// nobody scrapes it). allocs/op counts the whole process: client, edge
// and handlers.
func BenchmarkRoundTripMetrics(b *testing.B) {
	for _, on := range []bool{false, true} {
		name, cfg := "off", Config{RequestRate: 1e9, RequestBurst: 1 << 20}
		if on {
			name, cfg.Metrics = "on", metrics.New("up")
		}
		b.Run(name, func(b *testing.B) {
			s := start(b, cfg)
			c, err := gameclient.Dial(s.Addr("lmp").String())
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Greet(&gameclient.Console{}, false); err != nil {
				b.Fatal(err)
			}
			var v pat.AnsFmpListVersion
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				if err := c.Call(&pat.ReqFmpListVersion{}, &v); err != nil {
					b.Fatal(err)
				}
			}
			// CPU time of the whole process (client, edge, NATS,
			// handlers) per request: steadier than wall time on a
			// shared machine, where waiting for a core dominates.
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// TestMetricsOnEveryRole: an edge process and a handlers process, each
// with --http, serve /metrics with their own role's metrics only.
func TestMetricsOnEveryRole(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ns, err := natsrv.Start(natsrv.Options{Port: -1, StoreDir: t.TempDir(), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	run := func(cfg Config) *Server {
		cfg.NATSURL, cfg.Logger = ns.ClientURL(), log
		cfg.Host, cfg.Advertise, cfg.Ports = "127.0.0.1", "127.0.0.1", map[string]int{}
		cfg.ConnectionDelay = 10 * time.Millisecond
		cfg.HTTPAddr = fmt.Sprintf("127.0.0.1:%d", testport.Get(t))
		s, err := Start(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	hs := run(Config{Handlers: true})
	ed := run(Config{Edge: true})
	f, _, err := gameclient.LoginFromLMP(ed.Addr("lmp").String(), ed.Addr("fmp").String(), &gameclient.Console{}, "Roles", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	edge, handlers := scrape(t, ed), scrape(t, hs)
	if sample(edge, "mh3net_info", map[string]string{"role": "edge"}) != 1 || sample(handlers, "mh3net_info", map[string]string{"role": "handlers"}) != 1 {
		t.Error("mh3net_info does not name the roles")
	}
	if got := sample(edge, "mh3net_edge_connections", map[string]string{"server": "fmp"}); got != 1 {
		t.Errorf("edge: fmp connections %v", got)
	}
	if got := sample(handlers, "mh3net_logins_total", nil); got != 1 {
		t.Errorf("handlers: logins %v", got)
	}
	for name := range edge {
		if strings.HasPrefix(name, "mh3net_handler_") || strings.HasPrefix(name, "mh3net_login") || strings.HasPrefix(name, "mh3net_store_") || name == "mh3net_projection_lag" {
			t.Errorf("the edge exports %s", name)
		}
	}
	for name := range handlers {
		if strings.HasPrefix(name, "mh3net_edge_") {
			t.Errorf("the handlers export %s", name)
		}
	}
	for _, fams := range []map[string]*dto.MetricFamily{edge, handlers} {
		if fams["mh3net_nats_reconnects_total"] == nil || fams["go_goroutines"] == nil {
			t.Error("a role without NATS or Go metrics")
		}
	}
}

// TestMetricsWithPostgres: with the Postgres log the appends are labelled
// postgres and the read models' lag (through the relay and the feed)
// reaches 0 once a login's events are applied.
func TestMetricsWithPostgres(t *testing.T) {
	pg := pgtest.Start(t)
	s := start(t, Config{Postgres: pg.URL(), HTTPAddr: fmt.Sprintf("127.0.0.1:%d", testport.Get(t))})
	f, _, err := gameclient.LoginToFMP(s.Addr("opn").String(), &gameclient.Console{}, false, "Pg", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fams := scrape(t, s)
	if got := sample(fams, "mh3net_store_append_duration_seconds", map[string]string{"backend": "postgres"}); got < 1 {
		t.Errorf("postgres appends: %v", got)
	}
	if fams["mh3net_store_append_duration_seconds"] != nil && sample(fams, "mh3net_store_append_duration_seconds", map[string]string{"backend": "jetstream"}) != 0 {
		t.Error("appends labelled jetstream")
	}
	// The lag is a gauge read at scrape time: wait for the views to
	// catch up rather than time anything.
	for i := 0; ; i++ {
		lag := fams["mh3net_projection_lag"]
		if lag != nil && len(lag.GetMetric()) == 2 && sample(fams, "mh3net_projection_lag", nil) == 0 {
			break
		}
		if i == 200 {
			t.Fatalf("projection lag never 0: %v", lag)
		}
		time.Sleep(50 * time.Millisecond)
		fams = scrape(t, s)
	}
}
