// Package fanout stamps the relays that need nothing but the sender's
// identity: the game's position updates and layer binaries, sent ten
// times a second by every hunter in a city. The edge stamps them with the
// tag the handlers handed the connection and publishes them straight to
// the connection's layer room, so the busiest traffic of the game crosses
// NATS once instead of through a handler process and back.
//
// Everything here is a pure function of the frame the game sent and the
// tag: membership (which room, which tag) is still decided only by the
// handlers. Relays that need state (a partner's connection, a chat's
// colour and moderation) stay with the handlers.
package fanout

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/mh3net/mh3net/ids"
	"github.com/mh3net/mh3net/pat"
)

// Local reports whether the edge relays packet id itself.
func Local(id pat.ID) bool {
	return id == pat.IDNtcLayerUserPosition || id == pat.IDNtcLayerBinary
}

// ErrBadPacket marks a relay the game could not have sent. The errors
// that match it say what was wrong without repeating it.
var ErrBadPacket = errors.New("malformed packet")

type badPacket struct{ err error }

func (e badPacket) Error() string        { return e.err.Error() }
func (e badPacket) Unwrap() error        { return e.err }
func (e badPacket) Is(target error) bool { return target == ErrBadPacket }

func bad(format string, args ...any) error { return badPacket{fmt.Errorf(format, args...)} }

// Stamp builds what the others in the layer receive for a relay the game
// sent (a whole frame, header included), for the hunter tagged tag. The
// answer keeps the frame's seq, as MH3SP's relays do.
func Stamp(frame []byte, tag string) ([]byte, error) {
	h, err := pat.ParseHeader(frame, pat.MaxPayload)
	if err != nil {
		return nil, bad("%w", err)
	}
	payload := frame[pat.HeaderSize:]
	if len(payload) != int(h.Size) {
		return nil, bad("%s announces %d bytes, has %d", h.ID, h.Size, len(payload))
	}
	return StampPacket(pat.Packet{Seq: h.Seq, ID: h.ID, Payload: payload}, tag)
}

// StampPacket is Stamp for a packet already split from its frame.
func StampPacket(p pat.Packet, tag string) ([]byte, error) {
	payload := p.Payload
	if max := pat.MaxRequestPayload(p.ID); len(payload) > max {
		return nil, bad("%s of %d bytes (at most %d)", p.ID, len(payload), max)
	}
	id, name, err := Untag(tag)
	if err != nil {
		return nil, err
	}
	var m pat.Message
	switch p.ID {
	case pat.IDNtcLayerUserPosition:
		var in pat.NtcLayerUserPositionFromClient
		if err := pat.Unmarshal(payload, &in); err != nil {
			return nil, bad("%w", err)
		}
		m = &pat.NtcLayerUserPosition{SenderID: []byte(id), Payload: in.Payload}
	case pat.IDNtcLayerBinary:
		// The game's blank LayerUserInfo gives way to the sender's id
		// and a LayerBinaryInfo.
		var in pat.NtcLayerBinaryFromClient
		if err := pat.Unmarshal(payload, &in); err != nil {
			return nil, bad("%w", err)
		}
		var info pat.Data
		info.SetLong(pat.LayerBinaryUnknown01, pat.LayerBinaryUnknown01Value).
			SetString(pat.LayerBinaryCapcomID, []byte(id)).
			SetString(pat.LayerBinaryHunterName, name)
		m = &pat.NtcLayerBinary{SenderID: []byte(id), Info: info, Payload: in.Payload}
	default:
		return nil, fmt.Errorf("fanout: %s is not relayed by the edge", p.ID)
	}
	return pat.AppendMessage(nil, p.Seq, m)
}

// Tag is a hunter's relay identity as the handlers hand it to the edge
// (bus.HeaderTag): its Capcom ID and hunter name.
func Tag(capcomID string, name []byte) string {
	b := binary.BigEndian.AppendUint16(nil, uint16(len(capcomID)))
	b = append(b, capcomID...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(name)))
	b = append(b, name...)
	return base64.RawStdEncoding.EncodeToString(b)
}

// Untag reads a tag back.
func Untag(s string) (capcomID string, name []byte, err error) {
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return "", nil, fmt.Errorf("fanout: bad tag: %w", err)
	}
	r := pat.NewReader(b)
	id, n := r.LP2(), r.LP2()
	if err := r.Done(); err != nil {
		return "", nil, fmt.Errorf("fanout: bad tag: %w", err)
	}
	if _, err := ids.CapcomID(id); err != nil {
		return "", nil, fmt.Errorf("fanout: bad tag: %w", err)
	}
	return string(id), n, nil
}
