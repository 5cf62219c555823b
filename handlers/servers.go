package handlers

import (
	"fmt"

	"github.com/mh3net/mh3net/pat"
)

// The server (FMP) list, served on LMP (0x61 family) and in game (0x63
// family) with the same layouts, and the redirect to an FMP edge.

// fmpListVersion changes when the list changes shape; MH3SP sends 1.
const fmpListVersion = 1

func (s *Service) fmpData(index int, host string, port int, pop map[int]int) pat.Data {
	srv, _ := s.cfg.World.Server(index)
	var d pat.Data
	d.SetLong(pat.FmpIndex, uint32(index)).
		SetString(pat.FmpAddress, []byte(host)).
		SetWord(pat.FmpPort, uint16(port)).
		SetLongLong(pat.FmpServerType, uint64(srv.Type)).
		SetLong(pat.FmpPopulation, uint32(pop[index])).
		SetLong(pat.FmpCapacity, uint32(srv.Capacity)).
		SetString(pat.FmpName, []byte(srv.Name)).
		SetString(pat.FmpUnknown0B, []byte("X")).
		SetLong(pat.FmpUnknown0C, 0x12345678)
	return d
}

func (s *Service) ReqFmpListVersion(c *Call, m *pat.ReqFmpListVersion) error {
	return c.Answer(&pat.AnsFmpListVersion{Version: fmpListVersion})
}

func (s *Service) ReqFmpListVersion2(c *Call, m *pat.ReqFmpListVersion2) error {
	return c.Answer(&pat.AnsFmpListVersion2{Version: fmpListVersion})
}

func (s *Service) ReqFmpListHead(c *Call, m *pat.ReqFmpListHead) error {
	return c.Answer(&pat.AnsFmpListHead{Count: uint32(len(s.cfg.World.Servers))})
}

func (s *Service) ReqFmpListHead2(c *Call, m *pat.ReqFmpListHead2) error {
	return c.Answer(&pat.AnsFmpListHead2{Count: uint32(len(s.cfg.World.Servers))})
}

// serverList is entries first..first+count-1 (1-based). Like MH3SP, the
// answer's count echoes the request even when fewer entries follow.
func (s *Service) serverList(c *Call, first, count uint32) ([]pat.Data, error) {
	if first == 0 {
		return nil, fmt.Errorf("%w: server list index 0", errBadPacket)
	}
	host, port, err := s.redirect(c, "fmp")
	if err != nil {
		return nil, err
	}
	pop := s.presence.population(s.cfg.Now())
	var out []pat.Data
	for i := first; i < first+count && int(i) <= len(s.cfg.World.Servers); i++ {
		out = append(out, s.fmpData(int(i), host, port, pop))
	}
	return out, nil
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
	if _, ok := s.cfg.World.Server(int(index)); !ok {
		return nil, false, c.Alert("<LF=8><BODY><CENTER>Server is offline.<END>")
	}
	host, port, err := s.redirect(c, "fmp")
	if err != nil {
		return nil, false, err
	}
	sess, err := c.Session()
	if err != nil {
		return nil, false, err
	}
	sess.FmpServer = int(index)
	sess.Reconnect = true
	c.Changed()
	if sess.CapcomID != "" {
		if err := c.claimOnline(sess); err != nil {
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
	// version's head and data.
	return c.Answer(&pat.AnsBinaryVersion{Version: 1})
}

func (s *Service) ReqBinaryHead(c *Call, m *pat.ReqBinaryHead) error {
	v, b, err := s.binary(m.Type)
	if err != nil {
		return err
	}
	return c.Answer(&pat.AnsBinaryHead{Version: v, Size: uint32(len(b))})
}

func (s *Service) ReqBinaryData(c *Call, m *pat.ReqBinaryData) error {
	_, b, err := s.binary(m.Type)
	if err != nil {
		return err
	}
	return c.Answer(&pat.AnsBinaryData{Version: m.Version, Offset: m.Offset, Size: m.Size, Data: slice(b, m.Offset, m.Size)})
}

func (s *Service) ReqBinaryFoot(c *Call, m *pat.ReqBinaryFoot) error {
	return c.Answer(&pat.AnsBinaryFoot{})
}
