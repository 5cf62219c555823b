package ops

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/internal/testnats"
)

const token = "0123456789abcdef0123456789abcdef-ops"

// startOps runs an operator server of role on a fresh NATS, with fn
// answering every admin subject (nil: nobody answers).
func startOps(t *testing.T, role string, fn func(*nats.Msg)) string {
	t.Helper()
	_, nc := testnats.Start(t)
	if fn != nil {
		if _, err := nc.Subscribe(bus.OpsAdminPrefix+"*", fn); err != nil {
			t.Fatal(err)
		}
		nc.Flush()
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s, err := Start(ctx, Config{Addr: "127.0.0.1:0", Token: token, Role: role, NC: nc, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return "http://" + s.Addr().String()
}

func do(t *testing.T, method, url, auth, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAdminForwarding: the HTTP side checks the token, bounds and parses
// the body, forwards the typed request with who sent it, and maps the
// handlers' refusals to HTTP statuses.
func TestAdminForwarding(t *testing.T) {
	got := make(chan *nats.Msg, 8)
	base := startOps(t, "handlers", func(m *nats.Msg) {
		got <- m
		if strings.HasSuffix(m.Subject, "."+bus.AdminKick) {
			r := nats.NewMsg(m.Reply)
			r.Header.Set(micro.ErrorCodeHeader, "404")
			r.Header.Set(micro.ErrorHeader, "ABCDEF is not online")
			m.RespondMsg(r)
			return
		}
		m.Respond([]byte(`{"ok":true}`))
	})
	bearer := "Bearer " + token
	if code, _ := do(t, "PUT", base+"/api/admin/announcement", "", `{"text":"x"}`); code != 401 {
		t.Fatalf("no token: %d", code)
	}
	if code, _ := do(t, "PUT", base+"/api/admin/announcement", "Bearer x"+token, `{"text":"x"}`); code != 401 {
		t.Fatalf("wrong token: %d", code)
	}
	if len(got) != 0 {
		t.Fatal("an unauthorized call was forwarded")
	}

	code, body := do(t, "PUT", base+"/api/admin/announcement", bearer, `{"text":"Hunt!"}`)
	if code != 200 || !strings.Contains(body, `"ok":true`) {
		t.Fatalf("PUT announcement: %d %s", code, body)
	}
	m := <-got
	var a bus.AdminAnnouncement
	if m.Subject != bus.AdminSubject(bus.AdminAnnounce) || json.Unmarshal(m.Data, &a) != nil || a.Text != "Hunt!" {
		t.Fatalf("forwarded %s %s", m.Subject, m.Data)
	}
	if !strings.HasPrefix(m.Header.Get(bus.HeaderRemote), "127.0.0.1:") || m.Header.Get(bus.HeaderAdminVia) != "handlers" {
		t.Fatalf("forwarded headers %v", m.Header)
	}

	code, _ = do(t, "GET", base+"/api/admin/hunters?q=Bob&limit=7", bearer, "")
	m = <-got
	var q bus.AdminHuntersQuery
	if code != 200 || json.Unmarshal(m.Data, &q) != nil || q.Q != "Bob" || q.Limit != 7 {
		t.Fatalf("hunters: %d, forwarded %s", code, m.Data)
	}

	if code, body := do(t, "POST", base+"/api/admin/kick", bearer, `{"capcom_id":"ABCDEF"}`); code != 404 || !strings.Contains(body, "not online") {
		t.Fatalf("a refusal: %d %s", code, body)
	}
	<-got
	for _, tc := range []struct {
		method, path, body string
		want               int
	}{
		{"PUT", "/api/admin/announcement", `{"text":"` + strings.Repeat("x", maxAdminBody) + `"}`, 413},
		{"PUT", "/api/admin/announcement", `{"text":"x","extra":1}`, 400},
		{"PUT", "/api/admin/announcement", `not json`, 400},
		{"POST", "/api/admin/broadcast", `{"server":"1"}`, 400},
		{"GET", "/api/admin/hunters?limit=9999", "", 400},
		{"GET", "/api/admin/log?limit=x", "", 400},
		{"DELETE", "/api/admin/announcement", "", 405},
	} {
		if code, body := do(t, tc.method, base+tc.path, bearer, tc.body); code != tc.want {
			t.Errorf("%s %s: %d %s, want %d", tc.method, tc.path, code, body, tc.want)
		}
	}
	if len(got) != 0 {
		t.Fatal("a bad call was forwarded")
	}
}

// TestAdminOnAnEdgeOrWithoutHandlers: an edge's operator server refuses
// admin calls (its NATS user may not send them); with no handler
// running, a call is 503 too.
func TestAdminOnAnEdgeOrWithoutHandlers(t *testing.T) {
	base := startOps(t, "edge", func(m *nats.Msg) { t.Error("an edge forwarded an admin call") })
	code, body := do(t, "PUT", base+"/api/admin/maintenance", "Bearer "+token, `{"on":true}`)
	if code != 503 || !strings.Contains(body, "edge") {
		t.Fatalf("edge: %d %s", code, body)
	}
	if code, _ := do(t, "PUT", base+"/api/admin/maintenance", "", `{"on":true}`); code != 401 {
		t.Fatalf("edge without a token: %d", code)
	}
	base = startOps(t, "handlers", nil)
	if code, body := do(t, "GET", base+"/api/admin/log", "Bearer "+token, ""); code != 503 || !strings.Contains(body, "no handlers") {
		t.Fatalf("no handlers: %d %s", code, body)
	}
}
