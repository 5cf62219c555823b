package pat

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrShort is wrapped by every decode error caused by a payload that ends
// before the field it announces.
var ErrShort = errors.New("pat: payload too short")

// ErrTrailing is returned by Reader.Done when bytes are left over.
var ErrTrailing = errors.New("pat: trailing bytes")

// Reader decodes a payload. The first error sticks: later reads return zero
// values, so a decoder can read a whole message and check Err once. Every
// length field is checked against what is left before anything is sliced,
// so no allocation is ever driven by an unchecked length.
type Reader struct {
	b   []byte
	off int
	err error
}

// NewReader reads from b. Returned byte slices alias b.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Err is the first error met, or nil.
func (r *Reader) Err() error { return r.err }

// Len is the number of unread bytes.
func (r *Reader) Len() int { return len(r.b) - r.off }

// Offset is the number of bytes read so far.
func (r *Reader) Offset() int { return r.off }

// Fail records err (with the offset) unless an error is already recorded.
func (r *Reader) Fail(err error) {
	if r.err == nil {
		r.err = fmt.Errorf("at byte %d: %w", r.off, err)
	}
}

// Done returns Err, or ErrTrailing when bytes were left unread.
func (r *Reader) Done() error {
	if r.err != nil {
		return r.err
	}
	if n := r.Len(); n > 0 {
		return fmt.Errorf("%w: %d unread at byte %d", ErrTrailing, n, r.off)
	}
	return nil
}

func (r *Reader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > r.Len() {
		r.Fail(fmt.Errorf("%w: %s needs %d bytes, %d left", ErrShort, what, n, r.Len()))
		return nil
	}
	b := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return b
}

// U8 reads one byte.
func (r *Reader) U8() uint8 {
	b := r.take(1, "u8")
	if b == nil {
		return 0
	}
	return b[0]
}

// U16 reads a big-endian u16.
func (r *Reader) U16() uint16 {
	b := r.take(2, "u16")
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint16(b)
}

// U32 reads a big-endian u32.
func (r *Reader) U32() uint32 {
	b := r.take(4, "u32")
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint32(b)
}

// U64 reads a big-endian u64.
func (r *Reader) U64() uint64 {
	b := r.take(8, "u64")
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// Bytes reads n raw bytes.
func (r *Reader) Bytes(n int) []byte { return r.take(n, "bytes") }

// LP reads a u8-length-prefixed byte string.
func (r *Reader) LP() []byte { return r.take(int(r.U8()), "lp") }

// LP2 reads a u16-length-prefixed byte string (the everyday string form).
func (r *Reader) LP2() []byte { return r.take(int(r.U16()), "lp2") }

// BList reads a u8 count followed by that many bytes (field-id lists).
func (r *Reader) BList() []byte { return r.take(int(r.U8()), "blist") }

// Rest reads everything left.
func (r *Reader) Rest() []byte { return r.take(r.Len(), "rest") }

// Writer encodes a payload by appending to a byte slice.
type Writer struct {
	b   []byte
	err error
}

// NewWriter appends to buf (which may be nil).
func NewWriter(buf []byte) *Writer { return &Writer{b: buf} }

// Bytes is the encoded payload.
func (w *Writer) Bytes() []byte { return w.b }

// Err is the first encoding error (a string too long for its prefix).
func (w *Writer) Err() error { return w.err }

func (w *Writer) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

// U8 appends one byte.
func (w *Writer) U8(v uint8) *Writer { w.b = append(w.b, v); return w }

// U16 appends a big-endian u16.
func (w *Writer) U16(v uint16) *Writer { w.b = binary.BigEndian.AppendUint16(w.b, v); return w }

// U32 appends a big-endian u32.
func (w *Writer) U32(v uint32) *Writer { w.b = binary.BigEndian.AppendUint32(w.b, v); return w }

// U64 appends a big-endian u64.
func (w *Writer) U64(v uint64) *Writer { w.b = binary.BigEndian.AppendUint64(w.b, v); return w }

// Raw appends bytes as they are.
func (w *Writer) Raw(b []byte) *Writer { w.b = append(w.b, b...); return w }

// LP appends a u8-length-prefixed byte string.
func (w *Writer) LP(b []byte) *Writer {
	if len(b) > 0xFF {
		w.fail(fmt.Errorf("pat: lp string of %d bytes", len(b)))
		b = b[:0xFF]
	}
	return w.U8(uint8(len(b))).Raw(b)
}

// LP2 appends a u16-length-prefixed byte string.
func (w *Writer) LP2(b []byte) *Writer {
	if len(b) > 0xFFFF {
		w.fail(fmt.Errorf("pat: lp2 string of %d bytes", len(b)))
		b = b[:0xFFFF]
	}
	return w.U16(uint16(len(b))).Raw(b)
}

// LP2String appends a string as lp2.
func (w *Writer) LP2String(s string) *Writer { return w.LP2([]byte(s)) }

// BList appends a u8 count followed by the bytes.
func (w *Writer) BList(b []byte) *Writer { return w.LP(b) }
