package binaries

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

var (
	testStart = time.Date(2024, 1, 15, 6, 0, 0, 0, time.UTC)
	// 2024-01-18 is Unix day 19740, a multiple of 14: a fog day.
	fogDay0 = time.Date(2024, 1, 18, 0, 0, 0, 0, time.UTC)
)

func day(n int) time.Time { return fogDay0.AddDate(0, 0, n) }

func get(t *testing.T, s *Set, typ uint8, now time.Time) []byte {
	t.Helper()
	v, b, ok := s.Get(typ, now)
	if !ok {
		t.Fatalf("type %#02x not served", typ)
	}
	if v != 1 {
		t.Fatalf("type %#02x version %d", typ, v)
	}
	return b
}

func u16(b []byte, off int) uint16 { return binary.BigEndian.Uint16(b[off:]) }
func u32(b []byte, off int) uint32 { return binary.BigEndian.Uint32(b[off:]) }

func TestTypeRange(t *testing.T) {
	s := New(testStart)
	for _, typ := range []uint8{0x00, 0x4C, 0xFF} {
		if _, _, ok := s.Get(typ, testStart); ok {
			t.Errorf("type %#02x served", typ)
		}
	}
	for typ := FirstType; typ <= LastType; typ++ {
		if b := get(t, s, uint8(typ), testStart); len(b) == 0 {
			t.Errorf("type %#02x empty", typ)
		}
	}
}

func TestSizes(t *testing.T) {
	s := New(testStart)
	want := map[uint8]int{
		0x01: 0x13CC, 0x02: 12, 0x03: 0x900, 0x04: 0xF0, 0x05: 16,
		0x06: 0x4B8, 0x07: 0x4B8, 0x08: 0x4B8, 0x09: 0x4B8, 0x0A: 0x4B8, 0x0B: 0x4B8,
		0x0C: 0x4B8 + 0x280, 0x0D: 0x4B8 + 0x280, 0x0E: 0x4B8 + 0x280,
		0x0F: 0x4B8 + 0x280 + 4, // one gunner pouch holds nine items
	}
	for typ, size := range want {
		if b := get(t, s, typ, testStart); len(b) != size {
			t.Errorf("type %#02x: %#x bytes, want %#x", typ, len(b), size)
		}
	}
}

func TestLanguageBlocks(t *testing.T) {
	s := New(testStart)
	for block := 1; block < 5; block++ {
		for pos := 0; pos < blockLen; pos++ {
			en := get(t, s, uint8(FirstType+pos), day(1))
			typ := uint8(FirstType + block*blockLen + pos)
			b := get(t, s, typ, day(1))
			if pos == posUnknownText {
				if want := []byte("dummy_" + string("0123456789abcdef"[typ>>4]) + string("0123456789abcdef"[typ&15]) + "\x00"); !bytes.Equal(b, want) {
					t.Errorf("type %#02x: %q, want %q", typ, b, want)
				}
				continue
			}
			if !bytes.Equal(b, en) {
				t.Errorf("type %#02x differs from type %#02x", typ, FirstType+pos)
			}
		}
	}
	if b := get(t, s, 0x05, testStart); string(b) != strings.Repeat("5", 16) {
		t.Errorf("type 0x05: %q", b)
	}
	if b := get(t, s, 0x14, testStart); string(b) != "dummy_14\x00" {
		t.Errorf("type 0x14: %q", b)
	}
}

func TestServerTypeList(t *testing.T) {
	b := get(t, New(testStart), 0x01, day(5))
	if got := u32(b, offDayNightBase); int64(got) != testStart.Unix() {
		t.Errorf("day/night base %d, want %d", got, testStart.Unix())
	}
	if got := u32(b, 0x308); got != 23040 {
		t.Errorf("cycle %d", got)
	}
	if got := string(b[0:4]); got != "Open" {
		t.Errorf("first server type %q", got)
	}
	wantHR := []uint16{0, 999, 0, 30, 31, 999, 0, 999}
	for i, w := range wantHR {
		if got := u16(b, offServerTypeHR+2*i); got != w {
			t.Errorf("HR bound %d at %#x: %d, want %d", i, offServerTypeHR+2*i, got, w)
		}
	}
	for i := range 8 {
		if got := u16(b, 0x13BC+2*i); got != 900 {
			t.Errorf("timeout %d: %d", i, got)
		}
	}
	// HR limit "Low": name at 0x98C+36, enabled, 0, 0..30.
	low := b[0x98C+36:]
	if string(low[:3]) != "Low" || low[30] != 1 || u16(low, 32) != 0 || u16(low, 34) != 30 {
		t.Errorf("HR limit Low: % x", low[:36])
	}
	if string(b[offSeekings:offSeekings+17]) != "Everyone welcome!" || !bytes.Equal(b[offSeekings+48:offSeekings+52], []byte{0, 1, 0xFF, 0}) {
		t.Errorf("first seeking: %q", b[offSeekings:offSeekings+52])
	}
	if string(b[0xAAC+12*36:0xAAC+12*36+11]) != "Great Jaggi" {
		t.Errorf("goal 12: %q", b[0xAAC+12*36:0xAAC+13*36])
	}
	// Later starts move only the base time.
	other := get(t, New(testStart.Add(time.Hour)), 0x01, day(5))
	if i := firstDifference(b, other); i != offDayNightBase+2 && i != offDayNightBase+3 {
		t.Errorf("first difference at %#x", i)
	}
}

func TestJhenCycle(t *testing.T) {
	cases := []struct {
		at     time.Time
		day    int
		active bool
	}{
		{fogDay0, 0, false},
		{fogDay0.Add(-time.Second), 13, false},
		{day(1), 1, true},
		{day(2).Add(23*time.Hour + 59*time.Minute + 59*time.Second), 2, true},
		{day(3), 3, false},
		{day(13), 13, false},
		{day(14), 0, false},
		{day(15).Add(12 * time.Hour), 1, true},
		{time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), 0, false},
		{time.Date(1969, 12, 31, 23, 0, 0, 0, time.UTC), 13, false},
		{time.Date(1970, 1, 2, 12, 0, 0, 0, time.FixedZone("x", 9*3600)), 1, true}, // 03:00 UTC: the zone does not matter
	}
	for _, c := range cases {
		if got := JhenCycleDay(c.at); got != c.day {
			t.Errorf("%v: cycle day %d, want %d", c.at, got, c.day)
		}
		if got := JhenActive(c.at); got != c.active {
			t.Errorf("%v: active %v, want %v", c.at, got, c.active)
		}
	}
}

func TestJhenWindow(t *testing.T) {
	s := New(testStart)
	for d := -1; d <= 14; d++ {
		now := day(d).Add(7 * time.Hour)
		first := fogDay0 // this cycle's fog day
		if d >= 3 {
			first = day(14) // this cycle's sandstorm is over: the next one
		}
		// d = -1 is day 13 of the previous cycle: fogDay0 is next.
		fog, start, end := JhenWindow(now)
		if !fog.Equal(first) || !start.Equal(first.AddDate(0, 0, 1)) || !end.Equal(first.AddDate(0, 0, 3)) {
			t.Errorf("day %d: window %v %v %v, want fog %v", d, fog, start, end, first)
		}
		b := get(t, s, 0x02, now)
		if u32(b, 0) != uint32(fog.Unix()) || u32(b, 4) != uint32(start.Unix()) || u32(b, 8) != uint32(end.Unix()) {
			t.Errorf("day %d: binary % x", d, b)
		}
		if b2 := get(t, s, 0x3E, now); !bytes.Equal(b, b2) {
			t.Errorf("day %d: Spanish time events differ", d)
		}
	}
}

func TestNPCTexts(t *testing.T) {
	s := New(testStart)
	text := func(b []byte, i int) string {
		f := b[i*npcTextLen : (i+1)*npcTextLen]
		return string(f[:bytes.IndexByte(f, 0)])
	}
	normal, storm := get(t, s, 0x03, day(0)), get(t, s, 0x03, day(1))
	if text(normal, npcToolShop) != shopNormal || text(storm, npcToolShop) != shopSale || text(storm, npcMaterialShop) != shopSale {
		t.Errorf("shop texts %q / %q", text(normal, npcToolShop), text(storm, npcToolShop))
	}
	events := "Jump Three Jaggi\nBlood Sport\nMercy Mission\nThe Phantom Uragaan\nWorld Eater\nWhere Gods Fear to Tread"
	if got := text(normal, npcEventQuests); got != events {
		t.Errorf("event list %q", got)
	}
	if got := text(storm, npcEventQuests); got != "The Festival of Fear\n"+events {
		t.Errorf("sandstorm event list %q", got)
	}
	arena := "Grudge Match: Royal Ludroth\nGrudge Match: Bird and Brute\nGrudge Match: The Two Flames\nGrudge Match: Land Lords"
	if got := text(storm, npcArenaQuests); got != arena {
		t.Errorf("arena list %q", got)
	}
	if !bytes.Equal(get(t, s, 0x03, day(3)), normal) || !bytes.Equal(get(t, s, 0x21, day(2)), storm) {
		t.Error("NPC texts do not follow the sandstorm")
	}
	if text(normal, npcGuildmaster) != guildmaster {
		t.Error("guildmaster text")
	}
}

func TestTradingPost(t *testing.T) {
	b := get(t, New(testStart), 0x04, testStart)
	// First trade: Popfish x8 for 2 × item 0x65 and 2 × item 0x262.
	want := []uint16{0xD2, 8, 0x65, 2, 0x262, 2, 0, 0}
	for i, w := range want {
		if got := u16(b, 2*i); got != w {
			t.Errorf("word %d: %#x, want %#x", i, got, w)
		}
	}
	for i := range tradeCount {
		if u32(b, i*tradeSize+12) != 0 {
			t.Errorf("trade %d does not end with a null slot", i)
		}
	}
}

func TestQuestLayout(t *testing.T) {
	s := New(testStart)
	wantIDs := []uint16{61001, 61008, 61002, 61007, 61020, 61021, 0xEA61, 0xEA66, 0xEA68, 0xEA6B}
	for i, id := range wantIDs {
		typ := uint8(0x06 + i)
		b := get(t, s, typ, testStart)
		q := &questTable[i]
		if got := u16(b, 0x2C); got != id {
			t.Errorf("type %#02x: quest id %d, want %d", typ, got, id)
		}
		if got := string(b[:len(q.Name)]); got != q.Name || b[len(q.Name)] != 0 {
			t.Errorf("type %#02x: name %q", typ, got)
		}
		if got := u16(b, 0x37E); got != 0x4B8 {
			t.Errorf("type %#02x: type code %#x", typ, got)
		}
		if got := u32(b, 0x4B4); got != 0x4B8 {
			t.Errorf("type %#02x: size word %#x", typ, got)
		}
		if got := int16(u16(b, 0x13A)); got != q.TimeLimit {
			t.Errorf("type %#02x: time limit %d", typ, got)
		}
		if got := u32(b, 0x310); got != q.Flags {
			t.Errorf("type %#02x: flags %#x", typ, got)
		}
		if got := u32(b, 0x348); got != q.Fee {
			t.Errorf("type %#02x: fee %d", typ, got)
		}
		arena := i >= 6
		if got := b[0x36D]; (got == 2) != arena {
			t.Errorf("type %#02x: supply type %d", typ, got)
		}
		if got := u32(b, 0x394); got != *q.Main.Type {
			t.Errorf("type %#02x: main objective %#x", typ, got)
		}
		if arena {
			// First set: weapon slot, two empty slots, helmet (class 5).
			set := b[0x4B8:]
			if set[1] != q.ArenaSets[0].Weapons[0].Class || u32(set, 4) != 0xFFFFFFFF || set[13] != classHelm {
				t.Errorf("type %#02x: arena set % x", typ, set[:16])
			}
		}
	}
	// Jump Three Jaggi: three Great Jaggi (monster 12), bosses 0, 1, 2.
	b := get(t, s, 0x06, testStart)
	for i := range 3 {
		m := b[0x314+8*i:]
		if m[0] != 12 || u16(m, 1) != uint16(i) || m[3] != 1 {
			t.Errorf("monster %d: % x", i, m[:8])
		}
	}
}

func TestSmallMonsterData(t *testing.T) {
	fsys := fstest.MapFS{
		"sm_worldeater.dat": {Data: []byte("01 02 03 04\n0a 0b\r\n0c")},
		"sm_bloodsport.dat": {Data: []byte("ffffffff 99")},
		"unrelated.dat":     {Data: []byte("zz")},
	}
	files, err := ReadSmallMonsterData(fsys)
	if err != nil {
		t.Fatal(err)
	}
	s := New(testStart, WithSmallMonsterData(files))
	b := get(t, s, 0x0A, testStart) // World Eater
	if len(b) != 0x4B4+4+3 || u32(b, 0x4B4) != 0x4B4+7 || !bytes.Equal(b[0x4B8:], []byte{0x0a, 0x0b, 0x0c}) {
		t.Errorf("World Eater tail % x", b[0x4B4:])
	}
	b = get(t, s, 0x0E, testStart) // The Two Flames: arena sets follow the data
	if len(b) != 0x4B8+1+0x280 || b[0x4B8] != 0x99 || u32(b, 0x4B4) != 0x4B4+5 {
		t.Errorf("The Two Flames: %#x bytes, tail % x", len(b), b[0x4B4:0x4C0])
	}
	if b := get(t, s, 0x06, testStart); len(b) != 0x4B8 {
		t.Errorf("quest without a file: %#x bytes", len(b))
	}
	if _, err := ReadSmallMonsterData(fstest.MapFS{"sm_worldeater.dat": {Data: []byte("0g")}}); err == nil {
		t.Error("bad hex accepted")
	}
	if _, err := ReadSmallMonsterData(fstest.MapFS{"sm_worldeater.dat": {Data: []byte("01")}}); err == nil {
		t.Error("short file accepted")
	}
}

func TestQuestTableChecks(t *testing.T) {
	good := string(questsJSON)
	for name, bad := range map[string]string{
		"long name":     strings.Replace(good, `"Blood Sport"`, `"`+strings.Repeat("x", 41)+`"`, 1),
		"unknown field": strings.Replace(good, `"fee"`, `"fees"`, 1),
		"arena id":      strings.Replace(good, `"id": 60001`, `"id": 59999`, 1),
	} {
		if bad == good {
			t.Fatalf("%s: replacement did not apply", name)
		}
		if _, err := loadQuests([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := loadTrades([]byte(`{"trades": []}`)); err == nil {
		t.Error("empty trading post accepted")
	}
}

func TestTextsFit(t *testing.T) {
	// Our own wording stays within the reference's line widths.
	for _, st := range serverTypes {
		for _, line := range strings.Split(st.desc, "\n") {
			if len(line) > 20 {
				t.Errorf("server type line %q longer than 20", line)
			}
		}
	}
	for _, s := range []string{shopNormal, shopSale} {
		if len(s) > 18 {
			t.Errorf("shop text %q longer than 18", s)
		}
	}
	for _, line := range strings.Split(guildmaster, "\n") {
		if len(line) > 29 {
			t.Errorf("guildmaster line %q longer than 29", line)
		}
	}
}

func TestConcurrentGet(t *testing.T) {
	s := New(testStart)
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for typ := FirstType; typ <= LastType; typ++ {
				s.Get(uint8(typ), day(g))
			}
		}()
	}
	for range 4 {
		<-done
	}
}
