package pat

import "fmt"

// FMP circles (category 0x65): the quest parties of a city's quest board.
// Circle indices are 1-based on the wire. A CircleInfo travels with its
// optional fields {OptCircleCapacity, OptCircleQuestID}; CircleListing
// builds both as MH3SP does.

// CircleInfo 0x05 (party members) layout: four 16-byte Capcom IDs, four
// 16-byte hunter names, four weapon types, four flags.
const (
	PartyMembersSize      = 0x88
	PartyCapcomIDOffset   = 0x00
	PartyHunterNameOffset = 0x40
	PartyWeaponTypeOffset = 0x80
	PartyFlagOffset       = 0x84
	PartyTextSize         = 0x10 // per Capcom ID / name, NUL included
	PartyMemberFlag       = 0xFF // MH3SP's flag for an occupied slot (meaning unknown)
	PartySlots            = 4
	partyTextMax          = PartyTextSize - 1
)

// PartyMember is one occupied slot of a circle.
type PartyMember struct {
	CapcomID   []byte
	HunterName []byte
	WeaponType uint8
}

// PartyMembersBinary lays out CircleInfo 0x05 from the four member slots
// (nil = empty). Texts longer than 15 bytes are cut: the last byte of
// each 16-byte field stays 0.
func PartyMembersBinary(slots [PartySlots]*PartyMember) []byte {
	b := make([]byte, PartyMembersSize)
	for i, m := range slots {
		if m == nil {
			continue
		}
		copy(b[PartyCapcomIDOffset+i*PartyTextSize:][:partyTextMax], m.CapcomID)
		copy(b[PartyHunterNameOffset+i*PartyTextSize:][:partyTextMax], m.HunterName)
		b[PartyWeaponTypeOffset+i] = m.WeaponType
		b[PartyFlagOffset+i] = PartyMemberFlag
	}
	return b
}

// CircleListing describes one circle of a city's quest board; Entry turns
// it into CircleInfo and its optional fields as MH3SP sends them.
type CircleListing struct {
	Index       uint32 // 1-based
	Empty       bool   // an unused slot: only the index is sent
	HasPassword bool
	Password    []byte
	Members     [PartySlots]*PartyMember
	HasRemarks  bool
	Remarks     []byte
	Players     uint32 // members now
	Capacity    uint32
	Leader      []byte // leader's Capcom ID
	Unknown0E   uint8
	NotJoinable bool
	QuestID     uint32
}

// Entry builds the CircleInfo (fields in MH3SP's order) and its optional
// fields {capacity, quest id}.
func (c CircleListing) Entry() DataOpt {
	var d Data
	d.SetLong(CircleIndex, c.Index)
	if !c.Empty {
		if c.HasPassword {
			d.SetByte(CircleHasPassword, 1).SetString(CirclePassword, c.Password)
		}
		d.SetBinary(CirclePartyMembers, PartyMembersBinary(c.Members))
		if c.HasRemarks {
			d.SetString(CircleRemarks, c.Remarks)
		}
		var notJoinable uint8
		if c.NotJoinable {
			notJoinable = 1
		}
		d.SetLong(CirclePlayerCount, c.Players).
			SetLong(CircleCapacity, c.Capacity).
			SetLong(CircleIndex2, c.Index).
			SetString(CircleLeader, c.Leader).
			SetByte(CircleUnknown0E, c.Unknown0E).
			SetByte(CircleNotJoinable, notJoinable)
	}
	return DataOpt{Data: d, Opt: Opt{
		{ID: OptCircleCapacity, Has: true, Value: c.Capacity},
		{ID: OptCircleQuestID, Has: true, Value: c.QuestID},
	}}
}

// ReqCircleCreate posts a quest: CircleInfo and its options (capacity,
// quest id). MH3SP first sends NtcCircleListLayerChange to the whole city,
// creator included, then AnsCircleCreate; AnsAlert when no slot is free.
type ReqCircleCreate struct{ Info DataOpt }

func (ReqCircleCreate) PacketID() ID       { return IDReqCircleCreate }
func (m ReqCircleCreate) Encode(w *Writer) { w.DataOpt(m.Info) }
func (m *ReqCircleCreate) Decode(r *Reader) {
	m.Info = r.DataOpt()
	r.ignoreRest()
}

// AnsCircleCreate gives the new circle's index.
type AnsCircleCreate index

func (AnsCircleCreate) PacketID() ID        { return IDAnsCircleCreate }
func (m AnsCircleCreate) Encode(w *Writer)  { index(m).Encode(w) }
func (m *AnsCircleCreate) Decode(r *Reader) { (*index)(m).Decode(r) }

// ReqCircleInfo reads circle Index. The rest is kept raw (MH3SP: 13 bytes
// and more, ignored; MHTriServer: a field-id list and byte pairs).
type ReqCircleInfo struct {
	Index uint32
	Rest  []byte
}

func (ReqCircleInfo) PacketID() ID        { return IDReqCircleInfo }
func (m ReqCircleInfo) Encode(w *Writer)  { w.U32(m.Index).Raw(m.Rest) }
func (m *ReqCircleInfo) Decode(r *Reader) { m.Index, m.Rest = r.U32(), r.Rest() }

// AnsCircleInfo: the index, CircleInfo and options.
type AnsCircleInfo circleInfo

func (AnsCircleInfo) PacketID() ID        { return IDAnsCircleInfo }
func (m AnsCircleInfo) Encode(w *Writer)  { circleInfo(m).Encode(w) }
func (m *AnsCircleInfo) Decode(r *Reader) { (*circleInfo)(m).Decode(r) }

// ReqCircleJoin joins circle Index; Info is a CircleInfo with at most
// CircleUnknown0B, CircleHasPassword and CirclePassword. Refused with an
// AnsAlert for a bad slot, a wrong password or a full party.
type ReqCircleJoin struct {
	Index uint32
	Info  Data
}

func (ReqCircleJoin) PacketID() ID       { return IDReqCircleJoin }
func (m ReqCircleJoin) Encode(w *Writer) { w.U32(m.Index).Data(m.Info) }
func (m *ReqCircleJoin) Decode(r *Reader) {
	m.Index, m.Info = r.U32(), r.Data()
	r.ignoreRest()
}

// AnsCircleJoin: the index and the joiner's slot (1-based).
type AnsCircleJoin struct {
	Index uint32
	Slot  uint8
}

func (AnsCircleJoin) PacketID() ID        { return IDAnsCircleJoin }
func (m AnsCircleJoin) Encode(w *Writer)  { w.U32(m.Index).U8(m.Slot) }
func (m *AnsCircleJoin) Decode(r *Reader) { m.Index, m.Slot = r.U32(), r.U8() }

// NtcCircleJoin tells the other members who joined and in which slot.
// State is 0 in MH3SP (2 makes the game count something).
type NtcCircleJoin struct {
	Index      uint32
	CapcomID   []byte
	HunterName []byte
	Slot       uint8
	State      uint8
}

func (NtcCircleJoin) PacketID() ID { return IDNtcCircleJoin }
func (m NtcCircleJoin) Encode(w *Writer) {
	w.U32(m.Index).LP2(m.CapcomID).LP2(m.HunterName).U8(m.Slot).U8(m.State)
}
func (m *NtcCircleJoin) Decode(r *Reader) {
	m.Index, m.CapcomID, m.HunterName = r.U32(), r.LP2(), r.LP2()
	m.Slot, m.State = r.U8(), r.U8()
}

// ReqCircleLeave leaves circle Index.
type ReqCircleLeave index

func (ReqCircleLeave) PacketID() ID        { return IDReqCircleLeave }
func (m ReqCircleLeave) Encode(w *Writer)  { index(m).Encode(w) }
func (m *ReqCircleLeave) Decode(r *Reader) { (*index)(m).Decode(r) }

// AnsCircleLeave echoes the index (MH3SP sends it after the notices).
type AnsCircleLeave index

func (AnsCircleLeave) PacketID() ID        { return IDAnsCircleLeave }
func (m AnsCircleLeave) Encode(w *Writer)  { index(m).Encode(w) }
func (m *AnsCircleLeave) Decode(r *Reader) { (*index)(m).Decode(r) }

// NtcCircleLeave tells the other members who left which slot.
type NtcCircleLeave struct {
	Index    uint32
	CapcomID []byte
	Slot     uint8
	Unknown  uint8 // MH3SP 0
}

func (NtcCircleLeave) PacketID() ID { return IDNtcCircleLeave }
func (m NtcCircleLeave) Encode(w *Writer) {
	w.U32(m.Index).LP2(m.CapcomID).U8(m.Slot).U8(m.Unknown)
}
func (m *NtcCircleLeave) Decode(r *Reader) {
	m.Index, m.CapcomID, m.Slot, m.Unknown = r.U32(), r.LP2(), r.U8(), r.U8()
}

// NtcCircleBreak tells the members the circle is disbanded (its leader
// left before departing). The game ignores the u32 (MH3SP 0).
type NtcCircleBreak struct{ Unknown uint32 }

func (NtcCircleBreak) PacketID() ID        { return IDNtcCircleBreak }
func (m NtcCircleBreak) Encode(w *Writer)  { w.U32(m.Unknown) }
func (m *NtcCircleBreak) Decode(r *Reader) { m.Unknown = r.U32() }

// ReqCircleMatchOptionSet sets the member's match options, a
// CircleUserData (CircleUserStandby = ready to depart).
type ReqCircleMatchOptionSet struct{ Options Data }

func (ReqCircleMatchOptionSet) PacketID() ID       { return IDReqCircleMatchOptionSet }
func (m ReqCircleMatchOptionSet) Encode(w *Writer) { w.Data(m.Options) }
func (m *ReqCircleMatchOptionSet) Decode(r *Reader) {
	m.Options = r.Data()
	r.ignoreRest()
}

// AnsCircleMatchOptionSet is empty.
type AnsCircleMatchOptionSet struct{ empty }

func (AnsCircleMatchOptionSet) PacketID() ID { return IDAnsCircleMatchOptionSet }

// NtcCircleMatchOptionSet gives the other members the options, with
// CircleUserSlot, CircleUserCapcomID and CircleUserHunterName set.
type NtcCircleMatchOptionSet struct{ Options Data }

func (NtcCircleMatchOptionSet) PacketID() ID        { return IDNtcCircleMatchOptionSet }
func (m NtcCircleMatchOptionSet) Encode(w *Writer)  { w.Data(m.Options) }
func (m *NtcCircleMatchOptionSet) Decode(r *Reader) { m.Options = r.Data() }

// ReqCircleMatchStart: the leader departs on the quest. Empty in practice.
type ReqCircleMatchStart struct{ opaque }

func (ReqCircleMatchStart) PacketID() ID { return IDReqCircleMatchStart }

// AnsCircleMatchStart is empty (MH3SP sends it after NtcCircleMatchStart).
type AnsCircleMatchStart struct{ empty }

func (AnsCircleMatchStart) PacketID() ID { return IDAnsCircleMatchStart }

// MatchMember is one departing hunter of NtcCircleMatchStart.
type MatchMember struct {
	Slot     uint8  // 1-based (the game subtracts one)
	CapcomID []byte // ≤ MaxCapcomID bytes
	Flag     []byte // ≤ MaxMatchStartFlag bytes; MH3SP sends {1}
	Unknown  uint16 // MH3SP 21
}

// MatchStartUnknown is MH3SP's MatchMember.Unknown.
const MatchStartUnknown = 21

// NtcCircleMatchStart is the quest roster, sent to every member (leader
// included): u16 block length, then the block (u32 n, n × (u8 slot, lp2
// Capcom ID, lp2 flag, u16)), then u32 Trailer (MH3SP 1). The length
// counts the block only and is computed. Extra holds block bytes after the
// roster (MHTriServer can send five more fields there; MH3SP none).
type NtcCircleMatchStart struct {
	Members []MatchMember
	Extra   []byte
	Trailer uint32
}

func (NtcCircleMatchStart) PacketID() ID { return IDNtcCircleMatchStart }
func (m NtcCircleMatchStart) Encode(w *Writer) {
	b := NewWriter(nil).U32(uint32(len(m.Members)))
	for _, p := range m.Members {
		b.U8(p.Slot).LP2(p.CapcomID).LP2(p.Flag).U16(p.Unknown)
	}
	b.Raw(m.Extra)
	if err := b.Err(); err != nil {
		w.fail(err)
	}
	w.LP2(b.Bytes()).U32(m.Trailer)
}
func (m *NtcCircleMatchStart) Decode(r *Reader) {
	b := NewReader(r.LP2())
	m.Trailer = r.U32()
	if r.err != nil {
		return
	}
	n := b.count(1 + 2 + 2 + 2)
	m.Members = make([]MatchMember, 0, n)
	for i := 0; i < n && b.err == nil; i++ {
		m.Members = append(m.Members, MatchMember{Slot: b.U8(), CapcomID: b.LP2(), Flag: b.LP2(), Unknown: b.U16()})
	}
	if b.Len() > 0 {
		m.Extra = b.Rest()
	}
	if b.err != nil {
		r.Fail(fmt.Errorf("NtcCircleMatchStart block: %w", b.err))
	}
}

// ReqCircleMatchEnd: the quest is over (Flag of unknown meaning).
type ReqCircleMatchEnd struct{ Flag uint8 }

func (ReqCircleMatchEnd) PacketID() ID       { return IDReqCircleMatchEnd }
func (m ReqCircleMatchEnd) Encode(w *Writer) { w.U8(m.Flag) }
func (m *ReqCircleMatchEnd) Decode(r *Reader) {
	m.Flag = r.U8()
	r.ignoreRest()
}

// AnsCircleMatchEnd is empty.
type AnsCircleMatchEnd struct{ empty }

func (AnsCircleMatchEnd) PacketID() ID { return IDAnsCircleMatchEnd }

// ReqCircleInfoSet changes circle Index's settings: CircleInfo and
// options. MH3SP relays it as NtcCircleInfoSet, answers the index, then
// sends NtcCircleListLayerChange.
type ReqCircleInfoSet circleInfo

func (ReqCircleInfoSet) PacketID() ID       { return IDReqCircleInfoSet }
func (m ReqCircleInfoSet) Encode(w *Writer) { circleInfo(m).Encode(w) }
func (m *ReqCircleInfoSet) Decode(r *Reader) {
	(*circleInfo)(m).Decode(r)
	r.ignoreRest()
}

// AnsCircleInfoSet echoes the index.
type AnsCircleInfoSet index

func (AnsCircleInfoSet) PacketID() ID        { return IDAnsCircleInfoSet }
func (m AnsCircleInfoSet) Encode(w *Writer)  { index(m).Encode(w) }
func (m *AnsCircleInfoSet) Decode(r *Reader) { (*index)(m).Decode(r) }

// NtcCircleInfoSet gives the other members the new settings as sent.
type NtcCircleInfoSet circleInfo

func (NtcCircleInfoSet) PacketID() ID        { return IDNtcCircleInfoSet }
func (m NtcCircleInfoSet) Encode(w *Writer)  { circleInfo(m).Encode(w) }
func (m *NtcCircleInfoSet) Decode(r *Reader) { (*circleInfo)(m).Decode(r) }

// ReqCircleListLayer asks for the city's quest board. Kept raw (MH3SP
// ignores it; MHTriServer reads a field-id list and byte pairs).
type ReqCircleListLayer struct{ opaque }

func (ReqCircleListLayer) PacketID() ID { return IDReqCircleListLayer }

// AnsCircleListLayer: u32 0, u32 n, then CircleInfo + options for each
// circle in use (the index is inside CircleInfo).
type AnsCircleListLayer struct {
	Unknown uint32
	Circles []DataOpt
}

func (AnsCircleListLayer) PacketID() ID { return IDAnsCircleListLayer }
func (m AnsCircleListLayer) Encode(w *Writer) {
	w.U32(m.Unknown).dataOptList(m.Circles)
}
func (m *AnsCircleListLayer) Decode(r *Reader) {
	m.Unknown, m.Circles = r.U32(), r.dataOptList()
}

// NtcCircleKick tells a member he was dropped (MH3SP: members not ready
// when the leader departs). The game ignores both fields (MH3SP: 0, "").
type NtcCircleKick struct {
	Unknown uint8
	Text    []byte
}

func (NtcCircleKick) PacketID() ID        { return IDNtcCircleKick }
func (m NtcCircleKick) Encode(w *Writer)  { w.U8(m.Unknown).LP2(m.Text) }
func (m *NtcCircleKick) Decode(r *Reader) { m.Unknown, m.Text = r.U8(), r.LP2() }

// NtcCircleHostHandover would announce a new leader by handover; MH3SP
// has it written but notes the game has no handler for it: u32 0, u8
// slot, lp2 id, lp2 name, lp2 (empty).
type NtcCircleHostHandover struct {
	Unknown    uint32
	Slot       uint8
	CapcomID   []byte
	HunterName []byte
	Unknown2   []byte
}

func (NtcCircleHostHandover) PacketID() ID { return IDNtcCircleHostHandover }
func (m NtcCircleHostHandover) Encode(w *Writer) {
	w.U32(m.Unknown).U8(m.Slot).LP2(m.CapcomID).LP2(m.HunterName).LP2(m.Unknown2)
}
func (m *NtcCircleHostHandover) Decode(r *Reader) {
	m.Unknown, m.Slot, m.CapcomID = r.U32(), r.U8(), r.LP2()
	m.HunterName, m.Unknown2 = r.LP2(), r.LP2()
}

// circleHost is "u32, u8 slot, lp2 Capcom ID, lp2 name".
type circleHost struct {
	Index      uint32
	Slot       uint8
	CapcomID   []byte
	HunterName []byte
}

func (m circleHost) Encode(w *Writer) {
	w.U32(m.Index).U8(m.Slot).LP2(m.CapcomID).LP2(m.HunterName)
}
func (m *circleHost) Decode(r *Reader) {
	m.Index, m.Slot, m.CapcomID, m.HunterName = r.U32(), r.U8(), r.LP2(), r.LP2()
}

// ReqCircleHost asks who leads circle Index.
type ReqCircleHost index

func (ReqCircleHost) PacketID() ID       { return IDReqCircleHost }
func (m ReqCircleHost) Encode(w *Writer) { index(m).Encode(w) }
func (m *ReqCircleHost) Decode(r *Reader) {
	(*index)(m).Decode(r)
	r.ignoreRest()
}

// AnsCircleHost: the index, the leader's slot (1-based), id and name.
type AnsCircleHost circleHost

func (AnsCircleHost) PacketID() ID        { return IDAnsCircleHost }
func (m AnsCircleHost) Encode(w *Writer)  { circleHost(m).Encode(w) }
func (m *AnsCircleHost) Decode(r *Reader) { (*circleHost)(m).Decode(r) }

// NtcCircleHost names the new leader after the leader of a departed
// circle left; MH3SP sends Index 0.
type NtcCircleHost circleHost

func (NtcCircleHost) PacketID() ID        { return IDNtcCircleHost }
func (m NtcCircleHost) Encode(w *Writer)  { circleHost(m).Encode(w) }
func (m *NtcCircleHost) Decode(r *Reader) { (*circleHost)(m).Decode(r) }

// ReqCircleUserList asks for the members of the player's circle (payload
// ignored by MH3SP, kept raw).
type ReqCircleUserList struct{ opaque }

func (ReqCircleUserList) PacketID() ID { return IDReqCircleUserList }

// AnsCircleUserList: u32 n, n × CircleUserData {standby, slot, id, name}.
type AnsCircleUserList struct{ Users []Data }

func (AnsCircleUserList) PacketID() ID        { return IDAnsCircleUserList }
func (m AnsCircleUserList) Encode(w *Writer)  { w.dataList(m.Users) }
func (m *AnsCircleUserList) Decode(r *Reader) { m.Users = r.dataList() }

// NtcCircleBinaryFromClient is a blob the game broadcasts to its circle:
// circle index, a blank LayerUserInfo, the blob.
type NtcCircleBinaryFromClient struct {
	Index   uint32
	Sender  Data
	Payload []byte
}

func (NtcCircleBinaryFromClient) PacketID() ID { return IDNtcCircleBinary }
func (m NtcCircleBinaryFromClient) Encode(w *Writer) {
	w.U32(m.Index).Data(m.Sender).Raw(m.Payload)
}
func (m *NtcCircleBinaryFromClient) Decode(r *Reader) {
	m.Index, m.Sender, m.Payload = r.U32(), r.Data(), r.Rest()
}

// circleBinary is "u32 index, lp2 Capcom ID, LayerBinaryInfo, blob".
type circleBinary struct {
	Index    uint32
	CapcomID []byte
	Info     Data
	Payload  []byte
}

func (m circleBinary) Encode(w *Writer) {
	w.U32(m.Index).LP2(m.CapcomID).Data(m.Info).Raw(m.Payload)
}
func (m *circleBinary) Decode(r *Reader) {
	m.Index, m.CapcomID, m.Info, m.Payload = r.U32(), r.LP2(), r.Data(), r.Rest()
}

// NtcCircleBinary delivers a circle blob to the other members: index,
// sender's Capcom ID, LayerBinaryInfo {0x01, id, name}, the blob.
type NtcCircleBinary circleBinary

func (NtcCircleBinary) PacketID() ID        { return IDNtcCircleBinary }
func (m NtcCircleBinary) Encode(w *Writer)  { circleBinary(m).Encode(w) }
func (m *NtcCircleBinary) Decode(r *Reader) { (*circleBinary)(m).Decode(r) }

// NtcCircleBinary2FromClient is a blob for one circle member: index,
// partner's Capcom ID, LayerBinaryInfo, the blob.
type NtcCircleBinary2FromClient circleBinary

func (NtcCircleBinary2FromClient) PacketID() ID        { return IDNtcCircleBinary2 }
func (m NtcCircleBinary2FromClient) Encode(w *Writer)  { circleBinary(m).Encode(w) }
func (m *NtcCircleBinary2FromClient) Decode(r *Reader) { (*circleBinary)(m).Decode(r) }

// NtcCircleBinary2 delivers it to the partner: index, sender's Capcom ID
// (ID), LayerBinaryInfo {id, name}, the blob.
type NtcCircleBinary2 circleBinary

func (NtcCircleBinary2) PacketID() ID        { return IDNtcCircleBinary2 }
func (m NtcCircleBinary2) Encode(w *Writer)  { circleBinary(m).Encode(w) }
func (m *NtcCircleBinary2) Decode(r *Reader) { (*circleBinary)(m).Decode(r) }

// ReqCircleInfoNoticeSet subscribes to circle notices with two field-id
// lists; acknowledged only.
type ReqCircleInfoNoticeSet fieldLists

func (ReqCircleInfoNoticeSet) PacketID() ID       { return IDReqCircleInfoNoticeSet }
func (m ReqCircleInfoNoticeSet) Encode(w *Writer) { fieldLists(m).Encode(w) }
func (m *ReqCircleInfoNoticeSet) Decode(r *Reader) {
	(*fieldLists)(m).Decode(r)
	r.ignoreRest()
}

// AnsCircleInfoNoticeSet is empty.
type AnsCircleInfoNoticeSet struct{ empty }

func (AnsCircleInfoNoticeSet) PacketID() ID { return IDAnsCircleInfoNoticeSet }

// NtcCircleListLayerCreate puts a new circle on the city's board
// (MHTriServer; MH3SP uses NtcCircleListLayerChange for that too).
type NtcCircleListLayerCreate circleInfo

func (NtcCircleListLayerCreate) PacketID() ID        { return IDNtcCircleListLayerCreate }
func (m NtcCircleListLayerCreate) Encode(w *Writer)  { circleInfo(m).Encode(w) }
func (m *NtcCircleListLayerCreate) Decode(r *Reader) { (*circleInfo)(m).Decode(r) }

// NtcCircleListLayerChange updates circle Index on the board of everyone
// in the city (created, joined, left, departed): index, CircleInfo,
// options.
type NtcCircleListLayerChange circleInfo

func (NtcCircleListLayerChange) PacketID() ID        { return IDNtcCircleListLayerChange }
func (m NtcCircleListLayerChange) Encode(w *Writer)  { circleInfo(m).Encode(w) }
func (m *NtcCircleListLayerChange) Decode(r *Reader) { (*circleInfo)(m).Decode(r) }

// NtcCircleListLayerDelete takes circle Index off the board (written but
// never sent by MH3SP).
type NtcCircleListLayerDelete index

func (NtcCircleListLayerDelete) PacketID() ID        { return IDNtcCircleListLayerDelete }
func (m NtcCircleListLayerDelete) Encode(w *Writer)  { index(m).Encode(w) }
func (m *NtcCircleListLayerDelete) Decode(r *Reader) { (*index)(m).Decode(r) }

// NtcMcsStart would send the party to a match server: address, port,
// name (MHTriServer's guess; never sent by either reference server).
type NtcMcsStart struct {
	Address []byte
	Port    uint16
	Name    []byte
}

func (NtcMcsStart) PacketID() ID        { return IDNtcMcsStart }
func (m NtcMcsStart) Encode(w *Writer)  { w.LP2(m.Address).U16(m.Port).LP2(m.Name) }
func (m *NtcMcsStart) Decode(r *Reader) { m.Address, m.Port, m.Name = r.LP2(), r.U16(), r.LP2() }
