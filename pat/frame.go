// Package pat is the wire codec of the Capcom PAT protocol spoken by
// Monster Hunter Tri: frame headers, the packet id table, the payload item
// codec and one typed message per packet. It does no I/O.
package pat

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// HeaderSize is the size of the frame header: u16 payload size, u16 seq,
// u32 packet id, all big-endian.
const HeaderSize = 8

// MaxPayload is the largest payload the size field can describe.
const MaxPayload = 0xFFFF

// DefaultMaxPayload is the largest payload mh3net accepts from a client.
// The game announces a 0x4000-byte receive buffer in ConnectionData and
// fetches large blobs (terms, binaries) in chunks it chooses, so no real
// client packet comes near it.
const DefaultMaxPayload = 0x4000

// ErrFrameTooLarge is returned for a header announcing more than the limit.
var ErrFrameTooLarge = errors.New("pat: frame payload over the limit")

// Header is the 8-byte PAT frame header.
type Header struct {
	Size uint16 // payload size, header excluded
	Seq  uint16 // sequence number; answers echo the request's
	ID   ID     // packet id
}

// ParseHeader decodes a header from the first HeaderSize bytes of b and
// checks the announced payload size against max (0 means DefaultMaxPayload).
func ParseHeader(b []byte, max int) (Header, error) {
	if len(b) < HeaderSize {
		return Header{}, fmt.Errorf("pat: short header: %d of %d bytes", len(b), HeaderSize)
	}
	h := Header{
		Size: binary.BigEndian.Uint16(b[0:2]),
		Seq:  binary.BigEndian.Uint16(b[2:4]),
		ID:   ID(binary.BigEndian.Uint32(b[4:8])),
	}
	if max <= 0 {
		max = DefaultMaxPayload
	}
	if int(h.Size) > max {
		return h, fmt.Errorf("%w: %s announces %d bytes, limit %d", ErrFrameTooLarge, h.ID, h.Size, max)
	}
	return h, nil
}

// AppendHeader appends the encoded header to dst.
func AppendHeader(dst []byte, h Header) []byte {
	dst = binary.BigEndian.AppendUint16(dst, h.Size)
	dst = binary.BigEndian.AppendUint16(dst, h.Seq)
	return binary.BigEndian.AppendUint32(dst, uint32(h.ID))
}

// Packet is one decoded frame.
type Packet struct {
	Seq     uint16
	ID      ID
	Payload []byte
}

// AppendFrame appends a whole frame (header and payload) to dst.
func AppendFrame(dst []byte, seq uint16, id ID, payload []byte) ([]byte, error) {
	if len(payload) > MaxPayload {
		return dst, fmt.Errorf("%w: %s payload of %d bytes", ErrFrameTooLarge, id, len(payload))
	}
	dst = AppendHeader(dst, Header{Size: uint16(len(payload)), Seq: seq, ID: id})
	return append(dst, payload...), nil
}

// SplitFrames decodes a buffer holding zero or more whole frames back to
// back (the body of a handler's answer). The payloads alias b.
func SplitFrames(b []byte) ([]Packet, error) {
	var out []Packet
	for len(b) > 0 {
		h, err := ParseHeader(b, MaxPayload)
		if err != nil {
			return out, err
		}
		end := HeaderSize + int(h.Size)
		if len(b) < end {
			return out, fmt.Errorf("pat: truncated frame %s: %d of %d payload bytes", h.ID, len(b)-HeaderSize, h.Size)
		}
		out = append(out, Packet{Seq: h.Seq, ID: h.ID, Payload: b[HeaderSize:end:end]})
		b = b[end:]
	}
	return out, nil
}
