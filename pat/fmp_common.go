package pat

import "fmt"

// DataOpt is a PatData followed by its optional-field list: the shape of
// almost every list entry on FMP (LayerData, LayerUserInfo, CircleInfo,
// UserSearchInfo each come with one).
type DataOpt struct {
	Data Data
	Opt  Opt
}

// DataOpt encodes a PatData and its optional fields.
func (w *Writer) DataOpt(e DataOpt) *Writer { return w.Data(e.Data).Opt(e.Opt) }

// DataOpt decodes a PatData and its optional fields.
func (r *Reader) DataOpt() DataOpt { return DataOpt{Data: r.Data(), Opt: r.Opt()} }

// LayerDataOpt encodes a LayerData (with the 0x17 filler rule) and its
// optional fields.
func (w *Writer) LayerDataOpt(e DataOpt) *Writer { return w.LayerData(e.Data).Opt(e.Opt) }

// LayerDataOpt decodes a LayerData and its optional fields.
func (r *Reader) LayerDataOpt() DataOpt { return DataOpt{Data: r.LayerData(), Opt: r.Opt()} }

// count reads a u32 element count and checks that n elements of at least
// min bytes each can still follow, so no allocation trusts the count.
func (r *Reader) count(min int) int {
	n := r.U32()
	if r.err != nil {
		return 0
	}
	if uint64(n)*uint64(min) > uint64(r.Len()) {
		r.Fail(fmt.Errorf("%w: list announces %d entries, %d bytes left", ErrShort, n, r.Len()))
		return 0
	}
	return int(n)
}

// count8 is count for a u8 element count.
func (r *Reader) count8(min int) int {
	n := int(r.U8())
	if r.err != nil {
		return 0
	}
	if n*min > r.Len() {
		r.Fail(fmt.Errorf("%w: list announces %d entries, %d bytes left", ErrShort, n, r.Len()))
		return 0
	}
	return n
}

// Smallest encodings, for count checks.
const (
	minData    = 1 // empty PatData
	minDataOpt = 2 // empty PatData and empty optional-field list
)

// dataList encodes "u32 n, n × PatData".
func (w *Writer) dataList(ds []Data) *Writer {
	w.U32(uint32(len(ds)))
	for _, d := range ds {
		w.Data(d)
	}
	return w
}

// dataList decodes "u32 n, n × PatData".
func (r *Reader) dataList() []Data {
	n := r.count(minData)
	out := make([]Data, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		out = append(out, r.Data())
	}
	if r.err != nil {
		return nil
	}
	return out
}

// dataOptList encodes "u32 n, n × (PatData, opt)".
func (w *Writer) dataOptList(es []DataOpt) *Writer {
	w.U32(uint32(len(es)))
	for _, e := range es {
		w.DataOpt(e)
	}
	return w
}

// dataOptList decodes "u32 n, n × (PatData, opt)".
func (r *Reader) dataOptList() []DataOpt {
	n := r.count(minDataOpt)
	out := make([]DataOpt, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		out = append(out, r.DataOpt())
	}
	if r.err != nil {
		return nil
	}
	return out
}

// Shapes shared by several FMP messages.

// number is a lone u16 (a gate or city number, 1-based).
type number struct{ Number uint16 }

func (m number) Encode(w *Writer)  { w.U16(m.Number) }
func (m *number) Decode(r *Reader) { m.Number = r.U16() }

// index is a lone u32 (a circle index, 1-based).
type index struct{ Index uint32 }

func (m index) Encode(w *Writer)  { w.U32(m.Index) }
func (m *index) Decode(r *Reader) { m.Index = r.U32() }

// capcomID is a lone lp2 Capcom ID.
type capcomID struct{ CapcomID []byte }

func (m capcomID) Encode(w *Writer)  { w.LP2(m.CapcomID) }
func (m *capcomID) Decode(r *Reader) { m.CapcomID = r.LP2() }

// countAnswer is "u32 unknown (0), u32 count", the answer of the list and
// search heads.
type countAnswer struct{ Unknown, Count uint32 }

func (m countAnswer) Encode(w *Writer)  { w.U32(m.Unknown).U32(m.Count) }
func (m *countAnswer) Decode(r *Reader) { m.Unknown, m.Count = r.U32(), r.U32() }

// fieldLists is two u8-counted byte lists (requested field ids).
type fieldLists struct{ Fields, Fields2 []byte }

func (m fieldLists) Encode(w *Writer)  { w.BList(m.Fields).BList(m.Fields2) }
func (m *fieldLists) Decode(r *Reader) { m.Fields, m.Fields2 = r.BList(), r.BList() }

// tell is "lp2 Capcom ID, MessageInfo, lp2 text": tells, friend requests.
type tell struct {
	CapcomID []byte
	Info     Data
	Text     []byte
}

func (m tell) Encode(w *Writer)  { w.LP2(m.CapcomID).Data(m.Info).LP2(m.Text) }
func (m *tell) Decode(r *Reader) { m.CapcomID, m.Info, m.Text = r.LP2(), r.Data(), r.LP2() }

// circleInfo is "u32 index, CircleInfo, opt".
type circleInfo struct {
	Index uint32
	Info  DataOpt
}

func (m circleInfo) Encode(w *Writer)  { w.U32(m.Index).DataOpt(m.Info) }
func (m *circleInfo) Decode(r *Reader) { m.Index, m.Info = r.U32(), r.DataOpt() }

func errTooMany(what string, n int) error {
	return fmt.Errorf("pat: %d %s, at most 255", n, what)
}

// ignoreRest drops what is left of a request MH3SP parses without checking
// that every byte was used: bytes after the known layout are tolerated, as
// the reference server tolerates them, instead of failing the packet.
func (r *Reader) ignoreRest() { r.Rest() }
