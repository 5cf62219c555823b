package pat

// LMP messages (category 0x61, served by LMP): login info, Capcom-ID
// profiles, the server list and the FMP redirect; plus the in-game copies
// of the server list and the binaries (category 0x63), which share the
// same layouts.

// ReqLoginInfo carries LoginInfo (Login*/Charge* fields).
type ReqLoginInfo struct{ Info Data }

func (ReqLoginInfo) PacketID() ID        { return IDReqLoginInfo }
func (m ReqLoginInfo) Encode(w *Writer)  { w.Data(m.Info) }
func (m *ReqLoginInfo) Decode(r *Reader) { m.Info = r.Data() }

// AnsLoginInfo: need_ticket (1 = the game asks ReqTicket next), a string,
// and ChargeInfo with the online support code.
type AnsLoginInfo struct {
	NeedTicket uint8
	Text       []byte
	ChargeInfo Data
}

func (AnsLoginInfo) PacketID() ID { return IDAnsLoginInfo }
func (m AnsLoginInfo) Encode(w *Writer) {
	w.U8(m.NeedTicket).LP2(m.Text).Data(m.ChargeInfo)
}
func (m *AnsLoginInfo) Decode(r *Reader) {
	m.NeedTicket, m.Text, m.ChargeInfo = r.U8(), r.LP2(), r.Data()
}

type ReqChargeInfo struct{ Type uint8 }

func (ReqChargeInfo) PacketID() ID        { return IDReqChargeInfo }
func (m ReqChargeInfo) Encode(w *Writer)  { w.U8(m.Type) }
func (m *ReqChargeInfo) Decode(r *Reader) { m.Type = r.U8() }

type AnsChargeInfo struct{ ChargeInfo Data }

func (AnsChargeInfo) PacketID() ID        { return IDAnsChargeInfo }
func (m AnsChargeInfo) Encode(w *Writer)  { w.Data(m.ChargeInfo) }
func (m *AnsChargeInfo) Decode(r *Reader) { m.ChargeInfo = r.Data() }

// ReqUserListHead: first index, count and the requested UserObject fields.
type ReqUserListHead struct {
	First, Count uint32
	Fields       []byte
}

func (ReqUserListHead) PacketID() ID { return IDReqUserListHead }
func (m ReqUserListHead) Encode(w *Writer) {
	w.U32(m.First).U32(m.Count).BList(m.Fields)
}
func (m *ReqUserListHead) Decode(r *Reader) {
	m.First, m.Count, m.Fields = r.U32(), r.U32(), r.BList()
}

// firstCount is the "u32 first, u32 count" pair of list requests/answers.
type firstCount struct{ First, Count uint32 }

func (m firstCount) Encode(w *Writer)  { w.U32(m.First).U32(m.Count) }
func (m *firstCount) Decode(r *Reader) { m.First, m.Count = r.U32(), r.U32() }

type AnsUserListHead firstCount

func (AnsUserListHead) PacketID() ID        { return IDAnsUserListHead }
func (m AnsUserListHead) Encode(w *Writer)  { firstCount(m).Encode(w) }
func (m *AnsUserListHead) Decode(r *Reader) { (*firstCount)(m).Decode(r) }

type ReqUserListData firstCount

func (ReqUserListData) PacketID() ID        { return IDReqUserListData }
func (m ReqUserListData) Encode(w *Writer)  { firstCount(m).Encode(w) }
func (m *ReqUserListData) Decode(r *Reader) { (*firstCount)(m).Decode(r) }

// AnsUserListData: first, count, then one UserObject per slot.
type AnsUserListData struct {
	First, Count uint32
	Users        []Data
}

func (AnsUserListData) PacketID() ID { return IDAnsUserListData }
func (m AnsUserListData) Encode(w *Writer) {
	w.U32(m.First).U32(m.Count)
	for _, u := range m.Users {
		w.Data(u)
	}
}
func (m *AnsUserListData) Decode(r *Reader) {
	m.First, m.Count = r.U32(), r.U32()
	m.Users = readDataList(r)
}

// readDataList reads PatData structures until the payload ends.
func readDataList(r *Reader) []Data {
	var out []Data
	for r.Err() == nil && r.Len() > 0 {
		d := r.Data()
		if r.Err() == nil {
			out = append(out, d)
		}
	}
	return out
}

type ReqUserListFoot struct{ opaque }

func (ReqUserListFoot) PacketID() ID { return IDReqUserListFoot }

type AnsUserListFoot struct{ empty }

func (AnsUserListFoot) PacketID() ID { return IDAnsUserListFoot }

// ReqUserObject: the player picks slot (1..6); User is a UserObject.
type ReqUserObject struct {
	IsSlotEmpty uint8
	Slot        uint32
	User        Data
}

func (ReqUserObject) PacketID() ID { return IDReqUserObject }
func (m ReqUserObject) Encode(w *Writer) {
	w.U8(m.IsSlotEmpty).U32(m.Slot).Data(m.User)
}
func (m *ReqUserObject) Decode(r *Reader) {
	m.IsSlotEmpty, m.Slot, m.User = r.U8(), r.U32(), r.Data()
}

// AnsUserObject: u8 1, a string, u32 0, the UserObject with its Capcom ID.
type AnsUserObject struct {
	NeedTicket uint8
	Text       []byte
	Unused     uint32
	User       Data
}

func (AnsUserObject) PacketID() ID { return IDAnsUserObject }
func (m AnsUserObject) Encode(w *Writer) {
	w.U8(m.NeedTicket).LP2(m.Text).U32(m.Unused).Data(m.User)
}
func (m *AnsUserObject) Decode(r *Reader) {
	m.NeedTicket, m.Text, m.Unused, m.User = r.U8(), r.LP2(), r.U32(), r.Data()
}

// The server list exists twice: 0x613x on LMP, 0x631x in game.

type ReqFmpListVersion struct{ opaque }

func (ReqFmpListVersion) PacketID() ID { return IDReqFmpListVersion }

type ReqFmpListVersion2 struct{ opaque }

func (ReqFmpListVersion2) PacketID() ID { return IDReqFmpListVersion2 }

type version struct{ Version uint32 }

func (m version) Encode(w *Writer)  { w.U32(m.Version) }
func (m *version) Decode(r *Reader) { m.Version = r.U32() }

type AnsFmpListVersion version

func (m AnsFmpListVersion) Encode(w *Writer)  { version(m).Encode(w) }
func (m *AnsFmpListVersion) Decode(r *Reader) { (*version)(m).Decode(r) }

func (AnsFmpListVersion) PacketID() ID { return IDAnsFmpListVersion }

type AnsFmpListVersion2 version

func (m AnsFmpListVersion2) Encode(w *Writer)  { version(m).Encode(w) }
func (m *AnsFmpListVersion2) Decode(r *Reader) { (*version)(m).Decode(r) }

func (AnsFmpListVersion2) PacketID() ID { return IDAnsFmpListVersion2 }

type fmpListHead struct {
	Version, First, Count uint32
	Fields                []byte
}

func (m fmpListHead) Encode(w *Writer) {
	w.U32(m.Version).U32(m.First).U32(m.Count).BList(m.Fields)
}
func (m *fmpListHead) Decode(r *Reader) {
	m.Version, m.First, m.Count, m.Fields = r.U32(), r.U32(), r.U32(), r.BList()
}

type ReqFmpListHead fmpListHead

func (ReqFmpListHead) PacketID() ID        { return IDReqFmpListHead }
func (m ReqFmpListHead) Encode(w *Writer)  { fmpListHead(m).Encode(w) }
func (m *ReqFmpListHead) Decode(r *Reader) { (*fmpListHead)(m).Decode(r) }

type ReqFmpListHead2 fmpListHead

func (ReqFmpListHead2) PacketID() ID        { return IDReqFmpListHead2 }
func (m ReqFmpListHead2) Encode(w *Writer)  { fmpListHead(m).Encode(w) }
func (m *ReqFmpListHead2) Decode(r *Reader) { (*fmpListHead)(m).Decode(r) }

// fmpListCount is "u32 0, u32 number of servers".
type fmpListCount struct{ Unused, Count uint32 }

func (m fmpListCount) Encode(w *Writer)  { w.U32(m.Unused).U32(m.Count) }
func (m *fmpListCount) Decode(r *Reader) { m.Unused, m.Count = r.U32(), r.U32() }

type AnsFmpListHead fmpListCount

func (AnsFmpListHead) PacketID() ID        { return IDAnsFmpListHead }
func (m AnsFmpListHead) Encode(w *Writer)  { fmpListCount(m).Encode(w) }
func (m *AnsFmpListHead) Decode(r *Reader) { (*fmpListCount)(m).Decode(r) }

type AnsFmpListHead2 fmpListCount

func (AnsFmpListHead2) PacketID() ID        { return IDAnsFmpListHead2 }
func (m AnsFmpListHead2) Encode(w *Writer)  { fmpListCount(m).Encode(w) }
func (m *AnsFmpListHead2) Decode(r *Reader) { (*fmpListCount)(m).Decode(r) }

// ReqFmpListData: first (1-based) and count.
type ReqFmpListData firstCount

func (ReqFmpListData) PacketID() ID        { return IDReqFmpListData }
func (m ReqFmpListData) Encode(w *Writer)  { firstCount(m).Encode(w) }
func (m *ReqFmpListData) Decode(r *Reader) { (*firstCount)(m).Decode(r) }

type ReqFmpListData2 firstCount

func (ReqFmpListData2) PacketID() ID        { return IDReqFmpListData2 }
func (m ReqFmpListData2) Encode(w *Writer)  { firstCount(m).Encode(w) }
func (m *ReqFmpListData2) Decode(r *Reader) { (*firstCount)(m).Decode(r) }

// fmpList is "u32 0, u32 count" and one FmpData per server.
type fmpList struct {
	Unused, Count uint32
	Servers       []Data
}

func (m fmpList) Encode(w *Writer) {
	w.U32(m.Unused).U32(m.Count)
	for _, s := range m.Servers {
		w.Data(s)
	}
}
func (m *fmpList) Decode(r *Reader) {
	m.Unused, m.Count = r.U32(), r.U32()
	m.Servers = readDataList(r)
}

type AnsFmpListData fmpList

func (AnsFmpListData) PacketID() ID        { return IDAnsFmpListData }
func (m AnsFmpListData) Encode(w *Writer)  { fmpList(m).Encode(w) }
func (m *AnsFmpListData) Decode(r *Reader) { (*fmpList)(m).Decode(r) }

type AnsFmpListData2 fmpList

func (AnsFmpListData2) PacketID() ID        { return IDAnsFmpListData2 }
func (m AnsFmpListData2) Encode(w *Writer)  { fmpList(m).Encode(w) }
func (m *AnsFmpListData2) Decode(r *Reader) { (*fmpList)(m).Decode(r) }

type ReqFmpListFoot struct{ opaque }

func (ReqFmpListFoot) PacketID() ID { return IDReqFmpListFoot }

type ReqFmpListFoot2 struct{ opaque }

func (ReqFmpListFoot2) PacketID() ID { return IDReqFmpListFoot2 }

type AnsFmpListFoot struct{ empty }

func (AnsFmpListFoot) PacketID() ID { return IDAnsFmpListFoot }

type AnsFmpListFoot2 struct{ empty }

func (AnsFmpListFoot2) PacketID() ID { return IDAnsFmpListFoot2 }

// fmpInfo asks where server Index lives, naming the FmpData fields wanted.
type fmpInfo struct {
	Index  uint32
	Fields []byte
}

func (m fmpInfo) Encode(w *Writer)  { w.U32(m.Index).BList(m.Fields) }
func (m *fmpInfo) Decode(r *Reader) { m.Index, m.Fields = r.U32(), r.BList() }

type ReqFmpInfo fmpInfo

func (ReqFmpInfo) PacketID() ID        { return IDReqFmpInfo }
func (m ReqFmpInfo) Encode(w *Writer)  { fmpInfo(m).Encode(w) }
func (m *ReqFmpInfo) Decode(r *Reader) { (*fmpInfo)(m).Decode(r) }

type ReqFmpInfo2 fmpInfo

func (ReqFmpInfo2) PacketID() ID        { return IDReqFmpInfo2 }
func (m ReqFmpInfo2) Encode(w *Writer)  { fmpInfo(m).Encode(w) }
func (m *ReqFmpInfo2) Decode(r *Reader) { (*fmpInfo)(m).Decode(r) }

// AnsFmpInfo carries exactly the requested FmpData fields.
type AnsFmpInfo struct{ Data Data }

func (AnsFmpInfo) PacketID() ID        { return IDAnsFmpInfo }
func (m AnsFmpInfo) Encode(w *Writer)  { w.Data(m.Data) }
func (m *AnsFmpInfo) Decode(r *Reader) { m.Data = r.Data() }

type AnsFmpInfo2 struct{ Data Data }

func (AnsFmpInfo2) PacketID() ID        { return IDAnsFmpInfo2 }
func (m AnsFmpInfo2) Encode(w *Writer)  { w.Data(m.Data) }
func (m *AnsFmpInfo2) Decode(r *Reader) { m.Data = r.Data() }

// Binaries: numbered blobs the game downloads in chunks.

type binaryType struct{ Type uint8 }

func (m binaryType) Encode(w *Writer)  { w.U8(m.Type) }
func (m *binaryType) Decode(r *Reader) { m.Type = r.U8() }

type ReqBinaryVersion binaryType

func (m ReqBinaryVersion) Encode(w *Writer)  { binaryType(m).Encode(w) }
func (m *ReqBinaryVersion) Decode(r *Reader) { (*binaryType)(m).Decode(r) }

func (ReqBinaryVersion) PacketID() ID { return IDReqBinaryVersion }

type AnsBinaryVersion struct {
	Unused  uint8
	Version uint32
}

func (AnsBinaryVersion) PacketID() ID        { return IDAnsBinaryVersion }
func (m AnsBinaryVersion) Encode(w *Writer)  { w.U8(m.Unused).U32(m.Version) }
func (m *AnsBinaryVersion) Decode(r *Reader) { m.Unused, m.Version = r.U8(), r.U32() }

type ReqBinaryHead binaryType

func (m ReqBinaryHead) Encode(w *Writer)  { binaryType(m).Encode(w) }
func (m *ReqBinaryHead) Decode(r *Reader) { (*binaryType)(m).Decode(r) }

func (ReqBinaryHead) PacketID() ID { return IDReqBinaryHead }

type AnsBinaryHead struct{ Version, Size uint32 }

func (AnsBinaryHead) PacketID() ID        { return IDAnsBinaryHead }
func (m AnsBinaryHead) Encode(w *Writer)  { w.U32(m.Version).U32(m.Size) }
func (m *AnsBinaryHead) Decode(r *Reader) { m.Version, m.Size = r.U32(), r.U32() }

type ReqBinaryData struct {
	Type                  uint8
	Version, Offset, Size uint32
}

func (ReqBinaryData) PacketID() ID { return IDReqBinaryData }
func (m ReqBinaryData) Encode(w *Writer) {
	w.U8(m.Type).U32(m.Version).U32(m.Offset).U32(m.Size)
}
func (m *ReqBinaryData) Decode(r *Reader) {
	m.Type, m.Version, m.Offset, m.Size = r.U8(), r.U32(), r.U32(), r.U32()
}

// AnsBinaryData echoes version, offset and size, then the chunk.
type AnsBinaryData struct {
	Version, Offset, Size uint32
	Data                  []byte
}

func (AnsBinaryData) PacketID() ID { return IDAnsBinaryData }
func (m AnsBinaryData) Encode(w *Writer) {
	w.U32(m.Version).U32(m.Offset).U32(m.Size).LP2(m.Data)
}
func (m *AnsBinaryData) Decode(r *Reader) {
	m.Version, m.Offset, m.Size, m.Data = r.U32(), r.U32(), r.U32(), r.LP2()
}

type ReqBinaryFoot binaryType

func (m ReqBinaryFoot) Encode(w *Writer)  { binaryType(m).Encode(w) }
func (m *ReqBinaryFoot) Decode(r *Reader) { (*binaryType)(m).Decode(r) }

func (ReqBinaryFoot) PacketID() ID { return IDReqBinaryFoot }

type AnsBinaryFoot struct{ empty }

func (AnsBinaryFoot) PacketID() ID { return IDAnsBinaryFoot }
