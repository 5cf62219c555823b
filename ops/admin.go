package ops

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/mh3net/mh3net/bus"
)

// The admin API: each call is checked here (token, body size, JSON
// shape) and forwarded as a NATS request to bus.AdminSubject(action),
// which any handler instance answers; the handlers validate what the
// game can show, append the action to the event log and apply it.

// maxAdminBody bounds a request body.
const maxAdminBody = 16 << 10

// adminTimeout bounds the wait for the handlers.
const adminTimeout = 15 * time.Second

func (s *Server) adminRoutes() {
	admin := func(pattern string, h http.HandlerFunc) {
		s.mux.HandleFunc(pattern, s.requireToken(s.requireAdminRole(h)))
	}
	admin("GET /api/admin/whoami", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"role": "admin", "via": s.cfg.Role})
	})
	admin("GET /api/admin/announcement", s.forwardQuery(bus.AdminState, nil))
	admin("GET /api/admin/maintenance", s.forwardQuery(bus.AdminState, nil))
	admin("PUT /api/admin/announcement", forwardBody[bus.AdminAnnouncement](s, bus.AdminAnnounce))
	admin("PUT /api/admin/maintenance", forwardBody[bus.AdminMaintenanceSet](s, bus.AdminMaintenance))
	admin("POST /api/admin/broadcast", forwardBody[bus.AdminBroadcastReq](s, bus.AdminBroadcast))
	admin("POST /api/admin/kick", forwardBody[bus.AdminKickReq](s, bus.AdminKick))
	admin("GET /api/admin/hunters", s.forwardQuery(bus.AdminHunters, func(r *http.Request) (any, error) {
		q := bus.AdminHuntersQuery{Q: r.URL.Query().Get("q")}
		var err error
		q.Limit, err = limitParam(r, bus.MaxHunters)
		return q, err
	}))
	admin("GET /api/admin/log", s.forwardQuery(bus.AdminLog, func(r *http.Request) (any, error) {
		n, err := limitParam(r, bus.MaxAdminLog)
		return bus.AdminLogQuery{Limit: n}, err
	}))
}

// requireAdminRole answers 503 in an edge-only process: its NATS
// credentials (the edge role) may not send admin requests, by design.
func (s *Server) requireAdminRole(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Role == "edge" {
			httpError(w, http.StatusServiceUnavailable, "this is an edge process: its NATS credentials may not administer the deployment; use the --http of a handlers or up process")
			return
		}
		h(w, r)
	}
}

// limitParam reads ?limit= (0 when absent).
func limitParam(r *http.Request, max int) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, fmt.Errorf("limit %q: want 1-%d", v, max)
	}
	return n, nil
}

// forwardBody decodes the request body into T (strictly: unknown fields
// and trailing data are refused) and forwards it.
func forwardBody[T any](s *Server, action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAdminBody))
		if err != nil {
			var mb *http.MaxBytesError
			if errors.As(err, &mb) {
				httpError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", maxAdminBody))
				return
			}
			httpError(w, http.StatusBadRequest, "reading the body: "+err.Error())
			return
		}
		var v T
		d := json.NewDecoder(bytes.NewReader(body))
		d.DisallowUnknownFields()
		if err := d.Decode(&v); err != nil {
			httpError(w, http.StatusBadRequest, "bad JSON body: "+err.Error())
			return
		}
		if d.More() {
			httpError(w, http.StatusBadRequest, "bad JSON body: more than one value")
			return
		}
		s.forward(w, r, action, v)
	}
}

// forwardQuery forwards what query makes of the URL (nil: nothing).
func (s *Server) forwardQuery(action string, query func(*http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var v any
		if query != nil {
			var err error
			if v, err = query(r); err != nil {
				httpError(w, http.StatusBadRequest, err.Error())
				return
			}
		}
		s.forward(w, r, action, v)
	}
}

// forward asks the handlers and answers with theirs: their JSON, or
// their refusal's status and text.
func (s *Server) forward(w http.ResponseWriter, r *http.Request, action string, v any) {
	data, status, msg := s.askAdmin(r, action, v)
	if status != http.StatusOK {
		httpError(w, status, msg)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	w.Write(data)
	w.Write([]byte("\n"))
}

// askAdmin sends one admin action to the handlers: their answer, or the HTTP
// status and text of why there is none.
func (s *Server) askAdmin(r *http.Request, action string, v any) (data []byte, status int, why string) {
	msg := nats.NewMsg(bus.AdminSubject(action))
	if v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, http.StatusInternalServerError, err.Error()
		}
		msg.Data = b
	}
	msg.Header.Set(bus.HeaderRemote, r.RemoteAddr)
	msg.Header.Set(bus.HeaderAdminVia, s.cfg.Role)
	ctx, cancel := context.WithTimeout(r.Context(), adminTimeout)
	defer cancel()
	ans, err := s.cfg.NC.RequestMsgWithContext(ctx, msg)
	if err != nil {
		if errors.Is(err, nats.ErrNoResponders) {
			return nil, http.StatusServiceUnavailable, "no handlers answer admin requests (none running, or this process's NATS user may not send them)"
		}
		return nil, http.StatusServiceUnavailable, "the handlers did not answer: " + err.Error()
	}
	if code := ans.Header.Get(micro.ErrorCodeHeader); code != "" {
		status, err := strconv.Atoi(code)
		if err != nil || status < 400 || status > 599 {
			status = http.StatusBadGateway
		}
		return nil, status, ans.Header.Get(micro.ErrorHeader)
	}
	return ans.Data, http.StatusOK, ""
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
