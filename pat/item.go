package pat

import "fmt"

// ItemType is the type tag of one PatData field.
type ItemType uint8

// Item type tags.
const (
	TypeCustom   ItemType = 0 // one opaque byte (MHTriServer's reading)
	TypeByte     ItemType = 1 // u8
	TypeWord     ItemType = 2 // u16
	TypeLong     ItemType = 3 // u32
	TypeLongLong ItemType = 4 // u64
	TypeString   ItemType = 5 // u16 length + bytes
	TypeBinary   ItemType = 6 // u16 length + bytes
	TypeObject   ItemType = 7 // declared by the game, never seen on the wire

	// TypeFiller tags the sacrificial field that must follow LayerData's
	// field 0x17 (see Writer.LayerData): id 0xFF, tag 0xFF, one value byte.
	// It is not a type the game knows.
	TypeFiller ItemType = 0xFF
)

func (t ItemType) String() string {
	switch t {
	case TypeCustom:
		return "Custom"
	case TypeByte:
		return "Byte"
	case TypeWord:
		return "Word"
	case TypeLong:
		return "Long"
	case TypeLongLong:
		return "LongLong"
	case TypeString:
		return "String"
	case TypeBinary:
		return "Binary"
	case TypeObject:
		return "Object"
	case TypeFiller:
		return "Filler"
	}
	return fmt.Sprintf("ItemType(%d)", uint8(t))
}

// Item is one numbered, typed field of a PatData. Integer types use Num,
// String and Binary use Data.
type Item struct {
	ID   uint8
	Type ItemType
	Num  uint64
	Data []byte
}

// Data is a PatData: an ordered set of numbered, typed fields. The wire
// keeps insertion order, so Data does too.
type Data []Item

// Get returns the field with the given id.
func (d Data) Get(id uint8) (Item, bool) {
	for _, it := range d {
		if it.ID == id {
			return it, true
		}
	}
	return Item{}, false
}

// Has reports whether the field is present.
func (d Data) Has(id uint8) bool { _, ok := d.Get(id); return ok }

// Num returns the integer value of a field (0 when absent).
func (d Data) Num(id uint8) uint64 { it, _ := d.Get(id); return it.Num }

// Bytes returns the byte value of a String/Binary field (nil when absent).
func (d Data) Bytes(id uint8) []byte { it, _ := d.Get(id); return it.Data }

// Set replaces the field with the same id, or appends it.
func (d *Data) Set(it Item) *Data {
	for i := range *d {
		if (*d)[i].ID == it.ID {
			(*d)[i] = it
			return d
		}
	}
	*d = append(*d, it)
	return d
}

// SetByte sets a Byte field.
func (d *Data) SetByte(id uint8, v uint8) *Data {
	return d.Set(Item{ID: id, Type: TypeByte, Num: uint64(v)})
}

// SetWord sets a Word field.
func (d *Data) SetWord(id uint8, v uint16) *Data {
	return d.Set(Item{ID: id, Type: TypeWord, Num: uint64(v)})
}

// SetLong sets a Long field.
func (d *Data) SetLong(id uint8, v uint32) *Data {
	return d.Set(Item{ID: id, Type: TypeLong, Num: uint64(v)})
}

// SetLongLong sets a LongLong field.
func (d *Data) SetLongLong(id uint8, v uint64) *Data {
	return d.Set(Item{ID: id, Type: TypeLongLong, Num: v})
}

// SetString sets a String field.
func (d *Data) SetString(id uint8, v []byte) *Data {
	return d.Set(Item{ID: id, Type: TypeString, Data: v})
}

// SetBinary sets a Binary field.
func (d *Data) SetBinary(id uint8, v []byte) *Data {
	return d.Set(Item{ID: id, Type: TypeBinary, Data: v})
}

// Only returns the fields whose ids are listed, in the PatData's own
// order (as MH3SP's pack_fields does). The game asks for exact field sets
// and desyncs on extra or missing fields.
func (d Data) Only(ids []byte) Data {
	out := make(Data, 0, len(ids))
	for _, it := range d {
		for _, id := range ids {
			if it.ID == id {
				out = append(out, it)
				break
			}
		}
	}
	return out
}

// Write encodes the PatData: u8 count, then per field u8 id, u8 type, value.
func (w *Writer) Data(d Data) *Writer {
	if len(d) > 0xFF {
		w.fail(fmt.Errorf("pat: PatData with %d fields", len(d)))
		d = d[:0xFF]
	}
	w.U8(uint8(len(d)))
	for _, it := range d {
		w.U8(it.ID).U8(uint8(it.Type))
		switch it.Type {
		case TypeCustom, TypeByte, TypeFiller:
			w.U8(uint8(it.Num))
		case TypeWord:
			w.U16(uint16(it.Num))
		case TypeLong:
			w.U32(uint32(it.Num))
		case TypeLongLong:
			w.U64(it.Num)
		case TypeString, TypeBinary:
			w.LP2(it.Data)
		default:
			w.fail(fmt.Errorf("pat: field 0x%02x has unencodable type %s", it.ID, it.Type))
		}
	}
	return w
}

// Data decodes a PatData.
func (r *Reader) Data() Data {
	n := int(r.U8())
	if r.err != nil {
		return nil
	}
	// Each field takes at least 3 bytes: never allocate past what is there.
	if n*3 > r.Len() {
		r.Fail(fmt.Errorf("%w: PatData announces %d fields, %d bytes left", ErrShort, n, r.Len()))
		return nil
	}
	d := make(Data, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		it := Item{ID: r.U8(), Type: ItemType(r.U8())}
		switch it.Type {
		case TypeCustom, TypeByte, TypeFiller:
			it.Num = uint64(r.U8())
		case TypeWord:
			it.Num = uint64(r.U16())
		case TypeLong:
			it.Num = uint64(r.U32())
		case TypeLongLong:
			it.Num = r.U64()
		case TypeString, TypeBinary:
			it.Data = r.LP2()
		default:
			r.Fail(fmt.Errorf("pat: field 0x%02x has unknown type tag %d", it.ID, uint8(it.Type)))
		}
		if r.err == nil {
			d = append(d, it)
		}
	}
	if r.err != nil {
		return nil
	}
	return d
}

// OptField is one entry of an optional-field list.
type OptField struct {
	ID    uint8
	Has   bool
	Value uint32
}

// Opt is an optional-field list: u8 n, then n × (u8 id, u8 has, [u32 value]).
type Opt []OptField

// Opt encodes an optional-field list.
func (w *Writer) Opt(o Opt) *Writer {
	if len(o) > 0xFF {
		w.fail(fmt.Errorf("pat: optional-field list with %d entries", len(o)))
		o = o[:0xFF]
	}
	w.U8(uint8(len(o)))
	for _, f := range o {
		w.U8(f.ID)
		if f.Has {
			w.U8(1).U32(f.Value)
		} else {
			w.U8(0)
		}
	}
	return w
}

// Opt decodes an optional-field list.
func (r *Reader) Opt() Opt {
	n := int(r.U8())
	if r.err != nil {
		return nil
	}
	if n*2 > r.Len() {
		r.Fail(fmt.Errorf("%w: optional-field list announces %d entries, %d bytes left", ErrShort, n, r.Len()))
		return nil
	}
	o := make(Opt, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		f := OptField{ID: r.U8(), Has: r.U8() != 0}
		if f.Has {
			f.Value = r.U32()
		}
		o = append(o, f)
	}
	if r.err != nil {
		return nil
	}
	return o
}

// MaxOptFields is the most optional-field entries the game keeps from one
// list; it skips the rest (MHTriServer's reading of the client).
const MaxOptFields = 0x20

// DOptField is one search criterion of a detailed optional-field list.
// Kind is a byte of unknown meaning, usually 5.
type DOptField struct {
	ID    uint8
	Has   bool
	Kind  uint8
	Value uint32
}

// DOpt is a detailed optional-field list, the criteria of the search
// requests: u32 circle (0 except, reportedly, for circle searches), u32 n,
// then n × (u8 id, u8 has, u8 kind, [u32 value]) in MH3SP's reading.
// (MHTriServer reads the two middle bytes the other way round: kind, has.)
type DOpt struct {
	Circle uint32
	Fields []DOptField
}

// DOpt encodes a detailed optional-field list.
func (w *Writer) DOpt(o DOpt) *Writer {
	w.U32(o.Circle).U32(uint32(len(o.Fields)))
	for _, f := range o.Fields {
		w.U8(f.ID)
		if f.Has {
			w.U8(1).U8(f.Kind).U32(f.Value)
		} else {
			w.U8(0).U8(f.Kind)
		}
	}
	return w
}

// DOpt decodes a detailed optional-field list.
func (r *Reader) DOpt() DOpt {
	o := DOpt{Circle: r.U32()}
	n := r.U32()
	if r.err != nil {
		return DOpt{}
	}
	// Each entry takes at least 3 bytes.
	if uint64(n)*3 > uint64(r.Len()) {
		r.Fail(fmt.Errorf("%w: detailed optional-field list announces %d entries, %d bytes left", ErrShort, n, r.Len()))
		return DOpt{}
	}
	o.Fields = make([]DOptField, 0, n)
	for i := uint32(0); i < n && r.err == nil; i++ {
		f := DOptField{ID: r.U8(), Has: r.U8() != 0, Kind: r.U8()}
		if f.Has {
			f.Value = r.U32()
		}
		o.Fields = append(o.Fields, f)
	}
	if r.err != nil {
		return DOpt{}
	}
	return o
}
