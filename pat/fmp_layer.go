package pat

// FMP layer messages (category 0x64): entering and leaving the layer tree
// (server → gate → city), the child/sibling lists the game shows as menus,
// who is where, and city creation.

// ReqLayerStart is sent when the game enters the layer system of the FMP
// server it just connected to; it carries two field-id lists of unknown
// use (MH3SP ignores them).
type ReqLayerStart fieldLists

func (ReqLayerStart) PacketID() ID       { return IDReqLayerStart }
func (m ReqLayerStart) Encode(w *Writer) { fieldLists(m).Encode(w) }
func (m *ReqLayerStart) Decode(r *Reader) {
	(*fieldLists)(m).Decode(r)
	r.ignoreRest()
}

// AnsLayerStart describes the top layer; MH3SP sends DummyLayerData.
type AnsLayerStart struct{ Layer Data }

func (AnsLayerStart) PacketID() ID        { return IDAnsLayerStart }
func (m AnsLayerStart) Encode(w *Writer)  { w.LayerData(m.Layer) }
func (m *AnsLayerStart) Decode(r *Reader) { m.Layer = r.LayerData() }

// ReqLayerEnd leaves the layer system (back to the server list, or before
// disconnecting); the others in the layer get NtcLayerOut. Empty in
// practice; any bytes are kept.
type ReqLayerEnd struct{ opaque }

func (ReqLayerEnd) PacketID() ID { return IDReqLayerEnd }

// AnsLayerEnd is empty; MH3SP sends the departure notices first.
type AnsLayerEnd struct{ empty }

func (AnsLayerEnd) PacketID() ID { return IDAnsLayerEnd }

// NtcLayerUserNum updates population numbers the game shows: Update is a
// UserNumUpdate* value saying which numbers, Num a LayerUserNum (see
// UserNumFromLayerData). MH3SP sends type 4 to a gate when one of its
// cities changes.
type NtcLayerUserNum struct {
	Update uint8
	Num    Data
}

func (NtcLayerUserNum) PacketID() ID        { return IDNtcLayerUserNum }
func (m NtcLayerUserNum) Encode(w *Writer)  { w.U8(m.Update).Data(m.Num) }
func (m *NtcLayerUserNum) Decode(r *Reader) { m.Update, m.Num = r.U8(), r.Data() }

// ReqLayerDown goes one layer down into child Number (1-based): from a
// server into a gate, from a gate into a city. What follows the number is
// kept raw (MH3SP ignores it; MHTriServer reads a LayerData).
type ReqLayerDown struct {
	Number uint16
	Rest   []byte
}

func (ReqLayerDown) PacketID() ID        { return IDReqLayerDown }
func (m ReqLayerDown) Encode(w *Writer)  { w.U16(m.Number).Raw(m.Rest) }
func (m *ReqLayerDown) Decode(r *Reader) { m.Number, m.Rest = r.U16(), r.Rest() }

// AnsLayerDown echoes the number.
type AnsLayerDown number

func (AnsLayerDown) PacketID() ID        { return IDAnsLayerDown }
func (m AnsLayerDown) Encode(w *Writer)  { number(m).Encode(w) }
func (m *AnsLayerDown) Decode(r *Reader) { (*number)(m).Decode(r) }

// NtcLayerIn tells a layer's players that someone came in: the Capcom ID
// and a LayerUserInfo (MH3SP: id, name, stats).
type NtcLayerIn struct {
	CapcomID []byte
	User     Data
}

func (NtcLayerIn) PacketID() ID        { return IDNtcLayerIn }
func (m NtcLayerIn) Encode(w *Writer)  { w.LP2(m.CapcomID).Data(m.User) }
func (m *NtcLayerIn) Decode(r *Reader) { m.CapcomID, m.User = r.LP2(), r.Data() }

// ReqLayerUp goes one layer up (city → gate, gate → server list); the
// others in the layer get NtcLayerOut. Empty in practice.
type ReqLayerUp struct{ opaque }

func (ReqLayerUp) PacketID() ID { return IDReqLayerUp }

// AnsLayerUp is empty; MH3SP sends the departure notices first.
type AnsLayerUp struct{ empty }

func (AnsLayerUp) PacketID() ID { return IDAnsLayerUp }

// NtcLayerOut tells a layer's players that someone left.
type NtcLayerOut capcomID

func (NtcLayerOut) PacketID() ID        { return IDNtcLayerOut }
func (m NtcLayerOut) Encode(w *Writer)  { capcomID(m).Encode(w) }
func (m *NtcLayerOut) Decode(r *Reader) { (*capcomID)(m).Decode(r) }

// NtcLayerInfoSet tells a gate's players that one of its cities changed
// (created, reserved, emptied): the city's path, its LayerData and its
// optional fields.
type NtcLayerInfoSet struct {
	Path  LayerPath
	Layer DataOpt
}

func (NtcLayerInfoSet) PacketID() ID { return IDNtcLayerInfoSet }
func (m NtcLayerInfoSet) Encode(w *Writer) {
	w.LayerPath(m.Path).LayerDataOpt(m.Layer)
}
func (m *NtcLayerInfoSet) Decode(r *Reader) {
	m.Path, m.Layer = r.LayerPath(), r.LayerDataOpt()
}

// ReqLayerChildInfo asks about child Index of the current layer (sent when
// a gate or city is selected). The rest is kept raw (MHTriServer reads a
// field-id list and a list of byte pairs).
type ReqLayerChildInfo struct {
	Index uint16
	Rest  []byte
}

func (ReqLayerChildInfo) PacketID() ID        { return IDReqLayerChildInfo }
func (m ReqLayerChildInfo) Encode(w *Writer)  { w.U16(m.Index).Raw(m.Rest) }
func (m *ReqLayerChildInfo) Decode(r *Reader) { m.Index, m.Rest = r.U16(), r.Rest() }

// ChildInfoTail is what MH3SP sends after AnsLayerChildInfo's LayerData:
// two zero bytes (an empty optional-field list and a spare byte).
var ChildInfoTail = []byte{0, 0}

// AnsLayerChildInfo describes the child: MH3SP sends Index 1,
// DummyLayerData and ChildInfoTail; MHTriServer sends the index, the real
// LayerData and an optional-field list as the tail.
type AnsLayerChildInfo struct {
	Index uint16
	Layer Data
	Tail  []byte
}

func (AnsLayerChildInfo) PacketID() ID { return IDAnsLayerChildInfo }
func (m AnsLayerChildInfo) Encode(w *Writer) {
	w.U16(m.Index).LayerData(m.Layer).Raw(m.Tail)
}
func (m *AnsLayerChildInfo) Decode(r *Reader) {
	m.Index, m.Layer, m.Tail = r.U16(), r.LayerData(), r.Rest()
}

// layerListHead is "u32, u32, 15 bytes" (MH3SP) — a field-id list in
// MHTriServer's reading, kept raw.
type layerListHead struct {
	Unknown1, Unknown2 uint32
	Rest               []byte
}

func (m layerListHead) Encode(w *Writer) { w.U32(m.Unknown1).U32(m.Unknown2).Raw(m.Rest) }
func (m *layerListHead) Decode(r *Reader) {
	m.Unknown1, m.Unknown2, m.Rest = r.U32(), r.U32(), r.Rest()
}

// blistOf returns b's content when b is exactly one u8-counted list.
func blistOf(b []byte) ([]byte, bool) {
	if len(b) == 0 || int(b[0]) != len(b)-1 {
		return nil, false
	}
	return b[1:], true
}

// ReqLayerChildListHead asks how many children (gates of the server,
// cities of the gate) the current layer has.
type ReqLayerChildListHead layerListHead

func (ReqLayerChildListHead) PacketID() ID        { return IDReqLayerChildListHead }
func (m ReqLayerChildListHead) Encode(w *Writer)  { layerListHead(m).Encode(w) }
func (m *ReqLayerChildListHead) Decode(r *Reader) { (*layerListHead)(m).Decode(r) }

// Fields reads Rest as MHTriServer does: a list of LayerData field ids.
func (m ReqLayerChildListHead) Fields() ([]byte, bool) { return blistOf(m.Rest) }

// AnsLayerChildListHead: u32 0 and the number of children.
type AnsLayerChildListHead countAnswer

func (AnsLayerChildListHead) PacketID() ID        { return IDAnsLayerChildListHead }
func (m AnsLayerChildListHead) Encode(w *Writer)  { countAnswer(m).Encode(w) }
func (m *AnsLayerChildListHead) Decode(r *Reader) { (*countAnswer)(m).Decode(r) }

// ReqLayerChildListData asks for Count children from First (1-based).
type ReqLayerChildListData firstCount

func (ReqLayerChildListData) PacketID() ID       { return IDReqLayerChildListData }
func (m ReqLayerChildListData) Encode(w *Writer) { firstCount(m).Encode(w) }
func (m *ReqLayerChildListData) Decode(r *Reader) {
	(*firstCount)(m).Decode(r)
	r.ignoreRest()
}

// layerList is "u32 first, u32 count, then LayerData + opt per entry".
// MH3SP echoes the requested count even when fewer entries follow, so
// Count is not derived from Layers.
type layerList struct {
	First, Count uint32
	Layers       []DataOpt
}

func (m layerList) Encode(w *Writer) {
	w.U32(m.First).U32(m.Count)
	for _, l := range m.Layers {
		w.LayerDataOpt(l)
	}
}
func (m *layerList) Decode(r *Reader) {
	m.First, m.Count = r.U32(), r.U32()
	m.Layers = nil
	for r.err == nil && r.Len() > 0 {
		l := r.LayerDataOpt()
		if r.err == nil {
			m.Layers = append(m.Layers, l)
		}
	}
}

// AnsLayerChildListData lists the children: MH3SP builds each entry with
// NewLayerData and the layer's optional fields (a city's LayerCreateSet
// options).
type AnsLayerChildListData layerList

func (AnsLayerChildListData) PacketID() ID        { return IDAnsLayerChildListData }
func (m AnsLayerChildListData) Encode(w *Writer)  { layerList(m).Encode(w) }
func (m *AnsLayerChildListData) Decode(r *Reader) { (*layerList)(m).Decode(r) }

// ReqLayerChildListFoot ends the child list (empty).
type ReqLayerChildListFoot struct{ opaque }

func (ReqLayerChildListFoot) PacketID() ID { return IDReqLayerChildListFoot }

// AnsLayerChildListFoot is empty.
type AnsLayerChildListFoot struct{ empty }

func (AnsLayerChildListFoot) PacketID() ID { return IDAnsLayerChildListFoot }

// ReqLayerSiblingListHead is ReqLayerChildListHead one level up: the
// layers beside the current one ("Change Gates" at a gate).
type ReqLayerSiblingListHead layerListHead

func (ReqLayerSiblingListHead) PacketID() ID        { return IDReqLayerSiblingListHead }
func (m ReqLayerSiblingListHead) Encode(w *Writer)  { layerListHead(m).Encode(w) }
func (m *ReqLayerSiblingListHead) Decode(r *Reader) { (*layerListHead)(m).Decode(r) }

// Fields reads Rest as a list of LayerData field ids.
func (m ReqLayerSiblingListHead) Fields() ([]byte, bool) { return blistOf(m.Rest) }

// AnsLayerSiblingListHead: u32 0 and the number of siblings.
type AnsLayerSiblingListHead countAnswer

func (AnsLayerSiblingListHead) PacketID() ID        { return IDAnsLayerSiblingListHead }
func (m AnsLayerSiblingListHead) Encode(w *Writer)  { countAnswer(m).Encode(w) }
func (m *AnsLayerSiblingListHead) Decode(r *Reader) { (*countAnswer)(m).Decode(r) }

// ReqLayerSiblingListData asks for Count siblings from First (1-based).
type ReqLayerSiblingListData firstCount

func (ReqLayerSiblingListData) PacketID() ID       { return IDReqLayerSiblingListData }
func (m ReqLayerSiblingListData) Encode(w *Writer) { firstCount(m).Encode(w) }
func (m *ReqLayerSiblingListData) Decode(r *Reader) {
	(*firstCount)(m).Decode(r)
	r.ignoreRest()
}

// AnsLayerSiblingListData lists the siblings, shaped like the child list.
type AnsLayerSiblingListData layerList

func (AnsLayerSiblingListData) PacketID() ID        { return IDAnsLayerSiblingListData }
func (m AnsLayerSiblingListData) Encode(w *Writer)  { layerList(m).Encode(w) }
func (m *AnsLayerSiblingListData) Decode(r *Reader) { (*layerList)(m).Decode(r) }

// ReqLayerSiblingListFoot ends the sibling list.
type ReqLayerSiblingListFoot struct{ opaque }

func (ReqLayerSiblingListFoot) PacketID() ID { return IDReqLayerSiblingListFoot }

// AnsLayerSiblingListFoot is empty.
type AnsLayerSiblingListFoot struct{ empty }

func (AnsLayerSiblingListFoot) PacketID() ID { return IDAnsLayerSiblingListFoot }

// ReqLayerHost: a player who just entered a city asks who hosts it. The
// payload (an lp2 LayerPath of the city) is kept as sent, because the
// answer echoes it byte for byte.
type ReqLayerHost struct{ opaque }

func (ReqLayerHost) PacketID() ID { return IDReqLayerHost }

// Path reads the payload as an lp2 LayerPath.
func (m ReqLayerHost) Path() (LayerPath, error) {
	r := NewReader(m.Rest)
	p := r.LayerPath()
	return p, r.Done()
}

// AnsLayerHost echoes the request's payload and names the city's leader.
type AnsLayerHost struct {
	Echo       []byte // ReqLayerHost.Rest
	CapcomID   []byte
	HunterName []byte
}

func (AnsLayerHost) PacketID() ID { return IDAnsLayerHost }
func (m AnsLayerHost) Encode(w *Writer) {
	w.Raw(m.Echo).LP2(m.CapcomID).LP2(m.HunterName)
}
func (m *AnsLayerHost) Decode(r *Reader) {
	start := r.off
	r.LP2()
	if r.err == nil {
		m.Echo = r.b[start:r.off:r.off]
	}
	m.CapcomID, m.HunterName = r.LP2(), r.LP2()
}

// NtcLayerHost tells a city's players who hosts it now (the old host
// left). MH3SP sends the empty path (the zero LayerPath) first.
type NtcLayerHost struct {
	Path       LayerPath
	CapcomID   []byte
	HunterName []byte
}

func (NtcLayerHost) PacketID() ID { return IDNtcLayerHost }
func (m NtcLayerHost) Encode(w *Writer) {
	w.LayerPath(m.Path).LP2(m.CapcomID).LP2(m.HunterName)
}
func (m *NtcLayerHost) Decode(r *Reader) {
	m.Path, m.CapcomID, m.HunterName = r.LayerPath(), r.LP2(), r.LP2()
}

// NtcLayerUserInfoSet would tell a layer that a player's LayerUserInfo
// changed (MHTriServer's layout; neither reference server sends it).
type NtcLayerUserInfoSet struct {
	CapcomID []byte
	User     Data
}

func (NtcLayerUserInfoSet) PacketID() ID        { return IDNtcLayerUserInfoSet }
func (m NtcLayerUserInfoSet) Encode(w *Writer)  { w.LP2(m.CapcomID).Data(m.User) }
func (m *NtcLayerUserInfoSet) Decode(r *Reader) { m.CapcomID, m.User = r.LP2(), r.Data() }

// ReqLayerUserList asks for everyone in the current layer, naming the
// LayerUserInfo fields wanted (MH3SP ignores the list).
type ReqLayerUserList struct{ Fields []byte }

func (ReqLayerUserList) PacketID() ID       { return IDReqLayerUserList }
func (m ReqLayerUserList) Encode(w *Writer) { w.BList(m.Fields) }
func (m *ReqLayerUserList) Decode(r *Reader) {
	m.Fields = r.BList()
	r.ignoreRest()
}

// AnsLayerUserList: u32 n and one LayerUserInfo per player (MH3SP: id,
// name, stats; no optional fields).
type AnsLayerUserList struct{ Users []Data }

func (AnsLayerUserList) PacketID() ID        { return IDAnsLayerUserList }
func (m AnsLayerUserList) Encode(w *Writer)  { w.dataList(m.Users) }
func (m *AnsLayerUserList) Decode(r *Reader) { m.Users = r.dataList() }

// ReqLayerUserListHead asks who is in the layer at Layer (an lp2
// LayerPath, kept raw; see Path), to preview a city's occupants; Fields
// names the LayerUserInfo fields wanted.
type ReqLayerUserListHead struct {
	Unknown      uint8
	Layer        []byte
	First, Count uint32
	Fields       []byte
}

func (ReqLayerUserListHead) PacketID() ID { return IDReqLayerUserListHead }
func (m ReqLayerUserListHead) Encode(w *Writer) {
	w.U8(m.Unknown).LP2(m.Layer).U32(m.First).U32(m.Count).BList(m.Fields)
}
func (m *ReqLayerUserListHead) Decode(r *Reader) {
	m.Unknown, m.Layer = r.U8(), r.LP2()
	m.First, m.Count, m.Fields = r.U32(), r.U32(), r.BList()
}

// Path parses Layer.
func (m ReqLayerUserListHead) Path() (LayerPath, error) { return ParseLayerPath(m.Layer) }

// AnsLayerUserListHead: the request's First and the number found.
type AnsLayerUserListHead firstCount

func (AnsLayerUserListHead) PacketID() ID        { return IDAnsLayerUserListHead }
func (m AnsLayerUserListHead) Encode(w *Writer)  { firstCount(m).Encode(w) }
func (m *AnsLayerUserListHead) Decode(r *Reader) { (*firstCount)(m).Decode(r) }

// ReqLayerUserListData asks for the players found by the head.
type ReqLayerUserListData firstCount

func (ReqLayerUserListData) PacketID() ID        { return IDReqLayerUserListData }
func (m ReqLayerUserListData) Encode(w *Writer)  { firstCount(m).Encode(w) }
func (m *ReqLayerUserListData) Decode(r *Reader) { (*firstCount)(m).Decode(r) }

// AnsLayerUserListData: u32 (MH3SP 1), u32 n, n × (LayerUserInfo {id,
// name, host} + UserOpt).
type AnsLayerUserListData struct {
	Unknown uint32
	Users   []DataOpt
}

func (AnsLayerUserListData) PacketID() ID { return IDAnsLayerUserListData }
func (m AnsLayerUserListData) Encode(w *Writer) {
	w.U32(m.Unknown).dataOptList(m.Users)
}
func (m *AnsLayerUserListData) Decode(r *Reader) {
	m.Unknown, m.Users = r.U32(), r.dataOptList()
}

// ReqLayerUserListFoot ends the layer user list (empty).
type ReqLayerUserListFoot struct{ opaque }

func (ReqLayerUserListFoot) PacketID() ID { return IDReqLayerUserListFoot }

// AnsLayerUserListFoot is empty.
type AnsLayerUserListFoot struct{ empty }

func (AnsLayerUserListFoot) PacketID() ID { return IDAnsLayerUserListFoot }

// City creation: Head reserves slot Number of the current gate, Set sends
// the settings (MH3SP moves the creator in there), Foot ends it.

// ReqLayerCreateHead reserves city Number (1-based) at the current gate;
// refused with an AnsAlert when taken or reserved.
type ReqLayerCreateHead number

func (ReqLayerCreateHead) PacketID() ID        { return IDReqLayerCreateHead }
func (m ReqLayerCreateHead) Encode(w *Writer)  { number(m).Encode(w) }
func (m *ReqLayerCreateHead) Decode(r *Reader) { (*number)(m).Decode(r) }

// AnsLayerCreateHead echoes the number: the slot is reserved.
type AnsLayerCreateHead number

func (AnsLayerCreateHead) PacketID() ID        { return IDAnsLayerCreateHead }
func (m AnsLayerCreateHead) Encode(w *Writer)  { number(m).Encode(w) }
func (m *AnsLayerCreateHead) Decode(r *Reader) { (*number)(m).Decode(r) }

// ReqLayerCreateSet carries the new city's settings: a LayerSet and the
// city's optional fields (OptCity*: HR limit, goal, seeking).
type ReqLayerCreateSet struct {
	Number   uint16
	Settings Data
	Opt      Opt
}

func (ReqLayerCreateSet) PacketID() ID { return IDReqLayerCreateSet }
func (m ReqLayerCreateSet) Encode(w *Writer) {
	w.U16(m.Number).Data(m.Settings).Opt(m.Opt)
}
func (m *ReqLayerCreateSet) Decode(r *Reader) {
	m.Number, m.Settings, m.Opt = r.U16(), r.Data(), r.Opt()
}

// AnsLayerCreateSet echoes the number.
type AnsLayerCreateSet number

func (AnsLayerCreateSet) PacketID() ID        { return IDAnsLayerCreateSet }
func (m AnsLayerCreateSet) Encode(w *Writer)  { number(m).Encode(w) }
func (m *AnsLayerCreateSet) Decode(r *Reader) { (*number)(m).Decode(r) }

// ReqLayerCreateFoot ends the creation; the reservation is released.
// MHTriServer reads Flag as "cancelled".
type ReqLayerCreateFoot struct {
	Number uint16
	Flag   uint8
}

func (ReqLayerCreateFoot) PacketID() ID        { return IDReqLayerCreateFoot }
func (m ReqLayerCreateFoot) Encode(w *Writer)  { w.U16(m.Number).U8(m.Flag) }
func (m *ReqLayerCreateFoot) Decode(r *Reader) { m.Number, m.Flag = r.U16(), r.U8() }

// AnsLayerCreateFoot echoes the number.
type AnsLayerCreateFoot number

func (AnsLayerCreateFoot) PacketID() ID        { return IDAnsLayerCreateFoot }
func (m AnsLayerCreateFoot) Encode(w *Writer)  { number(m).Encode(w) }
func (m *AnsLayerCreateFoot) Decode(r *Reader) { (*number)(m).Decode(r) }

// NewReqLayerHost asks who hosts the city at p (the game sends the
// city's path as an lp2).
func NewReqLayerHost(p LayerPath) *ReqLayerHost {
	return &ReqLayerHost{opaque{Rest: NewWriter(nil).LayerPath(p).Bytes()}}
}
