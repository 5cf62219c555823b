package handlers

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mh3net/mh3net/bus"
)

// redirect picks where to send a client for a server (lmp or fmp): the
// registered edge with the fewest open connections, or the configured
// address when no edge has registered.
func (s *Service) redirect(c *Call, server string) (string, int, error) {
	best := bus.EdgeAddr{Conns: -1}
	lister, err := s.kv.edges.ListKeysFiltered(c.ctx, server+".>")
	if err == nil {
		for key := range lister.Keys() {
			e, err := s.kv.edges.Get(c.ctx, key)
			if err != nil {
				continue
			}
			var a bus.EdgeAddr
			if json.Unmarshal(e.Value(), &a) != nil || a.Port == 0 || !strings.EqualFold(a.Server, server) {
				continue
			}
			if best.Conns < 0 || a.Conns < best.Conns || a.Conns == best.Conns && a.Edge < best.Edge {
				best = a
			}
		}
		lister.Stop()
	} else if !errors.Is(err, jetstream.ErrNoKeysFound) {
		c.log.Warn("edge registry unavailable, using the configured address", "err", err)
	}
	if best.Conns >= 0 {
		return best.Host, best.Port, nil
	}
	port := s.cfg.LMPPort
	if server == "fmp" {
		port = s.cfg.FMPPort
	}
	return s.cfg.Advertise, port, nil
}
