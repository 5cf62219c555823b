package ops

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mh3net/mh3net/bus"
)

// reloadWait is how long a reload waits for the handler processes'
// answers (each reloads its files from its own disk).
const reloadWait = 1500 * time.Millisecond

// handleReload asks every handler process to reload its quest directory
// and world file now and answers what each did. 200 when every process
// that answered took its files, 422 when one refused them (the old set
// stays there), 503 when none answered.
func (s *Server) handleReload(w http.ResponseWriter, r *http.Request) {
	// The audit event first (ReloadRequested on the admin stream): a
	// reload nobody could record is not made.
	if _, status, why := s.askAdmin(r, bus.AdminReload, nil); status != http.StatusOK {
		httpError(w, status, why)
		return
	}
	inbox := s.cfg.NC.NewRespInbox()
	msgs := make(chan *nats.Msg, 64)
	sub, err := s.cfg.NC.ChanSubscribe(inbox, msgs)
	if err != nil {
		httpError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	defer sub.Unsubscribe()
	if err := s.cfg.NC.PublishRequest(bus.OpsReload, inbox, nil); err != nil {
		httpError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	results := []bus.ReloadResult{}
	timer := time.NewTimer(reloadWait)
	defer timer.Stop()
	code := http.StatusOK
collect:
	for len(results) < cap(msgs) {
		select {
		case m := <-msgs:
			var res bus.ReloadResult
			if json.Unmarshal(m.Data, &res) != nil {
				continue
			}
			if res.QuestsError != "" || res.WorldError != "" {
				code = http.StatusUnprocessableEntity
			}
			results = append(results, res)
		case <-timer.C:
			break collect
		case <-r.Context().Done():
			return
		}
	}
	if len(results) == 0 {
		httpError(w, http.StatusServiceUnavailable, "no handler process answered (an edge's credentials cannot ask for a reload)")
		return
	}
	s.log.Info("admin reload", "processes", len(results), "status", code)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]any{"processes": results})
}
