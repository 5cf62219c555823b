package server

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/nats-io/nats.go"

	"github.com/mh3net/mh3net/bus"
)

// serveReload answers bus.OpsReload in this handler process: the admin
// API's "reload now", for an edit the 2 s watch has not seen yet (or
// cannot: two saves of one size within the file system's time
// precision). Every process answers, not one of a queue group.
func (s *Server) serveReload(ctx context.Context) error {
	host, _ := os.Hostname()
	name := fmt.Sprintf("%s/%d", host, os.Getpid())
	sub, err := s.nc.Subscribe(bus.OpsReload, func(m *nats.Msg) {
		res := bus.ReloadResult{Process: name, Quests: "not configured", World: "not configured"}
		if s.cfg.QuestDir != "" {
			res.Quests = "reloaded"
			if err := s.bins.ReloadQuests(); err != nil {
				res.Quests, res.QuestsError = "refused", err.Error()
			}
		}
		if s.cfg.WorldFile != "" {
			res.World = "reloaded"
			if err := s.worlds.Reload(s.cfg.WorldFile, s.log); err != nil {
				res.World, res.WorldError = "refused", err.Error()
			}
		}
		b, _ := json.Marshal(res)
		if err := m.Respond(b); err != nil {
			s.log.Warn("answer reload", "err", err)
		}
	})
	if err != nil {
		return fmt.Errorf("subscribe %s: %w", bus.OpsReload, err)
	}
	context.AfterFunc(ctx, func() { sub.Unsubscribe() })
	return nil
}
