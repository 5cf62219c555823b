package pat

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestTableIsComplete(t *testing.T) {
	if len(names) != 301 {
		t.Fatalf("%d packet ids, MH3SP names 301", len(names))
	}
	seen := map[string]ID{}
	for id, n := range names {
		if other, dup := seen[n]; dup {
			t.Errorf("name %s for 0x%08X and 0x%08X", n, uint32(id), uint32(other))
		}
		seen[n] = id
		if strings.HasPrefix(n, "Req") {
			if _, ok := names[id.Answer()]; !ok && id != IDReqLineCheck {
				t.Errorf("%s has no answer 0x%08X", n, uint32(id.Answer()))
			}
		}
	}
	if got := IDAnsLayerCreateHead.Alert().String(); got != "AnsLayerCreateHeadAlert(0x64110201)" {
		t.Errorf("Alert name %q", got)
	}
	if IDAnsLayerCreateHead.Ng() != 0x641102FF || IDReqTerms.Answer() != IDAnsTerms {
		t.Error("Ng/Answer")
	}
	if ID(0x12345678).Known() || !IDNtcLayerBinary2.Known() {
		t.Error("Known")
	}
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// Byte vectors written from MH3SP's layouts.
var vectors = []struct {
	m   Message
	hex string
}{
	{&AnsLmpConnect{Address: []byte("127.0.0.1"), Port: 8201}, "0009 3132372e302e302e31 2009"},
	{&NtcShut{Message: []byte("bye")}, "01 0003 627965"},
	{&NtcShut{}, "00 0000"},
	{&ReqConnection{}, "00000000"},
	{&NtcLogin{Status: 5}, "05"},
	{&AnsTerms{Offset: 0, Size: 4, Terms: []byte("abcd")}, "00000000 00000004 0004 61626364"},
	{&AnsSubTermsInfo{Selector: 2, Size: 3}, "00000001 02 00000003"},
	{&AnsVulgarityInfoLow{Info: 7, Size: 0}, "00000001 00000007 00000000"},
	{&AnsVulgarityInfoHighJAP{}, "00000001 00000000"},
	{&AnsVulgarityInfoLowJAP{Size: 2}, "00000001 00000002"},
	{&AnsAlert{Answer: IDAnsLayerCreateHead, Message: []byte("x")}, "00000001 0001 78"},
	{&ReqUserObject{IsSlotEmpty: 1, Slot: 1, User: Data{{ID: 1, Type: TypeLong, Num: 1}, {ID: 3, Type: TypeString, Data: []byte("Ab")}}},
		"01 00000001 02 0103 00000001 0305 0002 4162"},
	{&AnsUserObject{NeedTicket: 1, Text: []byte("s"), User: Data{{ID: 2, Type: TypeString, Data: []byte("ABCDEF")}}},
		"01 0001 73 00000000 01 0205 0006 414243444546"},
	{&ReqFmpInfo{Index: 1, Fields: []byte{2, 3}}, "00000001 02 0203"},
	{&AnsFmpInfo{Data: Data{{ID: 2, Type: TypeString, Data: []byte("1.2.3.4")}, {ID: 3, Type: TypeWord, Num: 8202}}},
		"02 0205 0007 312e322e332e34 0302 200a"},
	{&AnsBinaryVersion{Version: 1}, "00 00000001"},
	{&ReqBinaryData{Type: 5, Version: 1, Offset: 0, Size: 16}, "05 00000001 00000000 00000010"},
	{&AnsServerTime{ServerTime: 1, CurrentTime: 2}, "00000001 00000002"},
	{&AnsLoginInfo{NeedTicket: 1, Text: []byte("d"), ChargeInfo: Data{{ID: 7, Type: TypeString, Data: []byte("C")}}},
		"01 0001 64 01 0705 0001 43"},
	{&AnsFmpListData{Count: 1, Servers: []Data{{{ID: 7, Type: TypeLongLong, Num: 1}}}}, "00000000 00000001 01 0704 0000000000000001"},
}

func TestVectors(t *testing.T) {
	for _, v := range vectors {
		want := mustHex(v.hex)
		got, err := Marshal(v.m)
		if err != nil {
			t.Fatalf("%T: %v", v.m, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%T encodes to %x, want %x", v.m, got, want)
		}
		back := reflect.New(reflect.TypeOf(v.m).Elem()).Interface().(Message)
		if a, ok := v.m.(*AnsAlert); ok {
			back = &AnsAlert{Answer: a.Answer}
		}
		if err := Unmarshal(want, back); err != nil {
			t.Fatalf("%T: %v", v.m, err)
		}
		again, _ := Marshal(back)
		if !bytes.Equal(again, want) {
			t.Errorf("%T round trip %x, want %x", v.m, again, want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	var m AnsServerTime
	if err := Unmarshal(mustHex("00000001"), &m); !errors.Is(err, ErrShort) {
		t.Errorf("truncated: %v", err)
	}
	if err := Unmarshal(mustHex("00000001 00000002 00"), &m); !errors.Is(err, ErrTrailing) {
		t.Errorf("trailing: %v", err)
	}
	var d AnsConnection
	if err := Unmarshal([]byte{0xFF, 1, 3}, &d); !errors.Is(err, ErrShort) {
		t.Errorf("255 fields in 3 bytes: %v", err)
	}
	if err := Unmarshal([]byte{1, 1, 9, 0}, &d); err == nil {
		t.Error("unknown type tag accepted")
	}
}

func TestFrames(t *testing.T) {
	b, err := AppendMessage(nil, 7, &NtcLogin{Status: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, mustHex("0001 0007 60211000 01")) {
		t.Fatalf("frame %x", b)
	}
	two := append(append([]byte{}, b...), b...)
	ps, err := SplitFrames(two)
	if err != nil || len(ps) != 2 || ps[1].Seq != 7 || ps[1].ID != IDNtcLogin {
		t.Fatalf("split %v %v", ps, err)
	}
	if _, err := SplitFrames(two[:len(two)-1]); err == nil {
		t.Error("truncated frame accepted")
	}
	if _, err := ParseHeader(mustHex("FFFF 0001 60010100"), 0); !errors.Is(err, ErrFrameTooLarge) {
		t.Errorf("oversized: %v", err)
	}
}

func TestDataOnlyKeepsOwnOrder(t *testing.T) {
	var d Data
	d.SetString(FmpAddress, []byte("a")).SetWord(FmpPort, 1)
	got := d.Only([]byte{FmpPort, FmpAddress})
	if len(got) != 2 || got[0].ID != FmpAddress {
		t.Errorf("Only %v", got)
	}
}

func FuzzParseHeader(f *testing.F) {
	f.Add(mustHex("0001 0007 60211000"))
	f.Add(mustHex("FFFF FFFF FFFFFFFF"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b, 0)
		if err == nil {
			if int(h.Size) > DefaultMaxPayload || !bytes.Equal(AppendHeader(nil, h), b[:HeaderSize]) {
				t.Fatalf("header %+v from %x", h, b)
			}
		}
	})
}

func FuzzSplitFrames(f *testing.F) {
	b, _ := AppendMessage(nil, 1, &NtcShut{Message: []byte("x")})
	f.Add(b)
	f.Add(append(b, b...))
	f.Fuzz(func(t *testing.T, b []byte) {
		ps, err := SplitFrames(b)
		if err != nil {
			return
		}
		var out []byte
		for _, p := range ps {
			out, _ = AppendFrame(out, p.Seq, p.ID, p.Payload)
		}
		if !bytes.Equal(out, b) {
			t.Fatalf("re-encoding differs")
		}
	})
}

func FuzzData(f *testing.F) {
	f.Add(mustHex("02 0103 00000001 0305 0002 4162"))
	f.Add([]byte{0xFF, 1, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewReader(b)
		d := r.Data()
		if r.Err() != nil {
			if d != nil {
				t.Fatal("data returned with an error")
			}
			return
		}
		if cap(d) > len(b)/3+1 {
			t.Fatalf("allocated %d items for %d bytes", cap(d), len(b))
		}
		out := NewWriter(nil).Data(d).Bytes()
		if !bytes.Equal(out, b[:r.Offset()]) {
			t.Fatalf("re-encoding %x differs from %x", out, b[:r.Offset()])
		}
	})
}

func FuzzAnsConnection(f *testing.F) {
	f.Add(mustHex("02 0105 0002 4142 0206 0001 43"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m AnsConnection
		if Unmarshal(b, &m) == nil {
			out, err := Marshal(&m)
			if err != nil || !bytes.Equal(out, b) {
				t.Fatalf("round trip %x → %x (%v)", b, out, err)
			}
		}
	})
}

func BenchmarkParseHeader(b *testing.B) {
	h := mustHex("0010 0001 61110200")
	b.ReportAllocs()
	for b.Loop() {
		ParseHeader(h, 0)
	}
}

func BenchmarkAppendFrame(b *testing.B) {
	payload := make([]byte, 64)
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = AppendFrame(buf[:0], 1, IDAnsUserListData, payload)
	}
}

func userList() *AnsUserListData {
	m := &AnsUserListData{First: 1, Count: 6}
	for i := 1; i <= 6; i++ {
		var u Data
		u.SetLong(UserSlotIndex, uint32(i)).SetString(UserCapcomID, []byte("ABCDEF")).SetString(UserHunterName, []byte("Hunter"))
		m.Users = append(m.Users, u)
	}
	return m
}

func BenchmarkDataEncode(b *testing.B) {
	d := userList().Users[0]
	w := NewWriter(make([]byte, 0, 64))
	b.ReportAllocs()
	for b.Loop() {
		w.b = w.b[:0]
		w.Data(d)
	}
}

func BenchmarkDataDecode(b *testing.B) {
	enc := NewWriter(nil).Data(userList().Users[0]).Bytes()
	b.ReportAllocs()
	for b.Loop() {
		NewReader(enc).Data()
	}
}

func BenchmarkUserListData(b *testing.B) {
	m := userList()
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = AppendMessage(buf[:0], 1, m)
	}
}
