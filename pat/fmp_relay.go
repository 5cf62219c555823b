package pat

import "fmt"

// FMP relays and the user display binary. The game sends opaque
// game-state blobs (positions, sync data) as notifications; the server
// stamps them with the sender and passes them on. What the game sends and
// what it receives have different heads, so each relay has two types: the
// ...FromClient one decodes the game's notification, the other is what
// the server sends. The blob itself (Payload) is never interpreted.

// NtcLayerBinaryFromClient is a game-state blob the game broadcasts to
// its layer; it starts with a blank LayerUserInfo.
type NtcLayerBinaryFromClient struct {
	Sender  Data
	Payload []byte
}

func (NtcLayerBinaryFromClient) PacketID() ID { return IDNtcLayerBinary }
func (m NtcLayerBinaryFromClient) Encode(w *Writer) {
	w.Data(m.Sender).Raw(m.Payload)
}
func (m *NtcLayerBinaryFromClient) Decode(r *Reader) {
	m.Sender, m.Payload = r.Data(), r.Rest()
}

// NtcLayerBinary delivers a layer blob to the layer's other players:
// sender's Capcom ID, LayerBinaryInfo {0x01 LayerBinaryUnknown01Value,
// id, name}, the blob.
type NtcLayerBinary struct {
	SenderID []byte
	Info     Data
	Payload  []byte
}

func (NtcLayerBinary) PacketID() ID { return IDNtcLayerBinary }
func (m NtcLayerBinary) Encode(w *Writer) {
	w.LP2(m.SenderID).Data(m.Info).Raw(m.Payload)
}
func (m *NtcLayerBinary) Decode(r *Reader) {
	m.SenderID, m.Info, m.Payload = r.LP2(), r.Data(), r.Rest()
}

// NtcLayerUserPositionFromClient is the player's position, all opaque.
type NtcLayerUserPositionFromClient struct{ Payload []byte }

func (NtcLayerUserPositionFromClient) PacketID() ID { return IDNtcLayerUserPosition }
func (m NtcLayerUserPositionFromClient) Encode(w *Writer) {
	w.Raw(m.Payload)
}
func (m *NtcLayerUserPositionFromClient) Decode(r *Reader) { m.Payload = r.Rest() }

// NtcLayerUserPosition delivers a position to the layer's other players,
// prefixed with the sender's Capcom ID (MHTriServer puts the name there).
type NtcLayerUserPosition struct {
	SenderID []byte
	Payload  []byte
}

func (NtcLayerUserPosition) PacketID() ID        { return IDNtcLayerUserPosition }
func (m NtcLayerUserPosition) Encode(w *Writer)  { w.LP2(m.SenderID).Raw(m.Payload) }
func (m *NtcLayerUserPosition) Decode(r *Reader) { m.SenderID, m.Payload = r.LP2(), r.Rest() }

// NtcLayerBinary2FromClient is a blob for one partner in the same city.
type NtcLayerBinary2FromClient struct {
	PartnerID []byte
	Info      Data // LayerBinaryInfo
	Payload   []byte
}

func (NtcLayerBinary2FromClient) PacketID() ID { return IDNtcLayerBinary2 }
func (m NtcLayerBinary2FromClient) Encode(w *Writer) {
	w.LP2(m.PartnerID).Data(m.Info).Raw(m.Payload)
}
func (m *NtcLayerBinary2FromClient) Decode(r *Reader) {
	m.PartnerID, m.Info, m.Payload = r.LP2(), r.Data(), r.Rest()
}

// NtcLayerBinary2 delivers it to the partner: sender's Capcom ID,
// LayerBinaryInfo {id, name}, the blob.
type NtcLayerBinary2 struct {
	SenderID []byte
	Info     Data
	Payload  []byte
}

func (NtcLayerBinary2) PacketID() ID { return IDNtcLayerBinary2 }
func (m NtcLayerBinary2) Encode(w *Writer) {
	w.LP2(m.SenderID).Data(m.Info).Raw(m.Payload)
}
func (m *NtcLayerBinary2) Decode(r *Reader) {
	m.SenderID, m.Info, m.Payload = r.LP2(), r.Data(), r.Rest()
}

// ReqUserBinarySet uploads part of the player's HunterSettings: Data goes
// at Offset (profile, status indicator, gear changes).
type ReqUserBinarySet struct {
	Offset uint32
	Data   []byte
}

func (ReqUserBinarySet) PacketID() ID       { return IDReqUserBinarySet }
func (m ReqUserBinarySet) Encode(w *Writer) { w.U32(m.Offset).LP2(m.Data) }
func (m *ReqUserBinarySet) Decode(r *Reader) {
	m.Offset, m.Data = r.U32(), r.LP2()
	r.ignoreRest()
}

// Apply writes the uploaded bytes into a HunterSettings buffer, refusing
// a range that does not fit in it (the game never sends one).
func (m ReqUserBinarySet) Apply(settings []byte) error {
	if uint64(m.Offset)+uint64(len(m.Data)) > uint64(len(settings)) {
		return fmt.Errorf("pat: display binary write of %d bytes at %d, buffer of %d", len(m.Data), m.Offset, len(settings))
	}
	copy(settings[m.Offset:], m.Data)
	return nil
}

// AnsUserBinarySet is empty.
type AnsUserBinarySet struct{ empty }

func (AnsUserBinarySet) PacketID() ID { return IDAnsUserBinarySet }

// ReqUserBinaryNotice asks the server to push Length bytes of the
// player's own HunterSettings from Offset to the layer
// (NtcUserBinaryNotice), before the empty answer.
type ReqUserBinaryNotice struct {
	Unknown        uint8
	CapcomID       []byte
	Offset, Length uint32
}

func (ReqUserBinaryNotice) PacketID() ID { return IDReqUserBinaryNotice }
func (m ReqUserBinaryNotice) Encode(w *Writer) {
	w.U8(m.Unknown).LP2(m.CapcomID).U32(m.Offset).U32(m.Length)
}
func (m *ReqUserBinaryNotice) Decode(r *Reader) {
	m.Unknown, m.CapcomID, m.Offset, m.Length = r.U8(), r.LP2(), r.U32(), r.U32()
}

// Slice is the part of settings to push, cut to the buffer as MH3SP's
// slicing does (an offset past the end gives nothing).
func (m ReqUserBinaryNotice) Slice(settings []byte) []byte {
	start := min(uint64(m.Offset), uint64(len(settings)))
	end := min(start+uint64(m.Length), uint64(len(settings)))
	return settings[start:end]
}

// AnsUserBinaryNotice is empty.
type AnsUserBinaryNotice struct{ empty }

func (AnsUserBinaryNotice) PacketID() ID { return IDAnsUserBinaryNotice }

// NtcUserBinaryNotice gives the layer a slice of another player's
// HunterSettings: the request's unknown byte, the owner's Capcom ID, the
// offset and the bytes.
type NtcUserBinaryNotice struct {
	Unknown  uint8
	CapcomID []byte
	Offset   uint32
	Data     []byte
}

func (NtcUserBinaryNotice) PacketID() ID { return IDNtcUserBinaryNotice }
func (m NtcUserBinaryNotice) Encode(w *Writer) {
	w.U8(m.Unknown).LP2(m.CapcomID).U32(m.Offset).LP2(m.Data)
}
func (m *NtcUserBinaryNotice) Decode(r *Reader) {
	m.Unknown, m.CapcomID, m.Offset, m.Data = r.U8(), r.LP2(), r.U32(), r.LP2()
}

// ReqUserStatusSet sets the player's status flags (a UserStatusSet;
// StatusFriendRequests = StatusDenyFriendRequests refuses friend
// requests). MH3SP acknowledges and ignores it.
type ReqUserStatusSet struct{ Status Data }

func (ReqUserStatusSet) PacketID() ID       { return IDReqUserStatusSet }
func (m ReqUserStatusSet) Encode(w *Writer) { w.Data(m.Status) }
func (m *ReqUserStatusSet) Decode(r *Reader) {
	m.Status = r.Data()
	r.ignoreRest()
}

// AnsUserStatusSet is empty.
type AnsUserStatusSet struct{ empty }

func (AnsUserStatusSet) PacketID() ID { return IDAnsUserStatusSet }

// NtcCheatCheck is the game's cheat-check report (category 0x60, sent on
// FMP). MH3SP ignores it; MHTriServer reads an lp2 and a PatData of two
// Bytes (see Parse). Kept raw so an unexpected layout never breaks the
// connection.
type NtcCheatCheck struct{ opaque }

func (NtcCheatCheck) PacketID() ID { return IDNtcCheatCheck }

// Parse reads the payload as MHTriServer does: lp2 format, PatData.
func (m NtcCheatCheck) Parse() (format []byte, data Data, err error) {
	r := NewReader(m.Rest)
	format, data = r.LP2(), r.Data()
	if err := r.Done(); err != nil {
		return nil, nil, err
	}
	return format, data, nil
}
