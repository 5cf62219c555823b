package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/ids"
	"github.com/mh3net/mh3net/pat"
	"github.com/mh3net/mh3net/store"
	"github.com/mh3net/mh3net/store/projection"
	"github.com/mh3net/mh3net/world"
)

// The admin API (bus.OpsAdminPrefix): every action is an event on
// events.OpsStream, appended before it takes effect, so it is audited
// and survives restarts. The announcement and maintenance state are the
// world view's fold of that stream (projection.Admin): every handler
// process applies a change as soon as its view reads it from the log.

// adminTimeout bounds one admin action.
const adminTimeout = 10 * time.Second

// maxAdminBody bounds an admin request's JSON (the HTTP side bounds it
// first).
const maxAdminBody = 16 << 10

// adminError is a refusal with an HTTP status.
type adminError struct {
	code int
	msg  string
}

func (e *adminError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &adminError{code: 400, msg: fmt.Sprintf(format, args...)}
}

// Texts of the admin actions (the game's markup).
const (
	textKicked = "<LF=8><BODY><CENTER>You were disconnected<BR><BODY><CENTER>by the server staff.<END>"
	// broadcastSenderID and broadcastSenderName stamp a broadcast: the
	// game hides chat lines with a blank sender id.
	broadcastSenderID   = "SYSTEM"
	broadcastSenderName = "Server"
)

// adminAnnouncement is what ReqAnnounce answers now.
func (s *Service) adminAnnouncement(a projection.Admin) string {
	if a.AnnouncementSet {
		return gameText(a.Announcement, "<LEFT>")
	}
	return s.cfg.Texts.Announce
}

// adminMaintenanceText is what ReqMaintenance answers now.
func (s *Service) adminMaintenanceText(a projection.Admin) string {
	if a.MaintenanceText != "" {
		return gameText(a.MaintenanceText, "<CENTER>")
	}
	return s.cfg.Texts.Maintenance
}

// gameText turns an operator's text into the game's markup: text that
// has markup of its own ('<') is sent as written; plain text becomes one
// <BODY> line per line of the text.
func gameText(text, align string) string {
	if strings.Contains(text, "<") {
		return text
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = "<BODY>" + align + l
	}
	return strings.Join(lines, "<BR>") + "<END>"
}

// checkText validates an operator's text: printable ASCII (what the
// game's Western font shows) and, with multiline, line breaks; at most
// max bytes. It returns the text with CRLF made LF and the ends trimmed.
func checkText(what, text string, max int, multiline bool) (string, error) {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if len(text) > max {
		return "", badRequest("%s: %d bytes, at most %d", what, len(text), max)
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == '\n' && multiline {
			continue
		}
		if c < 0x20 || c > 0x7E {
			r, _ := utf8.DecodeRuneInString(text[i:])
			allowed := "printable ASCII"
			if multiline {
				allowed += " and line breaks"
			}
			return "", badRequest("%s: character %q at byte %d: the game shows %s only", what, r, i, allowed)
		}
	}
	return text, nil
}

// addAdmin adds an endpoint per admin action.
func (s *Service) addAdmin(ctx context.Context) error {
	for _, action := range bus.AdminActions {
		fn := s.adminAction(action)
		err := s.svc.AddEndpoint("ops-admin-"+action, micro.ContextHandler(ctx, func(ctx context.Context, req micro.Request) {
			ctx, cancel := context.WithTimeout(ctx, adminTimeout)
			defer cancel()
			out, err := s.runAdmin(ctx, req, fn)
			if err != nil {
				var ae *adminError
				code := 500
				if errors.As(err, &ae) {
					code = ae.code
				} else if errors.Is(err, errUnavailable) || errors.Is(err, context.DeadlineExceeded) {
					code = 503
				}
				s.log.Warn("admin action refused", "action", action, "code", code, "err", err)
				req.Error(strconv.Itoa(code), err.Error(), nil)
				return
			}
			req.Respond(out)
		}), micro.WithEndpointSubject(bus.AdminSubject(action)))
		if err != nil {
			return fmt.Errorf("handlers: endpoint ops-admin-%s: %w", action, err)
		}
	}
	return nil
}

type adminFunc func(ctx context.Context, by events.AdminActor, body []byte) (any, error)

func (s *Service) runAdmin(ctx context.Context, req micro.Request, fn adminFunc) ([]byte, error) {
	if len(req.Data()) > maxAdminBody {
		return nil, &adminError{code: 413, msg: fmt.Sprintf("request of %d bytes, at most %d", len(req.Data()), maxAdminBody)}
	}
	h := req.Headers()
	by := events.AdminActor{Remote: nats.Header(h).Get(bus.HeaderRemote), Via: nats.Header(h).Get(bus.HeaderAdminVia)}
	v, err := fn(ctx, by, req.Data())
	if err != nil {
		return nil, err
	}
	// The texts are the game's markup: kept readable (the HTTP side
	// serves JSON with nosniff, never HTML).
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

func (s *Service) adminAction(action string) adminFunc {
	switch action {
	case bus.AdminState:
		return func(ctx context.Context, _ events.AdminActor, _ []byte) (any, error) {
			return s.adminStatus(s.view.Admin()), nil
		}
	case bus.AdminAnnounce:
		return s.adminAnnounce
	case bus.AdminMaintenance:
		return s.adminMaintenance
	case bus.AdminBroadcast:
		return s.adminBroadcast
	case bus.AdminKick:
		return s.adminKick
	case bus.AdminHunters:
		return s.adminHunters
	case bus.AdminLog:
		return s.adminLog
	case bus.AdminReload:
		return func(ctx context.Context, by events.AdminActor, _ []byte) (any, error) {
			if _, err := s.appendAdmin(ctx, events.ReloadRequested{By: by}); err != nil {
				return nil, err
			}
			return s.adminStatus(s.view.Admin()), nil
		}
	}
	return func(context.Context, events.AdminActor, []byte) (any, error) {
		return nil, &adminError{code: 404, msg: "unknown admin action " + action}
	}
}

// decodeAdmin reads a request body strictly (unknown fields are refused:
// a typo must not pass for a setting).
func decodeAdmin(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return badRequest("bad JSON: %v", err)
	}
	if d.More() {
		return badRequest("bad JSON: more than one value")
	}
	return nil
}

func (s *Service) adminStatus(a projection.Admin) bus.AdminStatus {
	st := bus.AdminStatus{
		Announcement:    s.adminAnnouncement(a),
		Custom:          a.AnnouncementSet,
		Maintenance:     a.Maintenance,
		MaintenanceText: s.adminMaintenanceText(a),
		Version:         a.Version,
	}
	if a.Maintenance && !a.MaintenanceSince.IsZero() {
		t := a.MaintenanceSince.UTC()
		st.MaintenanceSince = &t
	}
	return st
}

// appendAdmin appends an admin event to the ops stream and waits until
// this process's view applied it (so the answer and this process's next
// login see it; the other processes' views read it from the log as
// fast).
func (s *Service) appendAdmin(ctx context.Context, ev events.Event) (uint64, error) {
	env, err := events.Encode(events.NewID(), ev)
	if err != nil {
		return 0, err
	}
	expected := s.view.Admin().Version
	for attempt := 0; attempt < 8; attempt++ {
		v, err := s.store.Append(ctx, events.OpsStream, expected, []events.Envelope{env})
		if err == nil {
			if err := s.view.WaitStream(ctx, events.OpsStream, v); err != nil {
				return v, fmt.Errorf("%w: the world view: %w", errUnavailable, err)
			}
			s.log.Info("admin action", "type", ev.EventType(), "version", v, "remote", actorOf(ev).Remote, "via", actorOf(ev).Via)
			return v, nil
		}
		var ce *store.ConflictError
		if !errors.As(err, &ce) {
			return 0, fmt.Errorf("%w: append to %s: %w", errUnavailable, events.OpsStream, err)
		}
		expected = ce.Actual
	}
	return 0, fmt.Errorf("%w: append to %s: too much contention", errUnavailable, events.OpsStream)
}

func actorOf(ev events.Event) events.AdminActor {
	switch e := ev.(type) {
	case events.AnnouncementSet:
		return e.By
	case events.MaintenanceSet:
		return e.By
	case events.BroadcastSent:
		return e.By
	case events.HunterKicked:
		return e.By
	case events.ReloadRequested:
		return e.By
	}
	return events.AdminActor{}
}

func (s *Service) adminAnnounce(ctx context.Context, by events.AdminActor, body []byte) (any, error) {
	var req bus.AdminAnnouncement
	if err := decodeAdmin(body, &req); err != nil {
		return nil, err
	}
	text, err := checkText("announcement", req.Text, bus.MaxAnnouncement, true)
	if err != nil {
		return nil, err
	}
	if _, err := s.appendAdmin(ctx, events.AnnouncementSet{Text: text, By: by}); err != nil {
		return nil, err
	}
	return s.adminStatus(s.view.Admin()), nil
}

func (s *Service) adminMaintenance(ctx context.Context, by events.AdminActor, body []byte) (any, error) {
	var req bus.AdminMaintenanceSet
	if err := decodeAdmin(body, &req); err != nil {
		return nil, err
	}
	text, err := checkText("maintenance text", req.Text, bus.MaxAnnouncement, true)
	if err != nil {
		return nil, err
	}
	if _, err := s.appendAdmin(ctx, events.MaintenanceSet{On: req.On, Text: text, By: by}); err != nil {
		return nil, err
	}
	return s.adminStatus(s.view.Admin()), nil
}

// adminBroadcast shows a line to everyone in a server, gate or city, as
// layer chat (NtcLayerChat) from a sender the game shows as "Server":
// the game has no system-message packet that MH3SP or mh3net knows of,
// and layer chat is shown wherever a hunter stands (server level, gate,
// city). A hunter receives the layer room it stands in, so the line is
// published to the target's room and to every room below it where the
// world view has hunters.
func (s *Service) adminBroadcast(ctx context.Context, by events.AdminActor, body []byte) (any, error) {
	var req bus.AdminBroadcastReq
	if err := decodeAdmin(body, &req); err != nil {
		return nil, err
	}
	text, err := checkText("broadcast", req.Text, bus.MaxBroadcast, false)
	if err != nil {
		return nil, err
	}
	if text == "" {
		return nil, badRequest("broadcast: no text")
	}
	srv, ok := s.live().Server(req.Server)
	if !ok {
		return nil, &adminError{code: 404, msg: fmt.Sprintf("no server %d", req.Server)}
	}
	gates := srv.Gates
	if gates <= 0 {
		gates = s.live().GatesPerServer
	}
	switch {
	case req.Gate < 0 || req.Gate > gates:
		return nil, &adminError{code: 404, msg: fmt.Sprintf("server %d has gates 1-%d", req.Server, gates)}
	case req.City < 0 || req.City > s.live().CitiesPerGate:
		return nil, &adminError{code: 404, msg: fmt.Sprintf("a gate has cities 1-%d", s.live().CitiesPerGate)}
	case req.City > 0 && req.Gate == 0:
		return nil, badRequest("a city needs its gate")
	}
	target := world.Path{Server: req.Server, Gate: req.Gate, City: req.City}
	hunters := s.view.Within(target)
	rooms := map[string]bool{target.Room(): true}
	for _, h := range hunters {
		if r := h.At.Room(); r != "" {
			rooms[r] = true
		}
	}
	list := make([]string, 0, len(rooms))
	for r := range rooms {
		list = append(list, r)
	}
	sort.Strings(list)
	if _, err := s.appendAdmin(ctx, events.BroadcastSent{Server: req.Server, Gate: req.Gate, City: req.City, Text: text, Rooms: len(list), By: by}); err != nil {
		return nil, err
	}
	for _, room := range list {
		var info pat.Data
		info.SetLong(pat.MessageColor, pat.ChatColorTop).
			SetString(pat.MessageSenderID, []byte(broadcastSenderID)).
			SetString(pat.MessageSenderName, []byte(broadcastSenderName))
		frame, err := pat.AppendMessage(nil, 0, &pat.NtcLayerChat{Info: info, Text: []byte(text)})
		if err != nil {
			return nil, err
		}
		if err := s.nc.Publish(bus.RoomSubject(room), frame); err != nil {
			return nil, fmt.Errorf("%w: publish to %s: %w", errUnavailable, room, err)
		}
	}
	return bus.AdminBroadcastDone{Rooms: list, Hunters: len(hunters)}, nil
}

// adminKick closes an online hunter's connection with NtcShut, on
// whichever edge holds it (the push subject of the connection its
// presence names), as a second login does.
func (s *Service) adminKick(ctx context.Context, by events.AdminActor, body []byte) (any, error) {
	var req bus.AdminKickReq
	if err := decodeAdmin(body, &req); err != nil {
		return nil, err
	}
	id := strings.ToUpper(strings.TrimSpace(req.CapcomID))
	if !ids.ValidCapcomID(id) {
		return nil, badRequest("capcom_id %q: want %d characters of 0-9 and A-Z", req.CapcomID, ids.CapcomIDLen)
	}
	text, err := checkText("kick text", req.Text, bus.MaxKickText, true)
	if err != nil {
		return nil, err
	}
	msg := textKicked
	if text != "" {
		msg = gameText(text, "<CENTER>")
		if !strings.Contains(text, "<") {
			msg = "<LF=8>" + msg
		}
	}
	if len(msg) > pat.MaxShutMessage {
		return nil, badRequest("kick text: %d bytes with the markup, at most %d", len(msg), pat.MaxShutMessage)
	}
	var p Presence
	_, found, err := getJSON(ctx, s.kv.online, kvKey(id), &p)
	if err != nil {
		return nil, err
	}
	if !found || stale(p, s.cfg.Now()) {
		return nil, &adminError{code: 404, msg: id + " is not online"}
	}
	if p.Transit {
		return nil, &adminError{code: 409, msg: id + " is moving between servers: try again in a moment"}
	}
	if _, err := s.appendAdmin(ctx, events.HunterKicked{CapcomID: id, Conn: p.Conn, Edge: p.Edge, Text: text, By: by}); err != nil {
		return nil, err
	}
	frame, err := pat.AppendMessage(nil, 0, &pat.NtcShut{Message: []byte(msg)})
	if err != nil {
		return nil, err
	}
	m := nats.NewMsg(bus.ConnSubject(p.Conn))
	m.Data = frame
	m.Header.Set(bus.HeaderClose, "1")
	m.Header.Set(bus.HeaderReason, "kicked by an admin")
	if err := s.nc.PublishMsg(m); err != nil {
		return nil, fmt.Errorf("%w: push to %s: %w", errUnavailable, p.Conn, err)
	}
	return s.adminHunter(id, p), nil
}

// stale reports a presence left by a server change that never arrived
// (it no longer counts as online).
func stale(p Presence, now time.Time) bool {
	return p.Transit && now.Sub(p.Since) > transitGrace
}

func (s *Service) adminHunter(id string, p Presence) bus.AdminHunter {
	h := s.view.Hunter(id)
	out := bus.AdminHunter{CapcomID: id, Name: displayName(p.Name), Edge: p.Edge, Conn: p.Conn, Transit: p.Transit, Since: p.Since.UTC()}
	if h.Conn == p.Conn {
		out.Server, out.Gate, out.City = h.At.Server, h.At.Gate, h.At.City
	} else if p.FmpServer > 0 {
		out.Server = p.FmpServer
	}
	return out
}

// displayName is a hunter name for JSON (its bytes are the game's; bytes
// that are not UTF-8 are replaced).
func displayName(b []byte) string { return strings.ToValidUTF8(string(b), "\uFFFD") }

func (s *Service) adminHunters(ctx context.Context, _ events.AdminActor, body []byte) (any, error) {
	var req bus.AdminHuntersQuery
	if err := decodeAdmin(body, &req); err != nil {
		return nil, err
	}
	limit := req.Limit
	switch {
	case limit == 0:
		limit = bus.DefaultHunters
	case limit < 0 || limit > bus.MaxHunters:
		return nil, badRequest("limit %d: want 1-%d", req.Limit, bus.MaxHunters)
	}
	if len(req.Q) > 64 {
		return nil, badRequest("q: at most 64 bytes")
	}
	q := strings.ToLower(req.Q)
	online, _ := s.presence.snapshot()
	out := bus.AdminHunterList{Hunters: []bus.AdminHunter{}}
	keys := make([]string, 0, len(online))
	for k := range online {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	now := s.cfg.Now()
	for _, id := range keys {
		p := online[id]
		if stale(p, now) {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(id), q) && !strings.Contains(strings.ToLower(displayName(p.Name)), q) {
			continue
		}
		out.Total++
		if len(out.Hunters) < limit {
			out.Hunters = append(out.Hunters, s.adminHunter(id, p))
		}
	}
	return out, nil
}

func (s *Service) adminLog(ctx context.Context, _ events.AdminActor, body []byte) (any, error) {
	var req bus.AdminLogQuery
	if err := decodeAdmin(body, &req); err != nil {
		return nil, err
	}
	limit := req.Limit
	switch {
	case limit == 0:
		limit = bus.DefaultAdminLog
	case limit < 0 || limit > bus.MaxAdminLog:
		return nil, badRequest("limit %d: want 1-%d", req.Limit, bus.MaxAdminLog)
	}
	from := uint64(1)
	if v := s.view.Admin().Version; v > uint64(limit) {
		from = v - uint64(limit) + 1
	}
	envs, err := s.store.Load(ctx, events.OpsStream, from)
	if err != nil {
		return nil, fmt.Errorf("%w: load %s: %w", errUnavailable, events.OpsStream, err)
	}
	if len(envs) > limit {
		envs = envs[len(envs)-limit:]
	}
	page := bus.AdminLogPage{Events: make([]bus.AdminLogEntry, 0, len(envs))}
	for i := len(envs) - 1; i >= 0; i-- {
		e := envs[i]
		page.Events = append(page.Events, bus.AdminLogEntry{Version: e.Version, Time: e.Time.UTC(), Type: e.Type, Data: e.Data})
	}
	return page, nil
}
