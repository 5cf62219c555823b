package fanout

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/mh3net/mh3net/pat"
)

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The bytes the layer receives, as MH3SP relays them: the sender's Capcom
// ID in front (and for a layer binary a LayerBinaryInfo in place of the
// game's blank one), the notification's own seq and id.
func TestStampPinsTheBytes(t *testing.T) {
	tag := Tag("ABCDEF", []byte("Alice"))
	for _, tc := range []struct{ name, in, want string }{
		{"NtcLayerUserPosition", "0005 001b 64711000 0102030405",
			"000d 001b 64711000 0006 414243444546 0102030405"},
		{"NtcLayerBinary", "0004 001c 64701000 00 aabbcc",
			// Capcom ID; PatData {0x01 Long 0x12345678, 0x02 String id, 0x03 String name}; blob.
			"0025 001c 64701000 0006 414243444546" +
				"03 0103 12345678 0205 0006 414243444546 0305 0005 416c696365" + "aabbcc"},
		{"NtcLayerUserPosition, empty", "0000 0001 64711000", "0008 0001 64711000 0006 414243444546"},
	} {
		got, err := Stamp(mustHex(t, tc.in), tag)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if want := mustHex(t, tc.want); string(got) != string(want) {
			t.Errorf("%s:\n got % x\nwant % x", tc.name, got, want)
		}
	}
}

func TestStampRefusesWhatTheGameNeverSends(t *testing.T) {
	tag := Tag("ABCDEF", []byte("Alice"))
	big := make([]byte, pat.MaxRequestPayload(pat.IDNtcLayerUserPosition)+1)
	over, _ := pat.AppendFrame(nil, 1, pat.IDNtcLayerUserPosition, big)
	for _, tc := range []struct{ name, in string }{
		{"layer binary without its LayerUserInfo", "0000 0001 64701000"},
		{"layer binary with a truncated LayerUserInfo", "0003 0001 64701000 01 0105"},
		{"size field larger than the frame", "0009 0001 64711000 0102"},
		{"short header", "0005 0001 6471"},
		{"over the packet's limit", hex.EncodeToString(over)},
	} {
		if _, err := Stamp(mustHex(t, tc.in), tag); !errors.Is(err, ErrBadPacket) {
			t.Errorf("%s: %v, want a malformed relay", tc.name, err)
		}
	}
	if _, err := Stamp(mustHex(t, "0000 0001 64721000"), tag); err == nil || errors.Is(err, ErrBadPacket) {
		t.Errorf("chat is the handlers' relay: %v", err)
	}
	for _, bad := range []string{"", "!!", Tag("abc", nil), Tag(strings.Repeat("A", 40), nil)} {
		if _, err := Stamp(mustHex(t, "0000 0001 64711000"), bad); err == nil {
			t.Errorf("tag %q accepted", bad)
		}
	}
}

func TestTagRoundTrip(t *testing.T) {
	id, name, err := Untag(Tag("ABC123", []byte{0xE3, 0x81, 0x82}))
	if err != nil || id != "ABC123" || string(name) != "\xe3\x81\x82" {
		t.Fatalf("%q %q %v", id, name, err)
	}
}

// Any bytes: an error or a frame the game can read, never a panic.
func FuzzStamp(f *testing.F) {
	tag := Tag("ABCDEF", []byte("Alice"))
	f.Add(mustHexF("0005001b647110000102030405"))
	f.Add(mustHexF("0004001c6470100000aabbcc"))
	f.Add(mustHexF("0003000164701000010105"))
	f.Fuzz(func(t *testing.T, frame []byte) {
		out, err := Stamp(frame, tag)
		if err != nil {
			return
		}
		ps, err := pat.SplitFrames(out)
		if err != nil || len(ps) != 1 {
			t.Fatalf("stamped % x: %v", out, err)
		}
	})
}

func mustHexF(s string) []byte { b, _ := hex.DecodeString(s); return b }
