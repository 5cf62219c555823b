package world

import (
	"errors"

	"github.com/mh3net/mh3net/events"
)

// Social is a hunter's friends, the friend requests it received and has
// not answered, and its blacklist, folded from its stream (it is part of
// Hunter). The lists are never changed in place: Apply builds new slices,
// so copies of a Hunter (the world view's, a decision's) never share a
// change.
type Social struct {
	Friends  []Contact
	Requests []FriendRequest
	Black    []Contact
	// DeniesRequests: the hunter's game refuses friend requests (its
	// status, as last set).
	DeniesRequests bool
}

// Contact is a hunter on a friend list or a blacklist.
type Contact struct {
	CapcomID string
	Name     []byte
}

// FriendRequest is a request received and not answered yet.
type FriendRequest struct {
	From string
	Name []byte
	Info []byte // the MessageInfo the game sent, encoded
	Text []byte
}

// Bounds of the lists (the game's own limits are not known; these keep a
// hunter's state small whatever others send).
const (
	MaxFriends        = 100
	MaxBlackList      = 100
	MaxFriendRequests = 32
)

// Refusals of the social decisions.
var (
	ErrFriendsFull   = errors.New("friend list full")
	ErrBlackListFull = errors.New("blacklist full")
	ErrNotPending    = errors.New("no such friend request")
	ErrSelf          = errors.New("a hunter cannot list itself")
)

// IsFriend reports whether id is on the friend list.
func (s Social) IsFriend(id string) bool { return indexOf(s.Friends, id) >= 0 }

// Blocks reports whether id is on the blacklist.
func (s Social) Blocks(id string) bool { return indexOf(s.Black, id) >= 0 }

// Pending returns the unanswered request from id.
func (s Social) Pending(id string) (FriendRequest, bool) {
	for _, r := range s.Requests {
		if r.From == id {
			return r, true
		}
	}
	return FriendRequest{}, false
}

func indexOf(list []Contact, id string) int {
	for i, c := range list {
		if c.CapcomID == id {
			return i
		}
	}
	return -1
}

// Apply folds one event of the hunter's stream (others are ignored).
func (s *Social) Apply(e events.Event) {
	switch e := e.(type) {
	case events.FriendRequested:
		r := FriendRequest{From: e.From, Name: e.Name, Info: e.Info, Text: e.Text}
		s.Requests = append(withoutRequest(s.Requests, e.From), r)
	case events.FriendRequestAnswered:
		s.Requests = withoutRequest(s.Requests, e.From)
	case events.FriendAdded:
		s.Friends = withContact(s.Friends, Contact{CapcomID: e.CapcomID, Name: e.Name})
		s.Requests = withoutRequest(s.Requests, e.CapcomID)
	case events.FriendDeleted:
		s.Friends = withoutContact(s.Friends, e.CapcomID)
	case events.BlackListed:
		s.Black = withContact(s.Black, Contact{CapcomID: e.CapcomID, Name: e.Name})
		s.Requests = withoutRequest(s.Requests, e.CapcomID)
	case events.BlackListRemoved:
		s.Black = withoutContact(s.Black, e.CapcomID)
	case events.FriendRequestsSet:
		s.DeniesRequests = e.Deny
	}
}

// DenyRequests is the hunter's game setting whether it refuses friend
// requests: an event when that changes the setting.
func (s Social) DenyRequests(deny bool) []events.Event {
	if s.DeniesRequests == deny {
		return nil
	}
	return []events.Event{events.FriendRequestsSet{Deny: deny}}
}

// withContact is list with c added at the end, or with the entry of c's
// id renamed; always a new slice.
func withContact(list []Contact, c Contact) []Contact {
	out := make([]Contact, len(list), len(list)+1)
	copy(out, list)
	if i := indexOf(out, c.CapcomID); i >= 0 {
		out[i] = c
		return out
	}
	return append(out, c)
}

// withoutContact is list without id; always a new slice.
func withoutContact(list []Contact, id string) []Contact {
	out := make([]Contact, 0, len(list))
	for _, c := range list {
		if c.CapcomID != id {
			out = append(out, c)
		}
	}
	return out
}

// withoutRequest is list without the request from id; always a new slice
// with room for one more.
func withoutRequest(list []FriendRequest, id string) []FriendRequest {
	out := make([]FriendRequest, 0, len(list)+1)
	for _, r := range list {
		if r.From != id {
			out = append(out, r)
		}
	}
	return out
}

// RequestOutcome is what becomes of a friend request.
type RequestOutcome int

const (
	// RequestStored: a new pending request on the recipient's stream;
	// delivered now if the recipient is online, else when it arrives.
	RequestStored RequestOutcome = iota
	// RequestAgain: a request from the sender waits already; it is
	// delivered again, nothing is stored.
	RequestAgain
	// RequestFriends: the sender has the recipient on its list already:
	// nothing to do.
	RequestFriends
	// RequestSelf: a request to oneself.
	RequestSelf
	// RequestSenderFull: the sender's own friend list is full.
	RequestSenderFull
	// RequestDenied: the recipient refuses friend requests (its status);
	// the sender is told.
	RequestDenied
	// RequestBlocked: the recipient blacklisted the sender. The sender is
	// answered as usual and the request goes nowhere.
	RequestBlocked
	// RequestOverflow: the recipient has too many requests waiting; the
	// request goes nowhere.
	RequestOverflow
)

// FriendRequestFrom decides a request from sender (its state and Capcom ID)
// to recipient (its state and Capcom ID). deny is the recipient's "deny
// friend requests" status (recipient.DeniesRequests). The events go to the
// recipient's stream.
func FriendRequestFrom(sender Social, from string, recipient Social, to string, deny bool, name, info, text []byte) (RequestOutcome, []events.Event) {
	switch {
	case from == to:
		return RequestSelf, nil
	case sender.IsFriend(to):
		return RequestFriends, nil
	case len(sender.Friends) >= MaxFriends:
		return RequestSenderFull, nil
	case deny:
		return RequestDenied, nil
	case recipient.Blocks(from):
		return RequestBlocked, nil
	}
	if _, ok := recipient.Pending(from); ok {
		return RequestAgain, nil
	}
	if len(recipient.Requests) >= MaxFriendRequests {
		return RequestOverflow, nil
	}
	return RequestStored, []events.Event{events.FriendRequested{From: from, Name: name, Info: info, Text: text}}
}

// Answer is the recipient's answer to the pending request from id (name:
// the requester's name, kept on the list). An acceptance adds id to the
// list; either way the request is no longer pending.
func (s Social) Answer(id string, accepted bool, name []byte) ([]events.Event, error) {
	if _, ok := s.Pending(id); !ok {
		return nil, ErrNotPending
	}
	switch {
	case !accepted:
		return []events.Event{events.FriendRequestAnswered{From: id}}, nil
	case s.IsFriend(id):
		return []events.Event{events.FriendRequestAnswered{From: id, Accepted: true}}, nil
	case len(s.Friends) >= MaxFriends:
		return nil, ErrFriendsFull
	}
	return []events.Event{events.FriendAdded{CapcomID: id, Name: name}}, nil
}

// Befriend is the requester's side of an accepted request: id joins its
// list (nothing when it is there already, as after a retry).
func (s Social) Befriend(id string, name []byte) ([]events.Event, error) {
	if s.IsFriend(id) {
		return nil, nil
	}
	if len(s.Friends) >= MaxFriends {
		return nil, ErrFriendsFull
	}
	return []events.Event{events.FriendAdded{CapcomID: id, Name: name}}, nil
}

// Unfriend takes id off the friend list (one-sided).
func (s Social) Unfriend(id string) []events.Event {
	if !s.IsFriend(id) {
		return nil
	}
	return []events.Event{events.FriendDeleted{CapcomID: id}}
}

// Blacklist puts id on the blacklist of self.
func (s Social) Blacklist(self, id string, name []byte) ([]events.Event, error) {
	switch {
	case id == self:
		return nil, ErrSelf
	case s.Blocks(id):
		return nil, nil
	case len(s.Black) >= MaxBlackList:
		return nil, ErrBlackListFull
	}
	return []events.Event{events.BlackListed{CapcomID: id, Name: name}}, nil
}

// Unblacklist takes id off the blacklist.
func (s Social) Unblacklist(id string) []events.Event {
	if !s.Blocks(id) {
		return nil
	}
	return []events.Event{events.BlackListRemoved{CapcomID: id}}
}
