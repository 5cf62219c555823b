package pat

// OPN messages (category 0x62, served by OPN): texts, word filters, the
// LMP address.

type ReqLmpConnect struct{ opaque }

func (ReqLmpConnect) PacketID() ID { return IDReqLmpConnect }

// AnsLmpConnect sends the game to LMP: ASCII address and port.
type AnsLmpConnect struct {
	Address []byte
	Port    uint16
}

func (AnsLmpConnect) PacketID() ID        { return IDAnsLmpConnect }
func (m AnsLmpConnect) Encode(w *Writer)  { w.LP2(m.Address).U16(m.Port) }
func (m *AnsLmpConnect) Decode(r *Reader) { m.Address, m.Port = r.LP2(), r.U16() }

type ReqTermsVersion struct{ opaque }

func (ReqTermsVersion) PacketID() ID { return IDReqTermsVersion }

type AnsTermsVersion struct{ Version, Size uint32 }

func (AnsTermsVersion) PacketID() ID        { return IDAnsTermsVersion }
func (m AnsTermsVersion) Encode(w *Writer)  { w.U32(m.Version).U32(m.Size) }
func (m *AnsTermsVersion) Decode(r *Reader) { m.Version, m.Size = r.U32(), r.U32() }

type ReqTerms struct{ Version, Offset, Size uint32 }

func (ReqTerms) PacketID() ID        { return IDReqTerms }
func (m ReqTerms) Encode(w *Writer)  { w.U32(m.Version).U32(m.Offset).U32(m.Size) }
func (m *ReqTerms) Decode(r *Reader) { m.Version, m.Offset, m.Size = r.U32(), r.U32(), r.U32() }

// AnsTerms echoes the requested offset and size, then the chunk.
type AnsTerms struct {
	Offset, Size uint32
	Terms        []byte
}

func (AnsTerms) PacketID() ID        { return IDAnsTerms }
func (m AnsTerms) Encode(w *Writer)  { w.U32(m.Offset).U32(m.Size).LP2(m.Terms) }
func (m *AnsTerms) Decode(r *Reader) { m.Offset, m.Size, m.Terms = r.U32(), r.U32(), r.LP2() }

type ReqSubTermsInfo struct{ Selector uint8 }

func (ReqSubTermsInfo) PacketID() ID        { return IDReqSubTermsInfo }
func (m ReqSubTermsInfo) Encode(w *Writer)  { w.U8(m.Selector) }
func (m *ReqSubTermsInfo) Decode(r *Reader) { m.Selector = r.U8() }

// AnsSubTermsInfo: u32 1 (always; the encoder writes it, the decoder
// skips it), the selector, the sub-terms size.
type AnsSubTermsInfo struct {
	Selector uint8
	Size     uint32
}

func (AnsSubTermsInfo) PacketID() ID       { return IDAnsSubTermsInfo }
func (m AnsSubTermsInfo) Encode(w *Writer) { w.U32(1).U8(m.Selector).U32(m.Size) }
func (m *AnsSubTermsInfo) Decode(r *Reader) {
	r.U32()
	m.Selector, m.Size = r.U8(), r.U32()
}

type ReqSubTerms struct {
	Version      uint32
	Selector     uint8
	Offset, Size uint32
}

func (ReqSubTerms) PacketID() ID { return IDReqSubTerms }
func (m ReqSubTerms) Encode(w *Writer) {
	w.U32(m.Version).U8(m.Selector).U32(m.Offset).U32(m.Size)
}
func (m *ReqSubTerms) Decode(r *Reader) {
	m.Version, m.Selector, m.Offset, m.Size = r.U32(), r.U8(), r.U32(), r.U32()
}

type AnsSubTerms struct {
	Selector     uint8
	Offset, Size uint32
	SubTerms     []byte
}

func (AnsSubTerms) PacketID() ID { return IDAnsSubTerms }
func (m AnsSubTerms) Encode(w *Writer) {
	w.U8(m.Selector).U32(m.Offset).U32(m.Size).LP2(m.SubTerms)
}
func (m *AnsSubTerms) Decode(r *Reader) {
	m.Selector, m.Offset, m.Size, m.SubTerms = r.U8(), r.U32(), r.U32(), r.LP2()
}

// text is an answer made of one lp2 text.
type text struct{ Text []byte }

func (m text) Encode(w *Writer)  { w.LP2(m.Text) }
func (m *text) Decode(r *Reader) { m.Text = r.LP2() }

type ReqMaintenance struct{ opaque }

func (ReqMaintenance) PacketID() ID { return IDReqMaintenance }

type AnsMaintenance text

func (m AnsMaintenance) Encode(w *Writer)  { text(m).Encode(w) }
func (m *AnsMaintenance) Decode(r *Reader) { (*text)(m).Decode(r) }

func (AnsMaintenance) PacketID() ID { return IDAnsMaintenance }

type ReqAnnounce struct{ opaque }

func (ReqAnnounce) PacketID() ID { return IDReqAnnounce }

type AnsAnnounce text

func (m AnsAnnounce) Encode(w *Writer)  { text(m).Encode(w) }
func (m *AnsAnnounce) Decode(r *Reader) { (*text)(m).Decode(r) }

func (AnsAnnounce) PacketID() ID { return IDAnsAnnounce }

type ReqNoCharge struct{ opaque }

func (ReqNoCharge) PacketID() ID { return IDReqNoCharge }

type AnsNoCharge text

func (m AnsNoCharge) Encode(w *Writer)  { text(m).Encode(w) }
func (m *AnsNoCharge) Decode(r *Reader) { (*text)(m).Decode(r) }

func (AnsNoCharge) PacketID() ID { return IDAnsNoCharge }

type ReqMediaVersionInfo struct{ opaque }

func (ReqMediaVersionInfo) PacketID() ID { return IDReqMediaVersionInfo }

// AnsMediaVersionInfo (MHTriServer's reading): version, message, {0x02 String}.
type AnsMediaVersionInfo struct {
	Version, Message []byte
	Data             Data
}

func (AnsMediaVersionInfo) PacketID() ID { return IDAnsMediaVersionInfo }
func (m AnsMediaVersionInfo) Encode(w *Writer) {
	w.LP2(m.Version).LP2(m.Message).Data(m.Data)
}
func (m *AnsMediaVersionInfo) Decode(r *Reader) {
	m.Version, m.Message, m.Data = r.LP2(), r.LP2(), r.Data()
}

type ReqVulgarityInfoHighJAP struct{ opaque }

func (ReqVulgarityInfoHighJAP) PacketID() ID { return IDReqVulgarityInfoHighJAP }

// vulgarityInfo is u32 1 (always: written by the encoder, skipped by the
// decoder) and the list size.
type vulgarityInfo struct{ Size uint32 }

func (m vulgarityInfo) Encode(w *Writer)  { w.U32(1).U32(m.Size) }
func (m *vulgarityInfo) Decode(r *Reader) { r.U32(); m.Size = r.U32() }

type AnsVulgarityInfoHighJAP vulgarityInfo

func (m AnsVulgarityInfoHighJAP) Encode(w *Writer)  { vulgarityInfo(m).Encode(w) }
func (m *AnsVulgarityInfoHighJAP) Decode(r *Reader) { (*vulgarityInfo)(m).Decode(r) }

func (AnsVulgarityInfoHighJAP) PacketID() ID { return IDAnsVulgarityInfoHighJAP }

type ReqVulgarityInfoLowJAP struct{ opaque }

func (ReqVulgarityInfoLowJAP) PacketID() ID { return IDReqVulgarityInfoLowJAP }

type AnsVulgarityInfoLowJAP vulgarityInfo

func (m AnsVulgarityInfoLowJAP) Encode(w *Writer)  { vulgarityInfo(m).Encode(w) }
func (m *AnsVulgarityInfoLowJAP) Decode(r *Reader) { (*vulgarityInfo)(m).Decode(r) }

func (AnsVulgarityInfoLowJAP) PacketID() ID { return IDAnsVulgarityInfoLowJAP }

type ReqVulgarityInfoLow struct{ Info uint32 }

func (ReqVulgarityInfoLow) PacketID() ID        { return IDReqVulgarityInfoLow }
func (m ReqVulgarityInfoLow) Encode(w *Writer)  { w.U32(m.Info) }
func (m *ReqVulgarityInfoLow) Decode(r *Reader) { m.Info = r.U32() }

// AnsVulgarityInfoLow: u32 1 (always, as vulgarityInfo), the info value
// the game asked about, the list size.
type AnsVulgarityInfoLow struct{ Info, Size uint32 }

func (AnsVulgarityInfoLow) PacketID() ID       { return IDAnsVulgarityInfoLow }
func (m AnsVulgarityInfoLow) Encode(w *Writer) { w.U32(1).U32(m.Info).U32(m.Size) }
func (m *AnsVulgarityInfoLow) Decode(r *Reader) {
	r.U32()
	m.Info, m.Size = r.U32(), r.U32()
}

type ReqVulgarityLow struct{ Unknown, Info, Offset, Size uint32 }

func (ReqVulgarityLow) PacketID() ID { return IDReqVulgarityLow }
func (m ReqVulgarityLow) Encode(w *Writer) {
	w.U32(m.Unknown).U32(m.Info).U32(m.Offset).U32(m.Size)
}
func (m *ReqVulgarityLow) Decode(r *Reader) {
	m.Unknown, m.Info, m.Offset, m.Size = r.U32(), r.U32(), r.U32(), r.U32()
}

type AnsVulgarityLow struct {
	Info, Offset, Size uint32
	Data               []byte
}

func (AnsVulgarityLow) PacketID() ID { return IDAnsVulgarityLow }
func (m AnsVulgarityLow) Encode(w *Writer) {
	w.U32(m.Info).U32(m.Offset).U32(m.Size).LP2(m.Data)
}
func (m *AnsVulgarityLow) Decode(r *Reader) {
	m.Info, m.Offset, m.Size, m.Data = r.U32(), r.U32(), r.U32(), r.LP2()
}
