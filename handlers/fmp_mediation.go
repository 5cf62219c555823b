package handlers

import (
	"fmt"

	"github.com/mh3net/mh3net/pat"
)

// Mediation: the exclusive things of a city (seats 1-12, arm wrestling
// 13-14), one hunter at a time. MH3SP grants every lock and keeps no
// state; mh3net keeps who holds what per city (KV mh3_mediation), shows
// it in the list, refuses a lock held by another (result 0) and frees a
// hunter's locks when it leaves the city. Like MH3SP it sends no
// NtcLayerMediationLock/Unlock (the game's handling of them is unknown).

// mediationItems is how many resources a city has.
const mediationItems = 14

// mediationName is the list entry name of a free resource (< 8 bytes):
// MH3SP's, so that a list with nothing locked is byte for byte MH3SP's.
const mediationName = "Test"

// mediation is a city's table: resource index → holder's Capcom ID.
type mediationTable struct {
	Holders map[uint8]string `json:"holders,omitempty"`
}

func (c *Call) mediationTable(room string) (mediationTable, uint64, error) {
	var t mediationTable
	rev, _, err := getJSON(c.ctx, c.s.kv.mediation, kvKey(room), &t)
	if t.Holders == nil {
		t.Holders = map[uint8]string{}
	}
	return t, rev, err
}

func (c *Call) cityRoom() (string, string, error) {
	sess, h, err := c.here()
	if err != nil {
		return "", "", err
	}
	if h.At.Depth() != 3 {
		return "", "", fmt.Errorf("%w: mediation outside a city", errBadPacket)
	}
	return sess.CapcomID, h.At.Room(), nil
}

func (s *Service) ReqLayerMediationList(c *Call, m *pat.ReqLayerMediationList) error {
	_, room, err := c.cityRoom()
	if err != nil {
		return err
	}
	t, _, err := c.mediationTable(room)
	if err != nil {
		return err
	}
	ans := &pat.AnsLayerMediationList{}
	for i := uint8(1); i <= mediationItems; i++ {
		var d pat.Data
		name, locked := mediationName, uint8(0)
		if holder := t.Holders[i]; holder != "" {
			name, locked = holder, 1
		}
		d.SetString(pat.MediationName, []byte(name)).SetByte(pat.MediationIndex, i).SetByte(pat.MediationLocked, locked)
		ans.Items = append(ans.Items, d)
	}
	return c.Answer(ans)
}

func (s *Service) ReqLayerMediationLock(c *Call, m *pat.ReqLayerMediationLock) error {
	me, room, err := c.cityRoom()
	if err != nil {
		return err
	}
	if m.Index < 1 || m.Index > mediationItems {
		return c.Answer(&pat.AnsLayerMediationLock{Result: 0})
	}
	t, rev, err := c.mediationTable(room)
	if err != nil {
		return err
	}
	if holder := t.Holders[m.Index]; holder != "" && holder != me {
		return c.Answer(&pat.AnsLayerMediationLock{Result: 0})
	}
	t.Holders[m.Index] = me
	if err := casJSON(c.ctx, c.s.kv.mediation, kvKey(room), t, rev); err != nil {
		if isConflict(err) {
			return fmt.Errorf("%w: mediation of %s", errSessionMoved, room)
		}
		return err
	}
	return c.Answer(&pat.AnsLayerMediationLock{Result: 1})
}

func (s *Service) ReqLayerMediationUnlock(c *Call, m *pat.ReqLayerMediationUnlock) error {
	me, room, err := c.cityRoom()
	if err != nil {
		return err
	}
	if err := c.releaseMediation(room, me, m.Index); err != nil {
		return err
	}
	return c.Answer(&pat.AnsLayerMediationUnlock{Result: 1})
}

// releaseMediation frees what a hunter holds in a city (one index, or all
// with index 0).
func (c *Call) releaseMediation(room, capcomID string, index uint8) error {
	t, rev, err := c.mediationTable(room)
	if err != nil || rev == 0 {
		return err
	}
	changed := false
	for i, holder := range t.Holders {
		if holder == capcomID && (index == 0 || i == index) {
			delete(t.Holders, i)
			changed = true
		}
	}
	if !changed {
		return nil
	}
	if err := casJSON(c.ctx, c.s.kv.mediation, kvKey(room), t, rev); err != nil {
		if isConflict(err) {
			return fmt.Errorf("%w: mediation of %s", errSessionMoved, room)
		}
		return err
	}
	return nil
}
