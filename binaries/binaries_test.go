package binaries

import (
	"bytes"
	"encoding/binary"
	"os"
	"testing"
	"time"
)

func TestServerTypesMatchTheReference(t *testing.T) {
	// Made by MH3SP (dev) with its clock fixed at 1700000000.
	want, err := os.ReadFile("testdata/server_types_1700000000.bin")
	if err != nil {
		t.Fatal(err)
	}
	got := serverTypeList(time.Unix(1700000000, 0))
	if len(got) != 0x13CC {
		t.Fatalf("size 0x%X, want 0x13CC", len(got))
	}
	if !bytes.Equal(got, want) {
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("first difference at 0x%X: %02x, reference %02x", i, got[i], want[i])
			}
		}
	}
}

func TestLanguageBlocksShareLayouts(t *testing.T) {
	s := New(time.Unix(1700000000, 0))
	now := time.Unix(1700000000, 0)
	for _, base := range []uint8{0x01, 0x10, 0x1F, 0x2E, 0x3D} {
		for off, size := range map[uint8]int{0: 0x13CC, 1: 12, 2: 6 * 0x180, 3: 0xF0} {
			_, b, ok := s.Get(base+off, now)
			if !ok || len(b) != size {
				t.Errorf("type 0x%02X: ok %v, %d bytes, want %d", base+off, ok, len(b), size)
			}
		}
	}
	if _, _, ok := s.Get(0x4C, now); ok {
		t.Error("type 0x4C exists")
	}
}

func TestJhenCycle(t *testing.T) {
	day := int64(14 * 1000) // a cycle start (day mod 14 == 0): fog
	at := func(d int64) time.Time { return time.Unix(d*secondsPerDay+3600, 0) }
	if JhenActive(at(day)) || !JhenActive(at(day+1)) || !JhenActive(at(day+2)) || JhenActive(at(day+3)) {
		t.Error("sandstorm must be on days 1 and 2 of the cycle only")
	}
	b := jhenTimes(at(day + 5)) // past this cycle's event: the next one
	if got := binary.BigEndian.Uint32(b); int64(got) != (day+14)*secondsPerDay {
		t.Errorf("fog start %d, want next cycle %d", got, (day+14)*secondsPerDay)
	}
	b = jhenTimes(at(day + 1))
	if got := binary.BigEndian.Uint32(b[8:]); int64(got) != (day+3)*secondsPerDay {
		t.Errorf("sandstorm end %d", got)
	}
}
