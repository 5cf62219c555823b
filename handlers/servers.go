package handlers

import (
	"fmt"

	"github.com/mh3net/mh3net/binaries"
	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/world"

	"github.com/mh3net/mh3net/pat"
)

// The server (FMP) list, served on LMP (0x61 family) and in game (0x63
// family) with the same layouts, and the redirect to an FMP edge.

// fmpListVersion is the server list's version while it holds only the
// central world's servers (MH3SP sends 1); liveWorld gives another when
// external FMP servers are listed.
const fmpListVersion = 1

// textServerOffline answers a hunter who picks a server that is not
// (or no longer) listed: an external FMP server that stopped.
const textServerOffline = "<LF=8><BODY><CENTER>Server is offline.<END>"

func fmpData(srv world.Server, host string, port int, pop map[int]int) pat.Data {
	d := make(pat.Data, 0, 9) // its nine fields, without regrowing
	d.SetLong(pat.FmpIndex, uint32(srv.Index)).
		SetString(pat.FmpAddress, []byte(host)).
		SetWord(pat.FmpPort, uint16(port)).
		SetLongLong(pat.FmpServerType, uint64(srv.Type)).
		SetLong(pat.FmpPopulation, uint32(pop[srv.Index])).
		SetLong(pat.FmpCapacity, uint32(srv.Capacity)).
		SetString(pat.FmpName, []byte(srv.Name)).
		SetString(pat.FmpUnknown0B, []byte("X")).
		SetLong(pat.FmpUnknown0C, 0x12345678)
	return d
}

func (s *Service) ReqFmpListVersion(c *Call, m *pat.ReqFmpListVersion) error {
	return c.Answer(&pat.AnsFmpListVersion{Version: s.live().version})
}

func (s *Service) ReqFmpListVersion2(c *Call, m *pat.ReqFmpListVersion2) error {
	return c.Answer(&pat.AnsFmpListVersion2{Version: s.live().version})
}

func (s *Service) ReqFmpListHead(c *Call, m *pat.ReqFmpListHead) error {
	return c.Answer(&pat.AnsFmpListHead{Count: uint32(len(s.live().Servers))})
}

func (s *Service) ReqFmpListHead2(c *Call, m *pat.ReqFmpListHead2) error {
	return c.Answer(&pat.AnsFmpListHead2{Count: uint32(len(s.live().Servers))})
}

// serverList is entries first..first+count-1 (1-based positions in index
// order; with only the central world, positions are indices). Like
// MH3SP, the answer's count echoes the request even when fewer entries
// follow.
func (s *Service) serverList(c *Call, first, count uint32) ([]pat.Data, error) {
	if first == 0 {
		return nil, fmt.Errorf("%w: server list index 0", errBadPacket)
	}
	lw := s.live()
	pop := s.population(s.cfg.Now())
	// As MH3SP's list slice: entries past the end are left out. The sum
	// is taken in 64 bits so that a huge count cannot wrap around.
	end := min(uint64(first)+uint64(count), uint64(len(lw.Servers))+1)
	var out []pat.Data
	var central *bus.EdgeAddr // the central world's address, looked up once
	for i := uint64(first); i < end; i++ {
		srv := lw.Servers[i-1]
		if l, ok := lw.owner[srv.Index]; ok {
			a := l.Addrs["fmp"]
			out = append(out, fmpData(srv, a.Host, a.Port, pop))
			continue
		}
		if central == nil {
			host, port, err := s.redirect(c, "fmp")
			if err != nil {
				return nil, err
			}
			central = &bus.EdgeAddr{Host: host, Port: port}
		}
		out = append(out, fmpData(srv, central.Host, central.Port, pop))
	}
	return out, nil
}

// fmpAddr is where the game is sent for a server: the external FMP edge
// that registered it, or the least busy edge of the central world.
func (s *Service) fmpAddr(c *Call, lw *liveWorld, index int) (string, int, error) {
	if l, ok := lw.owner[index]; ok {
		a := l.Addrs["fmp"]
		return a.Host, a.Port, nil
	}
	return s.redirect(c, "fmp")
}

func (s *Service) ReqFmpListData(c *Call, m *pat.ReqFmpListData) error {
	list, err := s.serverList(c, m.First, m.Count)
	if err != nil {
		return err
	}
	return c.Answer(&pat.AnsFmpListData{Count: m.Count, Servers: list})
}

func (s *Service) ReqFmpListData2(c *Call, m *pat.ReqFmpListData2) error {
	list, err := s.serverList(c, m.First, m.Count)
	if err != nil {
		return err
	}
	return c.Answer(&pat.AnsFmpListData2{Count: m.Count, Servers: list})
}

func (s *Service) ReqFmpListFoot(c *Call, m *pat.ReqFmpListFoot) error {
	return c.Answer(&pat.AnsFmpListFoot{})
}

func (s *Service) ReqFmpListFoot2(c *Call, m *pat.ReqFmpListFoot2) error {
	return c.Answer(&pat.AnsFmpListFoot2{})
}

// joinServer records the chosen server and answers with the requested
// FmpData fields (normally address and port), which sends the game to an
// FMP edge. The session is kept for the coming reconnection.
func (s *Service) joinServer(c *Call, index uint32, fields []byte) (pat.Data, bool, error) {
	lw := s.live()
	if _, ok := lw.Server(int(index)); !ok {
		return nil, false, c.Alert(textServerOffline)
	}
	host, port, err := s.fmpAddr(c, lw, int(index))
	if err != nil {
		return nil, false, err
	}
	sess, err := c.Session()
	if err != nil {
		return nil, false, err
	}
	if c.Server == "fmp" && sess.CapcomID != "" {
		// In game: the hunter's rank must be within the server type's
		// bounds (binary 0x01 tells the game the same bounds), and it
		// leaves where it stands for the new server (MH3SP's join_server).
		hr := int(pat.HunterRank(s.settingsOf(sess.CapcomID)))
		if !lw.Admits(int(index), hr) {
			return nil, false, c.Alert(textRankOutside)
		}
		h, err := c.hunter(sess.CapcomID)
		if err != nil {
			return nil, false, err
		}
		if h.Conn == c.Conn && !h.At.IsZero() {
			if err := c.leaveTo(sess, h, world.Path{Server: int(index)}, "server change"); err != nil {
				return nil, false, err
			}
		}
	}
	sess.FmpServer = int(index)
	sess.LeftServer = false
	sess.Reconnect = true
	c.handOver()
	// The game goes to the server now (MH3SP's request_reconnection):
	// ticket and presence are written in transit here, not again when
	// this connection closes.
	c.sess.leaving = true
	if sess.CapcomID != "" {
		if err := c.claimOnlineAs(sess, true); err != nil {
			return nil, false, err
		}
	}
	var d pat.Data
	d.SetString(pat.FmpAddress, []byte(host)).SetWord(pat.FmpPort, uint16(port))
	for _, f := range fields {
		if !d.Has(f) {
			return nil, false, fmt.Errorf("%w: FmpInfo asks for field 0x%02x", errBadPacket, f)
		}
	}
	return d.Only(fields), true, nil
}

func (s *Service) ReqFmpInfo(c *Call, m *pat.ReqFmpInfo) error {
	d, ok, err := s.joinServer(c, m.Index, m.Fields)
	if err != nil || !ok {
		return err
	}
	return c.Answer(&pat.AnsFmpInfo{Data: d})
}

func (s *Service) ReqFmpInfo2(c *Call, m *pat.ReqFmpInfo2) error {
	d, ok, err := s.joinServer(c, m.Index, m.Fields)
	if err != nil || !ok {
		return err
	}
	return c.Answer(&pat.AnsFmpInfo2{Data: d})
}

// Binaries: numbered blobs the game downloads (server types, events, NPC
// texts, trading post, event quests).

func (s *Service) binary(typ uint8) (uint32, []byte, error) {
	v, b, ok := s.cfg.Binaries.Get(typ, s.cfg.Now())
	if !ok {
		return 0, nil, fmt.Errorf("%w: no binary of type 0x%02x", errBadPacket, typ)
	}
	return v, b, nil
}

func (s *Service) ReqBinaryVersion(c *Call, m *pat.ReqBinaryVersion) error {
	// MH3SP answers version 1 for any type; the game then asks for that
	// version's head and data. Here a type's version changes with its
	// bytes (quests from a quest directory, binaries.Set.Get), so the
	// game downloads again when the day or the quest files change; a
	// type that does not exist still gets 1.
	v, _, ok := s.cfg.Binaries.Get(m.Type, s.cfg.Now())
	if !ok {
		v = binaries.Version
	}
	return c.Answer(&pat.AnsBinaryVersion{Version: v})
}

func (s *Service) ReqBinaryHead(c *Call, m *pat.ReqBinaryHead) error {
	v, b, err := s.binary(m.Type)
	if err != nil {
		return err
	}
	return c.Answer(&pat.AnsBinaryHead{Version: v, Size: uint32(len(b))})
}

func (s *Service) ReqBinaryData(c *Call, m *pat.ReqBinaryData) error {
	// The bytes of the version the download started with, should the day
	// or the quests have changed since its head.
	b, ok := s.cfg.Binaries.GetVersion(m.Type, m.Version, s.cfg.Now())
	if !ok {
		return fmt.Errorf("%w: no binary of type 0x%02x", errBadPacket, m.Type)
	}
	return c.Answer(&pat.AnsBinaryData{Version: m.Version, Offset: m.Offset, Size: m.Size, Data: slice(b, m.Offset, m.Size)})
}

func (s *Service) ReqBinaryFoot(c *Call, m *pat.ReqBinaryFoot) error {
	return c.Answer(&pat.AnsBinaryFoot{})
}
