package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/natsrv"
	"github.com/mh3net/mh3net/pat"
)

const adminToken = "test-admin-token-0123456789abcdef0123456789"

// admin is an admin API client for one operator HTTP server.
type admin struct {
	t     *testing.T
	base  string
	token string
}

func adminOf(t *testing.T, s *Server) admin {
	t.Helper()
	if s.HTTPAddr() == nil {
		t.Fatal("no operator HTTP server")
	}
	return admin{t: t, base: "http://" + s.HTTPAddr().String(), token: adminToken}
}

// call sends a request and returns the status and body.
func (a admin) call(method, path string, body any) (int, []byte) {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// ok sends a request that must succeed and decodes its answer into out.
func (a admin) ok(method, path string, body, out any) {
	a.t.Helper()
	code, b := a.call(method, path, body)
	if code != http.StatusOK {
		a.t.Fatalf("%s %s: %d %s", method, path, code, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			a.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
}

// startAdminIn starts a one-box server with the admin API, its files in
// dir (so a second one can start on them); stop closes it once.
func startAdminIn(t *testing.T, dir string, cfg Config) (*Server, func()) {
	t.Helper()
	cfg.Edge, cfg.Handlers, cfg.DataDir = true, true, dir
	cfg.Host, cfg.Advertise, cfg.Ports = "127.0.0.1", "127.0.0.1", map[string]int{}
	cfg.ConnectionDelay = 10 * time.Millisecond
	cfg.HTTPAddr, cfg.AdminToken = "127.0.0.1:0", adminToken
	cfg.Logger = testLogger()
	s, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop := func() { once.Do(func() { s.Close() }) }
	t.Cleanup(stop)
	return s, stop
}

// opnGreet opens OPN and plays the greeting: the NtcLogin status.
func opnGreet(t *testing.T, s *Server) (*gameclient.Client, uint8) {
	t.Helper()
	c, err := gameclient.DialTLS(s.Addr("opn").String(), false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	status, err := c.Greet(&gameclient.Console{}, false)
	if err != nil {
		t.Fatal(err)
	}
	return c, status
}

// announcement is what a new login's ReqAnnounce answers.
func announcement(t *testing.T, s *Server) string {
	t.Helper()
	c, status := opnGreet(t, s)
	if status != 5 {
		t.Fatalf("OPN NtcLogin %d, want 5", status)
	}
	var a pat.AnsAnnounce
	if err := c.Call(&pat.ReqAnnounce{}, &a); err != nil {
		t.Fatal(err)
	}
	return string(a.Text)
}

func TestAdminNeedsTheToken(t *testing.T) {
	s, _ := startAdminIn(t, t.TempDir(), Config{})
	a := adminOf(t, s)
	for _, tc := range []struct {
		name, auth string
	}{{"none", ""}, {"wrong", "Bearer nope"}, {"prefix of the right one", "Bearer " + adminToken[:10]},
		{"not bearer", "Basic " + adminToken}, {"bare token", adminToken}} {
		for _, r := range []struct{ method, path string }{
			{"GET", "/api/admin/announcement"}, {"PUT", "/api/admin/announcement"}, {"PUT", "/api/admin/maintenance"},
			{"POST", "/api/admin/broadcast"}, {"POST", "/api/admin/kick"}, {"GET", "/api/admin/hunters"}, {"GET", "/api/admin/log"},
		} {
			req, _ := http.NewRequest(r.method, a.base+r.path, strings.NewReader(`{"text":"x","on":true}`))
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s: %s %s: %d, want 401", tc.name, r.method, r.path, resp.StatusCode)
			}
		}
	}
	// Nothing was set.
	var st bus.AdminStatus
	a.ok("GET", "/api/admin/announcement", nil, &st)
	if st.Custom || st.Maintenance || st.Version != 0 {
		t.Fatalf("state after refused calls: %+v", st)
	}

	// Bad input is refused before anything is stored.
	for _, tc := range []struct {
		method, path string
		body         any
		want         int
	}{
		{"PUT", "/api/admin/announcement", `{"text": 5}`, 400},
		{"PUT", "/api/admin/announcement", `{"txt": "typo"}`, 400},
		{"PUT", "/api/admin/announcement", `{"text": "a"} {"text": "b"}`, 400},
		{"PUT", "/api/admin/announcement", map[string]string{"text": "caf\u00e9"}, 400},
		{"PUT", "/api/admin/announcement", map[string]string{"text": "bell\a"}, 400},
		{"PUT", "/api/admin/announcement", map[string]string{"text": strings.Repeat("x", bus.MaxAnnouncement+1)}, 400},
		{"PUT", "/api/admin/announcement", `{"text":"` + strings.Repeat("x", 20<<10) + `"}`, 413},
		{"POST", "/api/admin/broadcast", map[string]any{"server": 99, "text": "hi"}, 404},
		{"POST", "/api/admin/broadcast", map[string]any{"server": 1, "gate": 999, "text": "hi"}, 404},
		{"POST", "/api/admin/broadcast", map[string]any{"server": 1, "city": 2, "text": "hi"}, 400},
		{"POST", "/api/admin/broadcast", map[string]any{"server": 1, "text": ""}, 400},
		{"POST", "/api/admin/broadcast", map[string]any{"server": 1, "text": "two\nlines"}, 400},
		{"POST", "/api/admin/kick", map[string]string{"capcom_id": "abc"}, 400},
		{"POST", "/api/admin/kick", map[string]string{"capcom_id": "AB.DEF"}, 400},
		{"POST", "/api/admin/kick", map[string]string{"capcom_id": "ABCDEF"}, 404},
		{"GET", "/api/admin/hunters?limit=501", nil, 400},
		{"GET", "/api/admin/log?limit=0", nil, 400},
	} {
		if code, b := a.call(tc.method, tc.path, tc.body); code != tc.want {
			t.Errorf("%s %s %v: %d %s, want %d", tc.method, tc.path, tc.body, code, b, tc.want)
		}
	}
	var log bus.AdminLogPage
	a.ok("GET", "/api/admin/log", nil, &log)
	if len(log.Events) != 0 {
		t.Fatalf("refused calls were logged: %+v", log.Events)
	}
}

// TestAdminAnnouncementSurvivesRestart: a set announcement is the next
// login's ReqAnnounce answer, and still is after the server restarts
// (it is an event in the log, folded again at start).
func TestAdminAnnouncementSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	s, stop := startAdminIn(t, dir, Config{})
	def := announcement(t, s)
	a := adminOf(t, s)
	var st bus.AdminStatus
	a.ok("PUT", "/api/admin/announcement", map[string]string{"text": "Lagiacrus week!\nDouble the fun."}, &st)
	want := "<BODY><LEFT>Lagiacrus week!<BR><BODY><LEFT>Double the fun.<END>"
	if !st.Custom || st.Announcement != want || st.Version != 1 {
		t.Fatalf("after PUT: %+v", st)
	}
	if got := announcement(t, s); got != want {
		t.Fatalf("ReqAnnounce after the PUT: %q, want %q", got, want)
	}
	stop()

	s, stop = startAdminIn(t, dir, Config{})
	if got := announcement(t, s); got != want {
		t.Fatalf("ReqAnnounce after a restart: %q, want %q", got, want)
	}
	a = adminOf(t, s)
	a.ok("GET", "/api/admin/announcement", nil, &st)
	if !st.Custom || st.Announcement != want {
		t.Fatalf("GET after a restart: %+v", st)
	}
	// Markup is sent as written; "" restores the configured text.
	a.ok("PUT", "/api/admin/announcement", map[string]string{"text": "<BODY><CENTER>Hi<END>"}, nil)
	if got := announcement(t, s); got != "<BODY><CENTER>Hi<END>" {
		t.Fatalf("markup announcement: %q", got)
	}
	a.ok("PUT", "/api/admin/announcement", map[string]string{"text": ""}, nil)
	if got := announcement(t, s); got != def {
		t.Fatalf("after clearing: %q, want the configured %q", got, def)
	}
	var log bus.AdminLogPage
	a.ok("GET", "/api/admin/log?limit=2", nil, &log)
	if len(log.Events) != 2 || log.Events[0].Version != 3 || log.Events[1].Version != 2 || log.Events[0].Type != "AnnouncementSet" {
		t.Fatalf("log: %+v", log.Events)
	}
	var ev struct {
		By struct{ Remote, Via string }
	}
	json.Unmarshal(log.Events[0].Data, &ev)
	if !strings.HasPrefix(ev.By.Remote, "127.0.0.1:") || ev.By.Via != "up" {
		t.Fatalf("audit actor: %s", log.Events[0].Data)
	}
	stop()
}

// TestAdminMaintenance: while on, a new login gets the game's maintenance
// path (NtcLogin 2 on OPN, then the text for ReqMaintenance) and cannot
// go on to LMP; a hunter already in stays; off lets logins in again.
func TestAdminMaintenance(t *testing.T) {
	s, _ := startAdminIn(t, t.TempDir(), Config{})
	a := adminOf(t, s)
	in := arrive(t, s, &gameclient.Console{}, "Early", 1)

	var st bus.AdminStatus
	a.ok("PUT", "/api/admin/maintenance", map[string]any{"on": true, "text": "Back at 10:00 UTC."}, &st)
	if !st.Maintenance || st.MaintenanceSince == nil {
		t.Fatalf("after on: %+v", st)
	}
	c, status := opnGreet(t, s)
	if status != 2 {
		t.Fatalf("OPN NtcLogin %d during maintenance, want 2", status)
	}
	var m pat.AnsMaintenance
	if err := c.Call(&pat.ReqMaintenance{}, &m); err != nil {
		t.Fatal(err)
	}
	if want := "<BODY><CENTER>Back at 10:00 UTC.<END>"; string(m.Text) != want {
		t.Fatalf("maintenance text %q, want %q", m.Text, want)
	}
	if _, err := c.Send(&pat.ReqLmpConnect{}); err != nil {
		t.Fatal(err)
	}
	if msg, err := c.ExpectShut(); err != nil || !strings.Contains(msg, "Back at 10:00 UTC.") {
		t.Fatalf("ReqLmpConnect during maintenance: %q %v", msg, err)
	}
	if _, err := gameclient.FullLogin(s.Addr("opn").String(), &gameclient.Console{}, false, "Late"); err == nil {
		t.Fatal("a whole login passed during maintenance")
	}
	// The hunter already in is served.
	if err := in.Call(&pat.ReqServerTime{}, &pat.AnsServerTime{}); err != nil {
		t.Fatalf("a hunter already in during maintenance: %v", err)
	}

	a.ok("PUT", "/api/admin/maintenance", map[string]any{"on": false}, &st)
	if st.Maintenance {
		t.Fatalf("after off: %+v", st)
	}
	if _, err := gameclient.FullLogin(s.Addr("opn").String(), &gameclient.Console{}, false, "Later"); err != nil {
		t.Fatalf("login after maintenance: %v", err)
	}
}

// TestAdminKickAndBroadcastAcrossEdges runs a one-box server and a second
// edge-only process on its NATS, a hunter behind each. The admin API
// (served by the first) lists both with their edges, a broadcast to
// their server reaches both, and a kick closes the connection with
// NtcShut on whichever edge holds it. The edge process's own --http
// refuses admin calls.
func TestAdminKickAndBroadcastAcrossEdges(t *testing.T) {
	one, _ := startAdminIn(t, t.TempDir(), Config{NATSPort: -1})
	two, err := Start(context.Background(), Config{Edge: true, NATSURL: one.NATS.ClientURL(),
		Host: "127.0.0.1", Advertise: "127.0.0.1", Ports: map[string]int{},
		HTTPAddr: "127.0.0.1:0", AdminToken: adminToken,
		ConnectionDelay: 10 * time.Millisecond, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { two.Close() })

	alpha := arrive(t, one, &gameclient.Console{}, "Alpha", 1)
	beta := arrive(t, two, &gameclient.Console{}, "Beta", 1)
	a := adminOf(t, one)

	var list bus.AdminHunterList
	a.ok("GET", "/api/admin/hunters", nil, &list)
	if list.Total != 2 || len(list.Hunters) != 2 {
		t.Fatalf("hunters: %+v", list)
	}
	edges := map[string]string{}
	for _, h := range list.Hunters {
		edges[h.CapcomID] = h.Edge
		if h.Server != 1 {
			t.Errorf("%s on server %d, want 1", h.CapcomID, h.Server)
		}
	}
	if edges[alpha.id] == "" || edges[beta.id] == "" || edges[alpha.id] == edges[beta.id] {
		t.Fatalf("edges of the hunters: %v", edges)
	}
	a.ok("GET", "/api/admin/hunters?q=bet", nil, &list)
	if list.Total != 1 || list.Hunters[0].CapcomID != beta.id || list.Hunters[0].Name != "Beta" {
		t.Fatalf("search by name: %+v", list)
	}
	a.ok("GET", "/api/admin/hunters?q="+strings.ToLower(alpha.id[:4]), nil, &list)
	if list.Total < 1 || list.Hunters[0].CapcomID != alpha.id {
		t.Fatalf("search by Capcom ID: %+v", list)
	}
	a.ok("GET", "/api/admin/hunters?limit=1", nil, &list)
	if list.Total != 2 || len(list.Hunters) != 1 {
		t.Fatalf("limit 1: %+v", list)
	}

	var done bus.AdminBroadcastDone
	a.ok("POST", "/api/admin/broadcast", map[string]any{"server": 1, "text": "Restart in 5 minutes."}, &done)
	if done.Hunters != 2 {
		t.Fatalf("broadcast: %+v", done)
	}
	for _, h := range []*hunter{alpha, beta} {
		var m pat.NtcLayerChat
		if _, err := h.Notice(pat.IDNtcLayerChat, &m); err != nil {
			t.Fatalf("%s: no broadcast: %v", h.id, err)
		}
		if string(m.Text) != "Restart in 5 minutes." || string(m.Info.Bytes(pat.MessageSenderID)) == "" {
			t.Fatalf("%s heard %q from %q", h.id, m.Text, m.Info.Bytes(pat.MessageSenderID))
		}
	}

	// The edge process refuses admin calls; its token check comes first.
	e := adminOf(t, two)
	if code, b := e.call("PUT", "/api/admin/announcement", map[string]string{"text": "from an edge"}); code != http.StatusServiceUnavailable || !strings.Contains(string(b), "edge") {
		t.Fatalf("admin call on the edge's --http: %d %s", code, b)
	}
	e.token = "wrong"
	if code, _ := e.call("POST", "/api/admin/kick", map[string]string{"capcom_id": beta.id}); code != http.StatusUnauthorized {
		t.Fatalf("edge without the token: %d", code)
	}

	// Kick the hunter behind the second edge, then the one behind the first.
	for _, h := range []*hunter{beta, alpha} {
		var k bus.AdminHunter
		a.ok("POST", "/api/admin/kick", map[string]string{"capcom_id": strings.ToLower(h.id), "text": "Kicked for testing."}, &k)
		if k.CapcomID != h.id {
			t.Fatalf("kick answered %+v", k)
		}
		msg, err := h.ExpectShut()
		if err != nil || !strings.Contains(msg, "Kicked for testing.") {
			t.Fatalf("%s: NtcShut %q %v", h.id, msg, err)
		}
		if _, err := h.Next(); err == nil {
			t.Fatalf("%s: the connection stays open after the kick", h.id)
		}
	}
	eventually(t, 10*time.Second, "the kicked hunters leave", func() error {
		a.ok("GET", "/api/admin/hunters", nil, &list)
		if list.Total != 0 {
			return fmt.Errorf("%d online", list.Total)
		}
		return nil
	})
	var log bus.AdminLogPage
	a.ok("GET", "/api/admin/log", nil, &log)
	var types []string
	for _, e := range log.Events {
		types = append(types, e.Type)
	}
	if strings.Join(types, ",") != "HunterKicked,HunterKicked,BroadcastSent" {
		t.Fatalf("audit log: %v", types)
	}
}

// TestAdminSubjectsRefusedToEdgesAndAnonymous: with NATS auth on, an
// anonymous connection is refused outright and the edge role may not
// publish admin requests: NATS drops them with a permission violation,
// so no handler acts on them.
func TestAdminSubjectsRefusedToEdgesAndAnonymous(t *testing.T) {
	s, _ := startAdminIn(t, t.TempDir(), Config{NATSPort: -1, NATSServer: natsrv.Options{EdgePassword: "e-secret", HandlersPassword: "h-secret"}})
	if nc, err := nats.Connect(s.NATS.ClientURL()); err == nil {
		nc.Close()
		t.Fatal("an anonymous NATS connection was accepted")
	}
	errs := make(chan error, 16)
	e, err := nats.Connect(s.NATS.ClientURL(), nats.UserInfo(natsrv.EdgeUser, "e-secret"), nats.CustomInboxPrefix(bus.EdgeInboxPrefix),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	subject := bus.AdminSubject(bus.AdminAnnounce)
	if err := e.Publish(subject, []byte(`{"text":"from an edge"}`)); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errs:
		if !errors.Is(err, nats.ErrPermissionViolation) || !strings.Contains(err.Error(), subject) {
			t.Fatalf("publish %s as the edge: %v", subject, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no permission violation for %s", subject)
	}
	var st bus.AdminStatus
	adminOf(t, s).ok("GET", "/api/admin/announcement", nil, &st)
	if st.Custom || st.Version != 0 {
		t.Fatalf("an edge's admin request was served: %+v", st)
	}
}

// TestAdminReachesEveryHandler: two one-box processes on one NATS share
// the handlers' queue group, so a login's ReqAnnounce and AnsConnection
// go to either. A change made through one's API is what both answer,
// since both fold it from the log.
func TestAdminReachesEveryHandler(t *testing.T) {
	one, _ := startAdminIn(t, t.TempDir(), Config{NATSPort: -1})
	two, err := Start(context.Background(), Config{Edge: true, Handlers: true, NATSURL: one.NATS.ClientURL(),
		Host: "127.0.0.1", Advertise: "127.0.0.1", Ports: map[string]int{},
		ConnectionDelay: 10 * time.Millisecond, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { two.Close() })
	a := adminOf(t, one)
	a.ok("PUT", "/api/admin/announcement", map[string]string{"text": "Everywhere."}, nil)
	want := "<BODY><LEFT>Everywhere.<END>"
	eventually(t, 10*time.Second, "the other handler applies the announcement", func() error {
		for i := 0; i < 4; i++ {
			if got := announcement(t, two); got != want {
				return fmt.Errorf("ReqAnnounce %q", got)
			}
		}
		return nil
	})
	a.ok("PUT", "/api/admin/maintenance", map[string]any{"on": true}, nil)
	eventually(t, 10*time.Second, "the other handler applies maintenance", func() error {
		for i := 0; i < 4; i++ {
			if _, status := opnGreet(t, two); status != 2 {
				return fmt.Errorf("NtcLogin %d", status)
			}
		}
		return nil
	})
}
