package handlers

import (
	"errors"
	"fmt"

	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/ids"
	"github.com/mh3net/mh3net/pat"
	"github.com/mh3net/mh3net/world"
)

// Tells, friends and the blacklist, across the whole deployment: the
// other hunter may stand on any FMP server, behind any edge. Where it is
// comes from its presence (mh3_online) and its hunter stream; notices go
// to its connection's subject. Friends, pending friend requests and the
// blacklist are events on the hunters' streams (world.Social).
//
// Pending friend requests are delivered when the game asks for the
// friend list, right after the answer: the game asks for it on every
// arrival on an FMP server, so a request sent to a hunter who was offline
// (or whose server restarted) reaches it on its next arrival. A request
// stays pending, and is delivered at each arrival, until the recipient
// answers it (ReqFriendAccept, either way) or blacklists the requester.

// Alert texts (MH3SP's markup; the first is MH3SP's own).
const (
	textUnknownCapcomID  = "<LF=8><BODY><CENTER>Unknown Capcom ID.<END>"
	textFriendDenied     = "<LF=8><BODY><CENTER>This hunter does not accept<BR><BODY><CENTER>friend requests.<END>"
	textFriendSelf       = "<LF=8><BODY><CENTER>You cannot befriend yourself.<END>"
	textFriendsFull      = "<LF=8><BODY><CENTER>Your friend list is full.<END>"
	textTheirFriendsFull = "<LF=8><BODY><CENTER>That hunter's friend list is full.<END>"
	textBlackListFull    = "<LF=8><BODY><CENTER>Your blacklist is full.<END>"
)

// reachable reports whether a hunter with presence p and state h is in
// the FMP world on the connection its presence names (not moving
// between servers, not still on LMP).
func reachable(p Presence, found bool, h world.Hunter) bool {
	return found && !p.Transit && p.FmpServer != 0 && !h.At.IsZero() && h.Conn == p.Conn
}

// reach returns the connection of an online hunter, and its state.
func (c *Call) reach(capcomID string) (string, world.Hunter, bool, error) {
	var p Presence
	_, found, err := getJSON(c.ctx, c.s.kv.online, kvKey(capcomID), &p)
	if err != nil {
		return "", world.Hunter{}, false, err
	}
	h, err := c.hunter(capcomID)
	if err != nil {
		return "", h, false, err
	}
	return p.Conn, h, reachable(p, found, h), nil
}

// known reports whether a Capcom ID was ever created (the profiles view,
// or, when the view has not seen it yet, its claim in the log).
func (c *Call) known(capcomID string) (bool, error) {
	if _, ok := c.s.profiles.Owner(capcomID); ok {
		return true, nil
	}
	envs, err := c.s.store.Load(c.ctx, events.CapcomIDStream(capcomID), 1)
	if err != nil {
		return false, fmt.Errorf("%w: load %s: %w", errUnavailable, events.CapcomIDStream(capcomID), err)
	}
	return len(envs) > 0, nil
}

// nameOf is a hunter's current name (its console's slot), or fallback
// when it is not known here.
func (s *Service) nameOf(capcomID string, fallback []byte) []byte {
	if code, ok := s.profiles.Owner(capcomID); ok {
		if con, ok := s.profiles.Get(code); ok {
			for _, sl := range con.Slots {
				if sl.CapcomID == capcomID && len(sl.Name) > 0 {
					return sl.Name
				}
			}
		}
	}
	if h := s.view.Hunter(capcomID); len(h.Name) > 0 {
		return h.Name
	}
	return fallback
}

// friendData is a FriendData / BlackListUserData entry.
func friendData(index uint32, capcomID string, name []byte) pat.Data {
	var d pat.Data
	d.SetLong(pat.FriendIndex, index).
		SetString(pat.FriendCapcomID, []byte(capcomID)).
		SetString(pat.FriendHunterName, name)
	return d
}

// contactEntries lists first..first+count-1 (1-based) of a list as
// FriendData, with exactly the fields asked for (all three when the game
// names none). The index is the entry's place in the whole list.
func (s *Service) contactEntries(list []world.Contact, first, count uint32, fields []byte) []pat.Data {
	page := window(list, first, count)
	start := max(first, 1)
	out := make([]pat.Data, 0, len(page))
	for i, f := range page {
		d := friendData(start+uint32(i), f.CapcomID, s.nameOf(f.CapcomID, f.Name))
		if len(fields) > 0 {
			d = d.Only(fields)
		}
		out = append(out, d)
	}
	return out
}

// ReqTell: a line to any online hunter. The sender is always answered
// with an empty AnsTell, as MH3SP does, also when the recipient is not
// online or does not exist; the recipient gets NtcTell unless it
// blacklisted the sender.
func (s *Service) ReqTell(c *Call, m *pat.ReqTell) error {
	sess, err := c.me()
	if err != nil {
		return err
	}
	if err := c.Answer(&pat.AnsTell{}); err != nil {
		return err
	}
	to, err := ids.CapcomID(m.CapcomID)
	if err != nil {
		return nil // nobody has that id
	}
	conn, h, ok, err := c.reach(to)
	if err != nil || !ok || h.Social.Blocks(sess.CapcomID) {
		return err
	}
	return c.PushTo(conn, c.Seq, &pat.NtcTell{CapcomID: []byte(to), Info: tellInfo(m.Info, sess.CapcomID, sess.HunterName), Text: m.Text})
}

// ReqFriendAdd: a friend request. An id never created is refused as on
// MH3SP; a recipient who denies requests (its stream's setting, see
// ReqUserStatusSet) refuses it with an alert, online or not; one
// who blacklisted the sender never hears of it (the sender is answered
// as usual). Otherwise it is kept on the recipient's stream and
// delivered now (NtcFriendAccept) if the recipient is online, else on its
// next arrival.
func (s *Service) ReqFriendAdd(c *Call, m *pat.ReqFriendAdd) error {
	sess, err := c.me()
	if err != nil {
		return err
	}
	to, err := ids.CapcomID(m.CapcomID)
	if err != nil {
		return c.Alert(textUnknownCapcomID)
	}
	if ok, err := c.known(to); err != nil || !ok {
		if err != nil {
			return err
		}
		return c.Alert(textUnknownCapcomID)
	}
	me, err := c.hunter(sess.CapcomID)
	if err != nil {
		return err
	}
	conn, them, online, err := c.reach(to)
	if err != nil {
		return err
	}
	info := pat.NewWriter(nil).Data(m.Info)
	if err := info.Err(); err != nil {
		return fmt.Errorf("%w: %w", errBadPacket, err)
	}
	out, evs := world.FriendRequestFrom(me.Social, sess.CapcomID, them.Social, to, them.Social.DeniesRequests, sess.HunterName, info.Bytes(), m.Text)
	switch out {
	case world.RequestSelf:
		return c.Alert(textFriendSelf)
	case world.RequestSenderFull:
		return c.Alert(textFriendsFull)
	case world.RequestDenied:
		return c.Alert(textFriendDenied)
	case world.RequestStored, world.RequestAgain:
		if err := c.Append(events.HunterStream(to), them.Version, evs...); err != nil {
			return err
		}
		if err := c.Answer(&pat.AnsFriendAdd{}); err != nil {
			return err
		}
		if !online {
			return nil
		}
		return c.PushTo(conn, c.Seq, &pat.NtcFriendAccept{CapcomID: []byte(to), Info: tellInfo(m.Info, sess.CapcomID, sess.HunterName), Text: m.Text})
	}
	// Friends already, blacklisted by the recipient, or too many waiting:
	// answered as usual, nothing sent.
	c.debug("friend request not delivered", "to", to, "outcome", int(out))
	return c.Answer(&pat.AnsFriendAdd{})
}

// ReqFriendAccept: the recipient answers a pending request. Either way
// the request is no longer pending; on acceptance both hunters list each
// other and both get NtcFriendAdd as MH3SP lays it out (to each, its own
// Capcom ID and the other's FriendData with index 1). An answer to a
// request that is not pending is acknowledged and does nothing.
func (s *Service) ReqFriendAccept(c *Call, m *pat.ReqFriendAccept) error {
	sess, err := c.me()
	if err != nil {
		return err
	}
	from, err := ids.CapcomID(m.RequesterID)
	if err != nil {
		return c.Answer(&pat.AnsFriendAccept{})
	}
	me, err := c.hunter(sess.CapcomID)
	if err != nil {
		return err
	}
	req, ok := me.Social.Pending(from)
	if !ok {
		return c.Answer(&pat.AnsFriendAccept{})
	}
	accepted := m.Accepted != 0
	theirName := s.nameOf(from, req.Name)
	mine, err := me.Social.Answer(from, accepted, theirName)
	if errors.Is(err, world.ErrFriendsFull) {
		return c.Alert(textFriendsFull)
	}
	if err != nil {
		return err
	}
	var conn string
	var online bool
	if accepted {
		// The requester's side first: if this run dies after it, the
		// retry still finds the request pending and completes; the
		// requester's side then has nothing left to add.
		var them world.Hunter
		conn, them, online, err = c.reach(from)
		if err != nil {
			return err
		}
		theirs, err := them.Social.Befriend(sess.CapcomID, sess.HunterName)
		if errors.Is(err, world.ErrFriendsFull) {
			return c.Alert(textTheirFriendsFull)
		}
		if err != nil {
			return err
		}
		if err := c.Append(events.HunterStream(from), them.Version, theirs...); err != nil {
			return err
		}
	}
	if err := c.Append(events.HunterStream(sess.CapcomID), me.Version, mine...); err != nil {
		return err
	}
	if err := c.Answer(&pat.AnsFriendAccept{}); err != nil {
		return err
	}
	if !accepted {
		return nil
	}
	if online {
		if err := c.PushTo(conn, c.Seq, &pat.NtcFriendAdd{CapcomID: []byte(from), Friend: friendData(1, sess.CapcomID, sess.HunterName), Accepted: 1}); err != nil {
			return err
		}
	}
	return c.Answer(&pat.NtcFriendAdd{CapcomID: []byte(sess.CapcomID), Friend: friendData(1, from, theirName), Accepted: 1})
}

// ReqFriendDelete: the hunter takes a friend off its list (one-sided, as
// on MH3SP).
func (s *Service) ReqFriendDelete(c *Call, m *pat.ReqFriendDelete) error {
	if err := c.dropContact(m.CapcomID, world.Social.Unfriend); err != nil {
		return err
	}
	return c.Answer(&pat.AnsFriendDelete{})
}

// dropContact appends what drop makes of the hunter's social state for
// the Capcom ID the game sent (nothing for bytes that are not one: the
// game only offers IDs from its lists).
func (c *Call) dropContact(raw []byte, drop func(world.Social, string) []events.Event) error {
	sess, err := c.me()
	if err != nil {
		return err
	}
	id, err := ids.CapcomID(raw)
	if err != nil {
		return nil
	}
	me, err := c.hunter(sess.CapcomID)
	if err != nil {
		return err
	}
	return c.Append(events.HunterStream(sess.CapcomID), me.Version, drop(me.Social, id)...)
}

// ReqFriendList: the friends, as FriendData {index, id, current name},
// then every pending friend request as NtcFriendAccept (see above).
func (s *Service) ReqFriendList(c *Call, m *pat.ReqFriendList) error {
	sess, err := c.me()
	if err != nil {
		return err
	}
	me, err := c.hunter(sess.CapcomID)
	if err != nil {
		return err
	}
	if err := c.Answer(&pat.AnsFriendList{Friends: s.contactEntries(me.Social.Friends, m.First, m.Count, m.Fields)}); err != nil {
		return err
	}
	for _, r := range me.Social.Requests {
		rd := pat.NewReader(r.Info)
		info := rd.Data()
		if rd.Done() != nil {
			info = nil // it was read from a valid request: not expected
		}
		ntc := &pat.NtcFriendAccept{CapcomID: []byte(sess.CapcomID), Info: tellInfo(info, r.From, s.nameOf(r.From, r.Name)), Text: r.Text}
		if err := c.Notify(ntc); err != nil {
			return err
		}
	}
	return nil
}

// ReqBlackAdd: the hunter blacklists a Capcom ID.
func (s *Service) ReqBlackAdd(c *Call, m *pat.ReqBlackAdd) error {
	sess, err := c.me()
	if err != nil {
		return err
	}
	id, err := ids.CapcomID(m.CapcomID)
	if err != nil {
		return c.Alert(textUnknownCapcomID)
	}
	if ok, err := c.known(id); err != nil || !ok {
		if err != nil {
			return err
		}
		return c.Alert(textUnknownCapcomID)
	}
	me, err := c.hunter(sess.CapcomID)
	if err != nil {
		return err
	}
	name := m.User.Bytes(pat.FriendHunterName)
	if len(name) > pat.MaxHunterName {
		name = name[:pat.MaxHunterName]
	}
	evs, err := me.Social.Blacklist(sess.CapcomID, id, s.nameOf(id, name))
	switch {
	case errors.Is(err, world.ErrBlackListFull):
		return c.Alert(textBlackListFull)
	case errors.Is(err, world.ErrSelf):
		// Nothing to do; the game does not offer it.
	case err != nil:
		return err
	case len(evs) > 0:
		if err := c.Append(events.HunterStream(sess.CapcomID), me.Version, evs...); err != nil {
			return err
		}
	}
	return c.Answer(&pat.AnsBlackAdd{})
}

// ReqBlackDelete: the hunter takes a Capcom ID off its blacklist.
func (s *Service) ReqBlackDelete(c *Call, m *pat.ReqBlackDelete) error {
	if err := c.dropContact(m.CapcomID, world.Social.Unblacklist); err != nil {
		return err
	}
	return c.Answer(&pat.AnsBlackDelete{})
}

// ReqBlackList: the blacklist, FriendData-shaped. An empty list is
// `u32 0, u32 0`, as MHTriServer answers and as AnsFriendList is for a
// hunter without friends, rather than MH3SP's one blank entry: a blank
// entry would show an empty line the player could select, and its blank
// Capcom ID would come back in ReqBlackDelete.
func (s *Service) ReqBlackList(c *Call, m *pat.ReqBlackList) error {
	sess, err := c.me()
	if err != nil {
		return err
	}
	me, err := c.hunter(sess.CapcomID)
	if err != nil {
		return err
	}
	fields, _ := m.Fields()
	return c.Answer(&pat.AnsBlackList{Friends: s.contactEntries(me.Social.Black, m.First, m.Count, fields)})
}
