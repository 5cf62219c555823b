package events

// Friends and the blacklist. Every event lives on the stream of the
// hunter whose list it changes (HunterStream): a friend request on the
// recipient's, a friendship on both sides', a deletion or a blacklist
// entry on the owner's. A request stays pending on the recipient's stream
// until the recipient answers it, so it survives restarts and reaches a
// recipient who was offline when it was sent.

// FriendRequested: From asked this hunter to be friends. Name is From's
// hunter name then; Info is the MessageInfo the game sent (an encoded
// PatData, re-stamped with the sender when delivered) and Text the
// message.
type FriendRequested struct {
	From string `json:"from"`
	Name []byte `json:"name,omitempty"`
	Info []byte `json:"info,omitempty"`
	Text []byte `json:"text,omitempty"`
}

func (FriendRequested) EventType() string  { return "FriendRequested" }
func (FriendRequested) SchemaVersion() int { return 1 }

// FriendRequestAnswered: this hunter answered From's request (a refusal,
// or an acceptance when the two were friends already); it is no longer
// pending.
type FriendRequestAnswered struct {
	From     string `json:"from"`
	Accepted bool   `json:"accepted,omitempty"`
}

func (FriendRequestAnswered) EventType() string  { return "FriendRequestAnswered" }
func (FriendRequestAnswered) SchemaVersion() int { return 1 }

// FriendAdded: CapcomID is on this hunter's friend list now (appended to
// both sides when a request is accepted); a request from CapcomID is no
// longer pending.
type FriendAdded struct {
	CapcomID string `json:"capcom_id"`
	Name     []byte `json:"name,omitempty"`
}

func (FriendAdded) EventType() string  { return "FriendAdded" }
func (FriendAdded) SchemaVersion() int { return 1 }

// FriendDeleted: this hunter took CapcomID off its friend list (the other
// side keeps its entry, as on MH3SP: the game knows no notice for it).
type FriendDeleted struct {
	CapcomID string `json:"capcom_id"`
}

func (FriendDeleted) EventType() string  { return "FriendDeleted" }
func (FriendDeleted) SchemaVersion() int { return 1 }

// BlackListed: this hunter blacklisted CapcomID: its tells and friend
// requests no longer reach this hunter, and a request it left pending is
// dropped.
type BlackListed struct {
	CapcomID string `json:"capcom_id"`
	Name     []byte `json:"name,omitempty"`
}

func (BlackListed) EventType() string  { return "BlackListed" }
func (BlackListed) SchemaVersion() int { return 1 }

// BlackListRemoved: CapcomID is off this hunter's blacklist.
type BlackListRemoved struct {
	CapcomID string `json:"capcom_id"`
}

func (BlackListRemoved) EventType() string  { return "BlackListRemoved" }
func (BlackListRemoved) SchemaVersion() int { return 1 }

// FriendRequestsSet: this hunter's game set whether it refuses friend
// requests (UserStatusSet field 0x09 = 4 refuses them). Appended when the
// setting changes, so it holds across restarts and while the hunter is
// away.
type FriendRequestsSet struct {
	Deny bool `json:"deny,omitempty"`
}

func (FriendRequestsSet) EventType() string  { return "FriendRequestsSet" }
func (FriendRequestsSet) SchemaVersion() int { return 1 }

func init() {
	Register(FriendRequestsSet{})
	Register(FriendRequested{})
	Register(FriendRequestAnswered{})
	Register(FriendAdded{})
	Register(FriendDeleted{})
	Register(BlackListed{})
	Register(BlackListRemoved{})
}
