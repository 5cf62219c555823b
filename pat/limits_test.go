package pat

import (
	"bytes"
	"testing"
)

func TestLimits(t *testing.T) {
	if got := MaxRequestPayload(0x12345678); got != MaxPayload {
		t.Errorf("an id without a limit gets %d", got)
	}
	if got := MaxRequestPayload(IDReqUserObject); got != 0x200 {
		t.Errorf("ReqUserObject limit %d", got)
	}
	for id, n := range limits {
		if !id.Known() {
			t.Errorf("limit for unknown id 0x%08X", uint32(id))
		}
		// Limits are for what the game sends: requests, notices and the
		// two answers to server-initiated requests.
		if !id.IsRequest() && byte(id>>8) != 0x10 && id != IDAnsConnection && id != IDAnsLineCheck {
			t.Errorf("limit for %s, which the game does not send", id)
		}
		if n > DefaultMaxPayload {
			t.Errorf("%s: limit %d is over the edge's frame limit, so it never applies", id, n)
		}
	}
}

func TestRegisterLimitsConflict(t *testing.T) {
	const id = ID(0x7F000100) // not a packet
	t.Cleanup(func() { delete(limits, id) })
	registerLimits(map[ID]int{id: 8})
	registerLimits(map[ID]int{id: 8}) // the same entry twice is fine
	defer func() {
		if recover() == nil {
			t.Error("a second, different limit was accepted")
		}
	}()
	registerLimits(map[ID]int{id: 9})
}

func TestNtcShutCutsLongTexts(t *testing.T) {
	long := bytes.Repeat([]byte("x"), 0x300)
	b, err := Marshal(&NtcShut{Message: long})
	if err != nil {
		t.Fatal(err)
	}
	if want := append([]byte{1, 0x02, 0x00}, long[:0x200]...); !bytes.Equal(b, want) {
		t.Errorf("a 0x300-byte text encodes to %d bytes, head % x", len(b), b[:3])
	}
}
