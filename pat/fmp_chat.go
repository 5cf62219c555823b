package pat

// FMP chat, tells, mediation (exclusive city resources), friends and the
// blacklist. Chat lines and tells carry a MessageInfo (Message* fields)
// and the text.

// NtcLayerChat is a chat line in the current layer. The game sends it and
// the server relays it to the layer's other players in the same shape,
// with MessageColor (ChatColorTop / ChatColorLayer), MessageSenderID and
// MessageSenderName overwritten.
type NtcLayerChat struct {
	Unknown uint8
	Info    Data
	Text    []byte
}

func (NtcLayerChat) PacketID() ID { return IDNtcLayerChat }
func (m NtcLayerChat) Encode(w *Writer) {
	w.U8(m.Unknown).Data(m.Info).LP2(m.Text)
}
func (m *NtcLayerChat) Decode(r *Reader) {
	m.Unknown, m.Info, m.Text = r.U8(), r.Data(), r.LP2()
}

// ReqLayerTell is a private line to a player of the same layer.
type ReqLayerTell tell

func (ReqLayerTell) PacketID() ID        { return IDReqLayerTell }
func (m ReqLayerTell) Encode(w *Writer)  { tell(m).Encode(w) }
func (m *ReqLayerTell) Decode(r *Reader) { (*tell)(m).Decode(r) }

// AnsLayerTell is empty.
type AnsLayerTell struct{ empty }

func (AnsLayerTell) PacketID() ID { return IDAnsLayerTell }

// NtcLayerTell delivers a layer tell to the sender and the recipient:
// recipient's Capcom ID, MessageInfo (MessageUnknown02 TellUnknown02,
// sender id and name), text.
type NtcLayerTell tell

func (NtcLayerTell) PacketID() ID        { return IDNtcLayerTell }
func (m NtcLayerTell) Encode(w *Writer)  { tell(m).Encode(w) }
func (m *NtcLayerTell) Decode(r *Reader) { (*tell)(m).Decode(r) }

// NtcCircleChat is a chat line inside a circle (quest party), relayed to
// the other members in the same shape with the sender's id and name set.
type NtcCircleChat struct {
	Info Data
	Text []byte
}

func (NtcCircleChat) PacketID() ID        { return IDNtcCircleChat }
func (m NtcCircleChat) Encode(w *Writer)  { w.Data(m.Info).LP2(m.Text) }
func (m *NtcCircleChat) Decode(r *Reader) { m.Info, m.Text = r.Data(), r.LP2() }

// ReqTell is a private line to any online player.
type ReqTell tell

func (ReqTell) PacketID() ID        { return IDReqTell }
func (m ReqTell) Encode(w *Writer)  { tell(m).Encode(w) }
func (m *ReqTell) Decode(r *Reader) { (*tell)(m).Decode(r) }

// AnsTell is empty.
type AnsTell struct{ empty }

func (AnsTell) PacketID() ID { return IDAnsTell }

// NtcTell delivers a tell to the recipient, shaped like NtcLayerTell.
type NtcTell tell

func (NtcTell) PacketID() ID        { return IDNtcTell }
func (m NtcTell) Encode(w *Writer)  { tell(m).Encode(w) }
func (m *NtcTell) Decode(r *Reader) { (*tell)(m).Decode(r) }

// Mediation: seats (1-12) and arm wrestling (13-14) in a city can be used
// by one player at a time.

// ReqLayerMediationList asks for the city's mediation resources; what
// follows the two unknown bytes is kept raw (MHTriServer reads a field-id
// list).
type ReqLayerMediationList struct {
	Unknown1, Unknown2 uint8
	Rest               []byte
}

func (ReqLayerMediationList) PacketID() ID { return IDReqLayerMediationList }
func (m ReqLayerMediationList) Encode(w *Writer) {
	w.U8(m.Unknown1).U8(m.Unknown2).Raw(m.Rest)
}
func (m *ReqLayerMediationList) Decode(r *Reader) {
	m.Unknown1, m.Unknown2, m.Rest = r.U8(), r.U8(), r.Rest()
}

// AnsLayerMediationList: u8 0, u8 n, n × MediationListItem (MH3SP: 14
// unlocked "Test" entries).
type AnsLayerMediationList struct {
	Unknown uint8
	Items   []Data
}

func (AnsLayerMediationList) PacketID() ID { return IDAnsLayerMediationList }
func (m AnsLayerMediationList) Encode(w *Writer) {
	items := m.Items
	if len(items) > 0xFF {
		w.fail(errTooMany("mediation items", len(items)))
		items = items[:0xFF]
	}
	w.U8(m.Unknown).U8(uint8(len(items)))
	for _, it := range items {
		w.Data(it)
	}
}
func (m *AnsLayerMediationList) Decode(r *Reader) {
	m.Unknown = r.U8()
	n := r.count8(minData)
	m.Items = make([]Data, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		m.Items = append(m.Items, r.Data())
	}
}

// mediation is "u8 index, MediationListItem".
type mediation struct {
	Index uint8
	Item  Data
}

func (m mediation) Encode(w *Writer)  { w.U8(m.Index).Data(m.Item) }
func (m *mediation) Decode(r *Reader) { m.Index, m.Item = r.U8(), r.Data() }

// ReqLayerMediationLock takes resource Index; MH3SP always grants it.
type ReqLayerMediationLock mediation

func (ReqLayerMediationLock) PacketID() ID       { return IDReqLayerMediationLock }
func (m ReqLayerMediationLock) Encode(w *Writer) { mediation(m).Encode(w) }
func (m *ReqLayerMediationLock) Decode(r *Reader) {
	(*mediation)(m).Decode(r)
	r.ignoreRest()
}

// mediationResult is "u8 result", 1 = success.
type mediationResult struct{ Result uint8 }

func (m mediationResult) Encode(w *Writer)  { w.U8(m.Result) }
func (m *mediationResult) Decode(r *Reader) { m.Result = r.U8() }

// AnsLayerMediationLock: 1 = granted.
type AnsLayerMediationLock mediationResult

func (AnsLayerMediationLock) PacketID() ID        { return IDAnsLayerMediationLock }
func (m AnsLayerMediationLock) Encode(w *Writer)  { mediationResult(m).Encode(w) }
func (m *AnsLayerMediationLock) Decode(r *Reader) { (*mediationResult)(m).Decode(r) }

// mediationNotice is "lp2 Capcom ID, u8 index, MediationListItem".
type mediationNotice struct {
	CapcomID []byte
	Index    uint8
	Item     Data
}

func (m mediationNotice) Encode(w *Writer) { w.LP2(m.CapcomID).U8(m.Index).Data(m.Item) }
func (m *mediationNotice) Decode(r *Reader) {
	m.CapcomID, m.Index, m.Item = r.LP2(), r.U8(), r.Data()
}

// NtcLayerMediationLock would tell the layer who took a resource (MH3SP
// has it written but switched off).
type NtcLayerMediationLock mediationNotice

func (NtcLayerMediationLock) PacketID() ID        { return IDNtcLayerMediationLock }
func (m NtcLayerMediationLock) Encode(w *Writer)  { mediationNotice(m).Encode(w) }
func (m *NtcLayerMediationLock) Decode(r *Reader) { (*mediationNotice)(m).Decode(r) }

// ReqLayerMediationUnlock releases resource Index.
type ReqLayerMediationUnlock mediation

func (ReqLayerMediationUnlock) PacketID() ID       { return IDReqLayerMediationUnlock }
func (m ReqLayerMediationUnlock) Encode(w *Writer) { mediation(m).Encode(w) }
func (m *ReqLayerMediationUnlock) Decode(r *Reader) {
	(*mediation)(m).Decode(r)
	r.ignoreRest()
}

// AnsLayerMediationUnlock: 1 = released.
type AnsLayerMediationUnlock mediationResult

func (AnsLayerMediationUnlock) PacketID() ID        { return IDAnsLayerMediationUnlock }
func (m AnsLayerMediationUnlock) Encode(w *Writer)  { mediationResult(m).Encode(w) }
func (m *AnsLayerMediationUnlock) Decode(r *Reader) { (*mediationResult)(m).Decode(r) }

// NtcLayerMediationUnlock would tell the layer a resource is free again
// (switched off in MH3SP).
type NtcLayerMediationUnlock mediationNotice

func (NtcLayerMediationUnlock) PacketID() ID        { return IDNtcLayerMediationUnlock }
func (m NtcLayerMediationUnlock) Encode(w *Writer)  { mediationNotice(m).Encode(w) }
func (m *NtcLayerMediationUnlock) Decode(r *Reader) { (*mediationNotice)(m).Decode(r) }

// Friends and blacklist.

// ReqFriendAdd sends a friend request with a message to a Capcom ID.
// Answered empty (AnsAlert for an unknown id); the recipient gets
// NtcFriendAccept.
type ReqFriendAdd tell

func (ReqFriendAdd) PacketID() ID        { return IDReqFriendAdd }
func (m ReqFriendAdd) Encode(w *Writer)  { tell(m).Encode(w) }
func (m *ReqFriendAdd) Decode(r *Reader) { (*tell)(m).Decode(r) }

// AnsFriendAdd is empty.
type AnsFriendAdd struct{ empty }

func (AnsFriendAdd) PacketID() ID { return IDAnsFriendAdd }

// NtcFriendAccept, despite its name, delivers an incoming friend request:
// recipient's Capcom ID, MessageInfo (TellUnknown02, sender id and name),
// text.
type NtcFriendAccept tell

func (NtcFriendAccept) PacketID() ID        { return IDNtcFriendAccept }
func (m NtcFriendAccept) Encode(w *Writer)  { tell(m).Encode(w) }
func (m *NtcFriendAccept) Decode(r *Reader) { (*tell)(m).Decode(r) }

// ReqFriendAccept answers a friend request from RequesterID.
type ReqFriendAccept struct {
	RequesterID []byte
	Accepted    uint8
}

func (ReqFriendAccept) PacketID() ID        { return IDReqFriendAccept }
func (m ReqFriendAccept) Encode(w *Writer)  { w.LP2(m.RequesterID).U8(m.Accepted) }
func (m *ReqFriendAccept) Decode(r *Reader) { m.RequesterID, m.Accepted = r.LP2(), r.U8() }

// AnsFriendAccept is empty.
type AnsFriendAccept struct{ empty }

func (AnsFriendAccept) PacketID() ID { return IDAnsFriendAccept }

// NtcFriendAdd tells both sides a friendship exists: the addressee's
// Capcom ID, FriendData {index 1, the other side's id and name}, u8 1.
type NtcFriendAdd struct {
	CapcomID []byte
	Friend   Data
	Accepted uint8
}

func (NtcFriendAdd) PacketID() ID { return IDNtcFriendAdd }
func (m NtcFriendAdd) Encode(w *Writer) {
	w.LP2(m.CapcomID).Data(m.Friend).U8(m.Accepted)
}
func (m *NtcFriendAdd) Decode(r *Reader) {
	m.CapcomID, m.Friend, m.Accepted = r.LP2(), r.Data(), r.U8()
}

// ReqFriendDelete removes a friend (one-sided).
type ReqFriendDelete capcomID

func (ReqFriendDelete) PacketID() ID       { return IDReqFriendDelete }
func (m ReqFriendDelete) Encode(w *Writer) { capcomID(m).Encode(w) }
func (m *ReqFriendDelete) Decode(r *Reader) {
	(*capcomID)(m).Decode(r)
	r.ignoreRest()
}

// AnsFriendDelete is empty.
type AnsFriendDelete struct{ empty }

func (AnsFriendDelete) PacketID() ID { return IDAnsFriendDelete }

// ReqFriendList asks for the friend list; Fields names the FriendData
// fields the entries must carry, exactly.
type ReqFriendList struct {
	First, Count uint32
	Fields       []byte
}

func (ReqFriendList) PacketID() ID { return IDReqFriendList }
func (m ReqFriendList) Encode(w *Writer) {
	w.U32(m.First).U32(m.Count).BList(m.Fields)
}
func (m *ReqFriendList) Decode(r *Reader) {
	m.First, m.Count, m.Fields = r.U32(), r.U32(), r.BList()
}

// friendList is "u32 0, u32 n, n × FriendData".
type friendList struct {
	Unknown uint32
	Friends []Data
}

func (m friendList) Encode(w *Writer)  { w.U32(m.Unknown).dataList(m.Friends) }
func (m *friendList) Decode(r *Reader) { m.Unknown, m.Friends = r.U32(), r.dataList() }

// AnsFriendList: u32 0, u32 n, n × FriendData {index, id, name}.
type AnsFriendList friendList

func (AnsFriendList) PacketID() ID        { return IDAnsFriendList }
func (m AnsFriendList) Encode(w *Writer)  { friendList(m).Encode(w) }
func (m *AnsFriendList) Decode(r *Reader) { (*friendList)(m).Decode(r) }

// ReqBlackAdd blacklists a player; User is a BlackListUserData. MH3SP
// acknowledges without storing.
type ReqBlackAdd struct {
	CapcomID []byte
	User     Data
}

func (ReqBlackAdd) PacketID() ID        { return IDReqBlackAdd }
func (m ReqBlackAdd) Encode(w *Writer)  { w.LP2(m.CapcomID).Data(m.User) }
func (m *ReqBlackAdd) Decode(r *Reader) { m.CapcomID, m.User = r.LP2(), r.Data() }

// AnsBlackAdd is empty.
type AnsBlackAdd struct{ empty }

func (AnsBlackAdd) PacketID() ID { return IDAnsBlackAdd }

// ReqBlackDelete takes a player off the blacklist.
type ReqBlackDelete capcomID

func (ReqBlackDelete) PacketID() ID       { return IDReqBlackDelete }
func (m ReqBlackDelete) Encode(w *Writer) { capcomID(m).Encode(w) }
func (m *ReqBlackDelete) Decode(r *Reader) {
	(*capcomID)(m).Decode(r)
	r.ignoreRest()
}

// AnsBlackDelete is empty.
type AnsBlackDelete struct{ empty }

func (AnsBlackDelete) PacketID() ID { return IDAnsBlackDelete }

// ReqBlackList asks for the blacklist: two u32s (first, count?) and the
// rest kept raw (MHTriServer reads a field-id list).
type ReqBlackList struct {
	First, Count uint32
	Rest         []byte
}

func (ReqBlackList) PacketID() ID { return IDReqBlackList }
func (m ReqBlackList) Encode(w *Writer) {
	w.U32(m.First).U32(m.Count).Raw(m.Rest)
}
func (m *ReqBlackList) Decode(r *Reader) {
	m.First, m.Count, m.Rest = r.U32(), r.U32(), r.Rest()
}

// Fields reads Rest as a list of BlackListUserData field ids.
func (m ReqBlackList) Fields() ([]byte, bool) { return blistOf(m.Rest) }

// AnsBlackList: u32 0, u32 n, n × BlackListUserData (MH3SP: one blank
// entry {index 0, "", ""}).
type AnsBlackList friendList

func (AnsBlackList) PacketID() ID        { return IDAnsBlackList }
func (m AnsBlackList) Encode(w *Writer)  { friendList(m).Encode(w) }
func (m *AnsBlackList) Decode(r *Reader) { (*friendList)(m).Decode(r) }
