package pat

// FMP searches (categories 0x64 and 0x66): players in a gate, cities by
// criteria, players anywhere, one player's details, and the search
// attributes the game publishes about its own player. Each search is a
// Head (criteria → count), a Data (the entries) and a Foot.

// ReqLayerUserSearchHead searches the gate at Layer (an lp2 LayerPath,
// kept raw) and its cities for players by Capcom ID and/or name
// ("Player Search > Gate Search"); Fields names the LayerUserInfo fields
// the entries must carry, exactly.
type ReqLayerUserSearchHead struct {
	Unknown       uint8
	Layer         []byte
	CapcomID      []byte
	HunterName    []byte
	Search        DOpt
	Offset, Limit uint32
	Fields        []byte
}

func (ReqLayerUserSearchHead) PacketID() ID { return IDReqLayerUserSearchHead }
func (m ReqLayerUserSearchHead) Encode(w *Writer) {
	w.U8(m.Unknown).LP2(m.Layer).LP2(m.CapcomID).LP2(m.HunterName).DOpt(m.Search)
	w.U32(m.Offset).U32(m.Limit).BList(m.Fields)
}
func (m *ReqLayerUserSearchHead) Decode(r *Reader) {
	m.Unknown, m.Layer, m.CapcomID, m.HunterName = r.U8(), r.LP2(), r.LP2(), r.LP2()
	m.Search = r.DOpt()
	m.Offset, m.Limit, m.Fields = r.U32(), r.U32(), r.BList()
}

// Path parses Layer.
func (m ReqLayerUserSearchHead) Path() (LayerPath, error) { return ParseLayerPath(m.Layer) }

// AnsLayerUserSearchHead: u32 0 and the number found.
type AnsLayerUserSearchHead countAnswer

func (AnsLayerUserSearchHead) PacketID() ID        { return IDAnsLayerUserSearchHead }
func (m AnsLayerUserSearchHead) Encode(w *Writer)  { countAnswer(m).Encode(w) }
func (m *AnsLayerUserSearchHead) Decode(r *Reader) { (*countAnswer)(m).Decode(r) }

// ReqLayerUserSearchData asks for the entries found.
type ReqLayerUserSearchData firstCount

func (ReqLayerUserSearchData) PacketID() ID        { return IDReqLayerUserSearchData }
func (m ReqLayerUserSearchData) Encode(w *Writer)  { firstCount(m).Encode(w) }
func (m *ReqLayerUserSearchData) Decode(r *Reader) { (*firstCount)(m).Decode(r) }

// AnsLayerUserSearchData: u32 0, u32 n, n × (LayerUserInfo + UserOpt).
type AnsLayerUserSearchData struct {
	Unknown uint32
	Users   []DataOpt
}

func (AnsLayerUserSearchData) PacketID() ID { return IDAnsLayerUserSearchData }
func (m AnsLayerUserSearchData) Encode(w *Writer) {
	w.U32(m.Unknown).dataOptList(m.Users)
}
func (m *AnsLayerUserSearchData) Decode(r *Reader) {
	m.Unknown, m.Users = r.U32(), r.dataOptList()
}

// ReqLayerUserSearchFoot ends the gate search.
type ReqLayerUserSearchFoot struct{ opaque }

func (ReqLayerUserSearchFoot) PacketID() ID { return IDReqLayerUserSearchFoot }

// AnsLayerUserSearchFoot is empty.
type AnsLayerUserSearchFoot struct{ empty }

func (AnsLayerUserSearchFoot) PacketID() ID { return IDAnsLayerUserSearchFoot }

// ReqLayerDetailSearchHead searches cities by criteria (Search: city
// option id/value pairs); LayerFields and UserFields name the LayerData
// and LayerUserInfo fields the entries must carry, exactly.
type ReqLayerDetailSearchHead struct {
	Layer         uint8
	Search        DOpt
	Offset, Limit uint32
	LayerFields   []byte
	UserFields    []byte
}

func (ReqLayerDetailSearchHead) PacketID() ID { return IDReqLayerDetailSearchHead }
func (m ReqLayerDetailSearchHead) Encode(w *Writer) {
	w.U8(m.Layer).DOpt(m.Search).U32(m.Offset).U32(m.Limit).BList(m.LayerFields).BList(m.UserFields)
}
func (m *ReqLayerDetailSearchHead) Decode(r *Reader) {
	m.Layer, m.Search = r.U8(), r.DOpt()
	m.Offset, m.Limit = r.U32(), r.U32()
	m.LayerFields, m.UserFields = r.BList(), r.BList()
}

// AnsLayerDetailSearchHead: u32 0, the number of cities found, u32 0.
type AnsLayerDetailSearchHead struct {
	Unknown1 uint32
	Count    uint32
	Unknown2 uint32
}

func (AnsLayerDetailSearchHead) PacketID() ID { return IDAnsLayerDetailSearchHead }
func (m AnsLayerDetailSearchHead) Encode(w *Writer) {
	w.U32(m.Unknown1).U32(m.Count).U32(m.Unknown2)
}
func (m *AnsLayerDetailSearchHead) Decode(r *Reader) {
	m.Unknown1, m.Count, m.Unknown2 = r.U32(), r.U32(), r.U32()
}

// ReqLayerDetailSearchData asks for the cities found.
type ReqLayerDetailSearchData firstCount

func (ReqLayerDetailSearchData) PacketID() ID       { return IDReqLayerDetailSearchData }
func (m ReqLayerDetailSearchData) Encode(w *Writer) { firstCount(m).Encode(w) }
func (m *ReqLayerDetailSearchData) Decode(r *Reader) {
	(*firstCount)(m).Decode(r)
	r.ignoreRest()
}

// CityMatch is one city of AnsLayerDetailSearchData: its LayerData and
// options, then its members (LayerUserInfo + UserOpt each).
type CityMatch struct {
	Layer DataOpt
	Users []DataOpt
}

// AnsLayerDetailSearchData: u32 0, u32 n, n × CityMatch (the member list
// is u32-counted).
type AnsLayerDetailSearchData struct {
	Unknown uint32
	Cities  []CityMatch
}

func (AnsLayerDetailSearchData) PacketID() ID { return IDAnsLayerDetailSearchData }
func (m AnsLayerDetailSearchData) Encode(w *Writer) {
	w.U32(m.Unknown).U32(uint32(len(m.Cities)))
	for _, c := range m.Cities {
		w.LayerDataOpt(c.Layer).dataOptList(c.Users)
	}
}
func (m *AnsLayerDetailSearchData) Decode(r *Reader) {
	m.Unknown = r.U32()
	n := r.count(minDataOpt + 4)
	m.Cities = make([]CityMatch, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		c := CityMatch{Layer: r.LayerDataOpt()}
		c.Users = r.dataOptList()
		m.Cities = append(m.Cities, c)
	}
}

// ReqLayerDetailSearchFoot ends the city search.
type ReqLayerDetailSearchFoot struct{ opaque }

func (ReqLayerDetailSearchFoot) PacketID() ID { return IDReqLayerDetailSearchFoot }

// AnsLayerDetailSearchFoot is empty.
type AnsLayerDetailSearchFoot struct{ empty }

func (AnsLayerDetailSearchFoot) PacketID() ID { return IDAnsLayerDetailSearchFoot }

// ReqUserSearchSet publishes the player's searchable attributes as an
// optional-field list; MH3SP acknowledges and forgets them.
type ReqUserSearchSet struct{ Opt Opt }

func (ReqUserSearchSet) PacketID() ID       { return IDReqUserSearchSet }
func (m ReqUserSearchSet) Encode(w *Writer) { w.Opt(m.Opt) }
func (m *ReqUserSearchSet) Decode(r *Reader) {
	m.Opt = r.Opt()
	r.ignoreRest()
}

// AnsUserSearchSet is empty.
type AnsUserSearchSet struct{ empty }

func (AnsUserSearchSet) PacketID() ID { return IDAnsUserSearchSet }

// ReqUserSearchHead searches online players everywhere by Capcom ID
// and/or name ("Player Search > By Name / By Id"); Fields names the
// UserSearchInfo fields the entries must carry, exactly.
type ReqUserSearchHead struct {
	CapcomID      []byte
	HunterName    []byte
	Search        DOpt
	Offset, Limit uint32
	Fields        []byte
}

func (ReqUserSearchHead) PacketID() ID { return IDReqUserSearchHead }
func (m ReqUserSearchHead) Encode(w *Writer) {
	w.LP2(m.CapcomID).LP2(m.HunterName).DOpt(m.Search).U32(m.Offset).U32(m.Limit).BList(m.Fields)
}
func (m *ReqUserSearchHead) Decode(r *Reader) {
	m.CapcomID, m.HunterName, m.Search = r.LP2(), r.LP2(), r.DOpt()
	m.Offset, m.Limit, m.Fields = r.U32(), r.U32(), r.BList()
}

// AnsUserSearchHead: u32 0 and the number found.
type AnsUserSearchHead countAnswer

func (AnsUserSearchHead) PacketID() ID        { return IDAnsUserSearchHead }
func (m AnsUserSearchHead) Encode(w *Writer)  { countAnswer(m).Encode(w) }
func (m *AnsUserSearchHead) Decode(r *Reader) { (*countAnswer)(m).Decode(r) }

// ReqUserSearchData asks for the players found.
type ReqUserSearchData firstCount

func (ReqUserSearchData) PacketID() ID        { return IDReqUserSearchData }
func (m ReqUserSearchData) Encode(w *Writer)  { firstCount(m).Encode(w) }
func (m *ReqUserSearchData) Decode(r *Reader) { (*firstCount)(m).Decode(r) }

// AnsUserSearchData: u32 0, u32 n, n × (UserSearchInfo + UserOpt).
type AnsUserSearchData struct {
	Unknown uint32
	Users   []DataOpt
}

func (AnsUserSearchData) PacketID() ID { return IDAnsUserSearchData }
func (m AnsUserSearchData) Encode(w *Writer) {
	w.U32(m.Unknown).dataOptList(m.Users)
}
func (m *AnsUserSearchData) Decode(r *Reader) {
	m.Unknown, m.Users = r.U32(), r.dataOptList()
}

// ReqUserSearchFoot ends the player search.
type ReqUserSearchFoot struct{ opaque }

func (ReqUserSearchFoot) PacketID() ID { return IDReqUserSearchFoot }

// AnsUserSearchFoot is empty.
type AnsUserSearchFoot struct{ empty }

func (AnsUserSearchFoot) PacketID() ID { return IDAnsUserSearchFoot }

// ReqUserSearchInfo asks for one player's details (friend list, search
// results); Info is a UserSearchInfo the game sends along.
type ReqUserSearchInfo struct {
	CapcomID []byte
	Info     Data
}

func (ReqUserSearchInfo) PacketID() ID        { return IDReqUserSearchInfo }
func (m ReqUserSearchInfo) Encode(w *Writer)  { w.LP2(m.CapcomID).Data(m.Info) }
func (m *ReqUserSearchInfo) Decode(r *Reader) { m.CapcomID, m.Info = r.LP2(), r.Data() }

// AnsUserSearchInfo: the player's UserSearchInfo (MH3SP: 0x01-0x04, 0x07,
// location 0x08, 0x0B-0x10) and an optional-field list (MH3SP: empty).
// For a player who is offline, send UserSearchInfoOffline instead.
type AnsUserSearchInfo struct{ Info DataOpt }

func (AnsUserSearchInfo) PacketID() ID        { return IDAnsUserSearchInfo }
func (m AnsUserSearchInfo) Encode(w *Writer)  { w.DataOpt(m.Info) }
func (m *AnsUserSearchInfo) Decode(r *Reader) { m.Info = r.DataOpt() }

// UserSearchInfoOffline is MH3SP's answer for a player who is not online:
// an AnsAlert whose "message" is a UserSearchInfo {Capcom ID, name
// "OFFLINE"} and an empty optional-field list. The game greys the friend
// out.
func UserSearchInfoOffline(capcomID []byte) *AnsAlert {
	var d Data
	d.SetString(SearchCapcomID, capcomID).SetString(SearchHunterName, []byte(SearchOffline))
	msg := NewWriter(nil).DataOpt(DataOpt{Data: d}).Bytes()
	return &AnsAlert{Answer: IDAnsUserSearchInfo, Message: msg}
}

// ReqUserSearchInfoMine asks for the player's own identity values; the
// game sends a UserSearchInfo along.
type ReqUserSearchInfoMine struct{ Info Data }

func (ReqUserSearchInfoMine) PacketID() ID       { return IDReqUserSearchInfoMine }
func (m ReqUserSearchInfoMine) Encode(w *Writer) { w.Data(m.Info) }
func (m *ReqUserSearchInfoMine) Decode(r *Reader) {
	m.Info = r.Data()
	r.ignoreRest()
}

// AnsUserSearchInfoMine: a UserSearchInfo with only SearchMine0F and
// SearchMine10, two u32s by which the game tells its own records from
// others' in the binary relays (MH3SP derives them from the Capcom ID;
// MHTriServer sends an empty PatData).
type AnsUserSearchInfoMine struct{ Info Data }

func (AnsUserSearchInfoMine) PacketID() ID        { return IDAnsUserSearchInfoMine }
func (m AnsUserSearchInfoMine) Encode(w *Writer)  { w.Data(m.Info) }
func (m *AnsUserSearchInfoMine) Decode(r *Reader) { m.Info = r.Data() }
