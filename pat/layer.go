package pat

import (
	"encoding/binary"
	"fmt"
)

// LayerPathSize is the size of a LayerPath naming a server, gate or city.
const LayerPathSize = 14

// emptyLayerPathSize is the size of the empty LayerPath: two zero u32s.
const emptyLayerPathSize = 8

// LayerPath says where a layer (server, gate or city) is: the game's
// "layer host" binary. On the wire it is u32 depth, u32 server, u16 1,
// u16 gate, u16 city (ids 1-based, 0 for none), carried in Binary fields
// (LayerData 0x02, LayerUserInfo 0x03, UserSearchInfo 0x04, LayerUserNum
// 0x01) or as an lp2 (NtcLayerInfoSet, the layer user list and search
// requests, LayerHost). The zero LayerPath is the empty instance that
// NtcLayerHost carries: only the two u32s, both 0.
type LayerPath struct {
	Server uint32
	Gate   uint16
	City   uint16
}

// Layer depths (LayerData 0x15, and the first u32 of a LayerPath).
const (
	LayerDepthServer = 1
	LayerDepthGate   = 2
	LayerDepthCity   = 3
)

// Depth is the depth of the deepest non-zero id, 0 for the empty path.
func (p LayerPath) Depth() uint32 {
	switch {
	case p.City > 0:
		return LayerDepthCity
	case p.Gate > 0:
		return LayerDepthGate
	case p.Server > 0:
		return LayerDepthServer
	}
	return 0
}

// IsZero reports whether p is the empty path.
func (p LayerPath) IsZero() bool { return p == LayerPath{} }

// Append appends the wire form of p: 14 bytes, or the 8-byte empty form
// for the zero path.
func (p LayerPath) Append(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, p.Depth())
	dst = binary.BigEndian.AppendUint32(dst, p.Server)
	if p.IsZero() {
		return dst
	}
	dst = binary.BigEndian.AppendUint16(dst, 1)
	dst = binary.BigEndian.AppendUint16(dst, p.Gate)
	return binary.BigEndian.AppendUint16(dst, p.City)
}

// Bytes is the wire form of p (see Append).
func (p LayerPath) Bytes() []byte { return p.Append(make([]byte, 0, LayerPathSize)) }

func (p LayerPath) String() string {
	return fmt.Sprintf("%d/%d/%d", p.Server, p.Gate, p.City)
}

// ParseLayerPath decodes a LayerPath. Like both reference servers it takes
// the two u32s followed by zero to three u16s (the constant, the gate, the
// city); the depth and the constant are not checked.
func ParseLayerPath(b []byte) (LayerPath, error) {
	if len(b) < emptyLayerPathSize || len(b) > LayerPathSize || len(b)%2 != 0 {
		return LayerPath{}, fmt.Errorf("pat: layer path of %d bytes", len(b))
	}
	p := LayerPath{Server: binary.BigEndian.Uint32(b[4:8])}
	if len(b) >= 12 {
		p.Gate = binary.BigEndian.Uint16(b[10:12])
	}
	if len(b) == 14 {
		p.City = binary.BigEndian.Uint16(b[12:14])
	}
	return p, nil
}

// LayerPath encodes p as an lp2.
func (w *Writer) LayerPath(p LayerPath) *Writer {
	var buf [LayerPathSize]byte
	return w.LP2(p.Append(buf[:0]))
}

// LayerPath decodes an lp2 LayerPath.
func (r *Reader) LayerPath() LayerPath {
	b := r.LP2()
	if r.err != nil {
		return LayerPath{}
	}
	p, err := ParseLayerPath(b)
	if err != nil {
		r.Fail(err)
	}
	return p
}

// layerFiller is the sacrificial field written after LayerData 0x17.
var layerFiller = Item{ID: LayerFiller, Type: TypeFiller, Num: 0xFF}

// LayerData encodes a LayerData PatData. This is the one place the game's
// 0x17 quirk is handled: after reading field 0x17 the game reads one more
// item header than it should, eating the next field's id. So whenever 0x17
// is present it is followed by the filler field FF FF FF (id 0xFF, tag
// 0xFF, value 0xFF), which the game consumes instead of a real field. Any
// 0xFF field in d is dropped; the count includes the filler.
func (w *Writer) LayerData(d Data) *Writer {
	needs := false
	for _, it := range d {
		if it.ID == LayerUnknown17 || it.ID == LayerFiller {
			needs = true
			break
		}
	}
	if !needs {
		return w.Data(d)
	}
	out := make(Data, 0, len(d)+1)
	for _, it := range d {
		if it.ID == LayerFiller {
			continue
		}
		out = append(out, it)
		if it.ID == LayerUnknown17 {
			out = append(out, layerFiller)
		}
	}
	return w.Data(out)
}

// LayerData decodes a LayerData PatData and drops the 0x17 filler, so that
// encoding the result with Writer.LayerData gives the same bytes.
func (r *Reader) LayerData() Data {
	d := r.Data()
	for i := 0; i < len(d); i++ {
		if d[i].ID == LayerFiller {
			d = append(d[:i], d[i+1:]...)
			i--
		}
	}
	return d
}

// DummyLayerData is the fixed LayerData MH3SP answers ReqLayerStart and
// ReqLayerChildInfo with, fields in its order.
func DummyLayerData() Data {
	var d Data
	d.SetWord(LayerNumber, 1).
		SetString(LayerName, []byte("LayerStart")).
		SetLong(LayerPopulation, 0).
		SetLong(LayerCapacity, 4).
		SetByte(LayerState, 1).
		SetLong(LayerPositionInterval, DefaultPositionInterval).
		SetByte(LayerUnknown12, 1)
	return d
}

// DefaultPositionInterval is MH3SP's LayerData 0x11 (position sync
// interval; MHTriServer uses 120 or 14).
const DefaultPositionInterval = 500

// LayerInfo is what a list entry says about one server, gate or city;
// NewLayerData turns it into a LayerData.
type LayerInfo struct {
	Index      uint32 // 1-based position in the list (0x01, and 0x05 as a Word)
	Depth      uint8  // LayerDepthServer, LayerDepthGate or LayerDepthCity (0x15)
	Name       []byte // 0x03, < MaxLayerName+1 bytes
	Population uint32 // 0x06 and 0x07
	Capacity   uint32 // 0x09
	State      uint8  // 0x10, LayerState*; servers always send LayerStateServer
	InQuest    uint32 // cities only: members away on a quest (0x0B)
	Pathname   []byte // cities only: "server\tgate\tcity" (0x16)
	Host       *LayerPath
}

// NewLayerData builds a LayerData with the fields, and in the order, MH3SP
// uses for a server, gate or city list entry. Host, when set, becomes
// field 0x02 (MH3SP sets it for cities: the leader's path).
func NewLayerData(l LayerInfo) Data {
	var d Data
	d.SetLong(LayerIndex, l.Index).
		SetWord(LayerNumber, uint16(l.Index)).
		SetLong(LayerPositionInterval, DefaultPositionInterval).
		SetByte(LayerUnknown12, 1).
		SetString(LayerName, l.Name).
		SetLong(LayerPopulation, l.Population).
		SetLong(LayerPopulation2, l.Population).
		SetLong(LayerCapacity, l.Capacity)
	switch l.Depth {
	case LayerDepthServer:
		d.SetByte(LayerState, LayerStateServer)
	case LayerDepthGate:
		d.SetByte(LayerState, l.State)
	default:
		d.SetLong(LayerChildPopulation, l.InQuest).
			SetLong(LayerUnknown0C, 0x0C).
			SetByte(LayerState, l.State)
	}
	d.SetByte(LayerDepth, l.Depth)
	if l.Depth == LayerDepthCity {
		d.SetString(LayerPathname, l.Pathname)
	}
	if l.Host != nil {
		d.SetBinary(LayerHost, l.Host.Bytes())
	}
	return d
}

// LayerUserNum's fixed unknown values (MH3SP).
const (
	UserNumUnknown04Value = 0xAF00FA00
	UserNumUnknown06Value = 0xBF00FB00
)

// UserNumFromLayerData builds the LayerUserNum of NtcLayerUserNum from a
// layer's LayerData as MH3SP does: path, population, index, capacity and
// child population copied, two fixed unknowns. Fields absent from layer
// are left out.
func UserNumFromLayerData(layer Data) Data {
	var d Data
	if it, ok := layer.Get(LayerHost); ok {
		d.Set(Item{ID: UserNumPath, Type: it.Type, Data: it.Data})
	}
	if it, ok := layer.Get(LayerPopulation); ok {
		d.Set(Item{ID: UserNumPopulation, Type: it.Type, Num: it.Num})
	}
	if it, ok := layer.Get(LayerNumber); ok {
		d.SetLong(UserNumIndex, uint32(it.Num))
	}
	d.SetLong(UserNumUnknown04, UserNumUnknown04Value)
	if it, ok := layer.Get(LayerCapacity); ok {
		d.Set(Item{ID: UserNumCapacity, Type: it.Type, Num: it.Num})
	}
	d.SetLong(UserNumUnknown06, UserNumUnknown06Value)
	if it, ok := layer.Get(LayerChildPopulation); ok {
		d.Set(Item{ID: UserNumChildPopulation, Type: it.Type, Num: it.Num})
	}
	return d
}
