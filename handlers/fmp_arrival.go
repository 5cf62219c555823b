package handlers

import (
	"fmt"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/fanout"
	"github.com/mh3net/mh3net/pat"
	"github.com/mh3net/mh3net/world"
)

// FMP: a hunter arrives on a server (after the LMP hand-over or a server
// change), tells the server who it is (display binary, search settings,
// status) and enters the layer tree.

// ReqUserSearchInfoMine: the game's own identity pair (see identity).
func (s *Service) ReqUserSearchInfoMine(c *Call, m *pat.ReqUserSearchInfoMine) error {
	sess, err := c.me()
	if err != nil {
		return err
	}
	a, b := identity(sess.CapcomID)
	var d pat.Data
	d.SetLong(pat.SearchMine0F, a).SetLong(pat.SearchMine10, b)
	return c.Answer(&pat.AnsUserSearchInfoMine{Info: d})
}

// ReqLayerStart: the hunter enters the layer system of the server it
// chose; the answer describes that server (MH3SP sends a fixed dummy).
// The hunter now stands at the server level, and its edge joins the
// server's room.
func (s *Service) ReqLayerStart(c *Call, m *pat.ReqLayerStart) error {
	sess, err := c.me()
	if err != nil {
		return err
	}
	srv := world.Path{Server: sess.FmpServer}
	if _, ok := s.live().Server(sess.FmpServer); !ok {
		return fmt.Errorf("%w: LayerStart without a chosen server", errBadPacket)
	}
	h, err := c.hunter(sess.CapcomID)
	if err != nil {
		return err
	}
	if err := c.leaveTo(sess, h, srv, "layer start"); err != nil {
		return err
	}
	if sess.LeftServer {
		// Back in the server it left by LayerEnd: counted there again.
		sess.LeftServer = false
		c.Changed()
		if err := c.claimOnline(sess); err != nil {
			return err
		}
	}
	c.SetMembership(bus.HeaderTag, fanout.Tag(sess.CapcomID, sess.HunterName))
	return c.Answer(&pat.AnsLayerStart{Layer: s.entry(srv, s.cfg.Now()).Data})
}

// HunterProfile is what others see of a hunter while it is online: its
// 0x100-byte display binary, search settings and status (KV mh3_hunters).
type HunterProfile struct {
	Name     []byte  `json:"name,omitempty"`
	Settings []byte  `json:"settings,omitempty"`
	Search   pat.Opt `json:"search,omitempty"`
	Status   pat.Data
}

// profile reads the requester's profile for an update (with its
// revision).
func (c *Call) profile(capcomID string) (HunterProfile, uint64, error) {
	var p HunterProfile
	rev, _, err := getJSON(c.ctx, c.s.kv.hunters, kvKey(capcomID), &p)
	if len(p.Settings) != pat.HunterSettingsSize {
		p.Settings = make([]byte, pat.HunterSettingsSize)
	}
	return p, rev, err
}

// editProfile changes the requester's profile by compare-and-set (rev 0:
// create); a lost one runs the handler again on the fresh profile (run).
func (c *Call) editProfile(change func(*HunterProfile) error) (*Session, error) {
	sess, err := c.me()
	if err != nil {
		return nil, err
	}
	p, rev, err := c.profile(sess.CapcomID)
	if err != nil {
		return nil, err
	}
	if err := change(&p); err != nil {
		return nil, err
	}
	p.Name = sess.HunterName
	err = casJSON(c.ctx, c.s.kv.hunters, kvKey(sess.CapcomID), p, rev)
	if isConflict(err) {
		return nil, fmt.Errorf("%w: profile of %s", errSessionMoved, sess.CapcomID)
	}
	return sess, err
}

// settingsOf is a hunter's display binary as others see it (zeros when it
// sent none yet, as on MH3SP).
func (s *Service) settingsOf(capcomID string) []byte {
	if p, ok := s.hunters.get(kvKey(capcomID)); ok && len(p.Settings) == pat.HunterSettingsSize {
		return p.Settings
	}
	return make([]byte, pat.HunterSettingsSize)
}

// ReqUserBinarySet: a piece of the display binary (rank, gear, profile).
func (s *Service) ReqUserBinarySet(c *Call, m *pat.ReqUserBinarySet) error {
	if _, err := c.editProfile(func(p *HunterProfile) error {
		if err := m.Apply(p.Settings); err != nil {
			return fmt.Errorf("%w: %w", errBadPacket, err)
		}
		return nil
	}); err != nil {
		return err
	}
	return c.Answer(&pat.AnsUserBinarySet{})
}

// ReqUserBinaryNotice: the hunter shows a slice of its display binary to
// its layer (NtcUserBinaryNotice to the others, then the answer).
func (s *Service) ReqUserBinaryNotice(c *Call, m *pat.ReqUserBinaryNotice) error {
	sess, err := c.me()
	if err != nil {
		return err
	}
	p, _, err := c.profile(sess.CapcomID)
	if err != nil {
		return err
	}
	h, err := c.hunter(sess.CapcomID)
	if err != nil {
		return err
	}
	if !h.At.IsZero() {
		c.broadcast(h.At.Room(), c.Conn, c.Seq, &pat.NtcUserBinaryNotice{
			Unknown: m.Unknown, CapcomID: []byte(sess.CapcomID), Offset: m.Offset, Data: m.Slice(p.Settings)})
	}
	return c.Answer(&pat.AnsUserBinaryNotice{})
}

// ReqUserSearchSet: the hunter's searchable attributes (kept for
// searches; MH3SP only acknowledges).
func (s *Service) ReqUserSearchSet(c *Call, m *pat.ReqUserSearchSet) error {
	if _, err := c.editProfile(func(p *HunterProfile) error { p.Search = m.Opt; return nil }); err != nil {
		return err
	}
	return c.Answer(&pat.AnsUserSearchSet{})
}

// ReqUserStatusSet: status flags, kept with the profile (MH3SP ignores
// them). Field 0x09 says whether the hunter refuses friend requests (4:
// refuses); a change of it is an event on the hunter's stream, so it holds
// while the hunter is away and across restarts. A status without the
// field leaves the setting as it was.
func (s *Service) ReqUserStatusSet(c *Call, m *pat.ReqUserStatusSet) error {
	sess, err := c.editProfile(func(p *HunterProfile) error { p.Status = m.Status; return nil })
	if err != nil {
		return err
	}
	if m.Status.Has(pat.StatusFriendRequests) {
		h, err := c.hunter(sess.CapcomID)
		if err != nil {
			return err
		}
		deny := m.Status.Num(pat.StatusFriendRequests) == pat.StatusDenyFriendRequests
		if err := c.Append(events.HunterStream(sess.CapcomID), h.Version, h.Social.DenyRequests(deny)...); err != nil {
			return err
		}
	}
	return c.Answer(&pat.AnsUserStatusSet{})
}

// ReqCircleInfoNoticeSet subscribes to circle notices: acknowledged.
func (s *Service) ReqCircleInfoNoticeSet(c *Call, m *pat.ReqCircleInfoNoticeSet) error {
	return c.Answer(&pat.AnsCircleInfoNoticeSet{})
}

// NtcCheatCheck is the game's anti-cheat upload: logged, nothing more.
func (s *Service) NtcCheatCheck(c *Call, m *pat.NtcCheatCheck) error {
	c.debug("cheat check data", "size", len(m.Rest))
	return nil
}
