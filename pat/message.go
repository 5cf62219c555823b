package pat

import (
	"fmt"
	"slices"
)

// ID is a packet id: category, sub-id, type (01 Req, 02 Ans, 10 Ntc) and a
// flag byte (00 normal, 01 Alert, FF Ng).
type ID uint32

// Alert is the AnsAlert variant of an answer id (a message box).
func (id ID) Alert() ID { return id&^0xFF | 0x01 }

// Ng is the AnsNg variant of an answer id.
func (id ID) Ng() ID { return id | 0xFF }

// Base strips the flag byte (Alert/Ng) from an id.
func (id ID) Base() ID { return id &^ 0xFF }

// IsRequest reports whether the id is a request (type byte 01).
func (id ID) IsRequest() bool { return byte(id>>8) == 0x01 }

// IsNotification reports whether the id is a notification (type byte 10).
func (id ID) IsNotification() bool { return byte(id>>8) == 0x10 }

// Answer is the answer id of a request id.
func (id ID) Answer() ID { return id&^0xFFFF | 0x0200 }

// Known reports whether the id (without its flag byte) is in the packet table.
func (id ID) Known() bool {
	_, ok := names[id]
	if !ok {
		_, ok = names[id.Base()]
	}
	return ok
}

// IDs is every id of the packet table, in order.
func IDs() []ID {
	ids := make([]ID, 0, len(names))
	for id := range names {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Name is the packet's name from the table ("ReqLineCheck"), with an
// Alert/Ng suffix for those variants, or "" for an unknown id.
func (id ID) Name() string {
	if n, ok := names[id]; ok {
		return n
	}
	if n, ok := names[id.Base()]; ok {
		switch byte(id) {
		case 0x01:
			return n + "Alert"
		case 0xFF:
			return n + "Ng"
		}
	}
	return ""
}

func (id ID) String() string {
	if n := id.Name(); n != "" {
		return fmt.Sprintf("%s(0x%08X)", n, uint32(id))
	}
	return fmt.Sprintf("Unknown(0x%08X)", uint32(id))
}

// Message is a typed packet: it knows its id and its payload layout.
type Message interface {
	PacketID() ID
	Encode(w *Writer)
	Decode(r *Reader)
}

// Marshal encodes a message's payload.
func Marshal(m Message) ([]byte, error) {
	w := NewWriter(nil)
	m.Encode(w)
	if err := w.Err(); err != nil {
		return nil, fmt.Errorf("encode %s: %w", m.PacketID(), err)
	}
	return w.Bytes(), nil
}

// Unmarshal decodes a payload into m and insists every byte was used, as
// the reference server does.
func Unmarshal(payload []byte, m Message) error {
	r := NewReader(payload)
	m.Decode(r)
	if err := r.Done(); err != nil {
		return fmt.Errorf("decode %s: %w", m.PacketID(), err)
	}
	return nil
}

// AppendMessage appends m as a whole frame with the given seq.
func AppendMessage(dst []byte, seq uint16, m Message) ([]byte, error) {
	payload, err := Marshal(m)
	if err != nil {
		return dst, err
	}
	return AppendFrame(dst, seq, m.PacketID(), payload)
}
