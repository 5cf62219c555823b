// Package binaries makes the numbered blobs the game downloads with
// ReqBinaryHead/Data: server types and city options (0x01), the Jhen
// Mohran fog and sandstorm times (0x02), NPC texts (0x03), the trading
// post (0x04). Types come in five language blocks of fifteen (English
// 0x01, French 0x10, German 0x1F, Italian 0x2E, Spanish 0x3D); inside a
// block the order is the same. Layouts and sizes are MH3SP's (US sizes).
package binaries

import (
	_ "embed"
	"encoding/binary"
	"time"
)

//go:embed trading_post.bin
var tradingPost []byte // 15 trades × 8 u16: item, qty, cost1, qty1, cost2, qty2, 0, 0

// Set serves the binaries of one server run.
type Set struct {
	start       time.Time
	serverTypes []byte
}

// New makes the binaries; start is the day/night base time (the server's
// start, as on MH3SP).
func New(start time.Time) *Set {
	return &Set{start: start, serverTypes: serverTypeList(start)}
}

const (
	blockSize  = 15
	blockFirst = 0x01
	blocks     = 5
)

// Get returns a binary's version and content at time now.
func (s *Set) Get(typ uint8, now time.Time) (version uint32, content []byte, ok bool) {
	if typ < blockFirst || int(typ) >= blockFirst+blocks*blockSize {
		return 0, nil, false
	}
	block := (int(typ) - blockFirst) / blockSize
	switch (int(typ) - blockFirst) % blockSize {
	case 0:
		return 1, s.serverTypes, true
	case 1:
		return 1, jhenTimes(now), true
	case 2:
		return 1, npcGreeters(now), true
	case 3:
		return 1, tradingPost, true
	case 4:
		// Unknown text block; MH3SP serves placeholders the game accepts.
		if block == 0 {
			return 1, []byte("5555555555555555"), true
		}
		return 1, append([]byte("dummy_"+hex2(typ)), 0), true
	}
	// Event and arena quest slots: not served yet.
	return 0, nil, false
}

func hex2(b uint8) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[b>>4], digits[b&15]})
}

// pad is s in a zero-filled field of size bytes whose last byte is always
// zero (so text must be shorter than the field).
func pad(s string, size int) []byte {
	b := make([]byte, size)
	copy(b, s)
	b[size-1] = 0
	return b
}

// Day and night: one cycle of 23040 s (3.2 h of day, 3.2 h of night).
const ticksPerCycle = 23040

type serverType struct {
	name, desc   string
	hrMin, hrMax uint16
}

var serverTypes = []serverType{
	{"Open", "Hunters of all Ranks\ncan gather here.", 0, 999},
	{"Rookie", "Only hunters HR 30\nor lower may enter.", 0, 30},
	{"Expert", "Only hunters HR 31\nor higher may enter.", 31, 999},
	{"Recruiting", "Hunters in search of\nhunting companions\ncan gather here.", 0, 999},
}

var seekings = []string{
	"Everyone welcome!", "Casual play", "Huntin' and chattin'", "Beginners welcome!",
	"Skilled players only", "Let's Quest together", "Event Quest ho!", "Arena battles!",
	"Earning money", "HR grinding", "Gathering materials", "Rare material search",
	"Just a Quest or two", "In for the long haul", "Playing with friends", "Solo play",
	"Stream Lobby", "Turns",
}

var hrLimits = []struct {
	name         string
	hrMin, hrMax uint16
}{{"None", 0, 999}, {"Low", 0, 30}, {"High", 31, 999}}

var goals = []string{
	"None", "HR1~", "HR9~", "HR18~", "HR31~", "HR40~", "HR51~",
	"1* Urgent Quest", "2* Urgent Quest", "3* Urgent Quest", "4* Urgent Quest", "5* Urgent Quest",
	"Great Jaggi", "Qurupecco", "Royal Ludroth", "Barroth", "Gobul", "Rathian", "Great Baggi", "Gigginox",
	"Lagiacrus", "Barioth", "Rathalos", "Diablos", "Uragaan", "Agnaktor", "Jhen Mohran", "Deviljho",
	"Alatreon", "Mining Ore", "Catching Bugs", "Fishing", "Small Monsters", "Gathering", "Transporting", "The Arena",
}

// serverTypeList is binary 0x01 (0x13CC bytes).
func serverTypeList(start time.Time) []byte {
	var b []byte
	for _, t := range serverTypes {
		b = append(b, pad(t.name, 24)...)
		b = append(b, pad(t.desc, 168)...)
	}
	b = binary.BigEndian.AppendUint32(b, 0)
	b = binary.BigEndian.AppendUint32(b, uint32(start.Unix()))
	b = binary.BigEndian.AppendUint32(b, ticksPerCycle)
	for i := 0; i < 32; i++ {
		name := "Seeking" + itoa(i)
		if i < len(seekings) {
			name = seekings[i]
		}
		b = append(b, pad(name, 48)...)
		b = append(b, 0, 1, 0xFF, 0) // enabled; 0xFF flag of unknown meaning
	}
	for i := 0; i < 8; i++ {
		name, lo, hi := "Limit"+itoa(i), uint16(0), uint16(999)
		if i < len(hrLimits) {
			name, lo, hi = hrLimits[i].name, hrLimits[i].hrMin, hrLimits[i].hrMax
		}
		b = append(b, pad(name, 30)...)
		b = append(b, 1, 0) // enabled, HR-limit restriction
		b = binary.BigEndian.AppendUint16(b, lo)
		b = binary.BigEndian.AppendUint16(b, hi)
	}
	for i := 0; i < 64; i++ {
		name := "Goal" + itoa(i)
		if i < len(goals) {
			name = goals[i]
		}
		b = append(b, pad(name, 30)...)
		b = append(b, 1, 0, 0, 0, 0, 0)
	}
	for _, t := range serverTypes {
		b = binary.BigEndian.AppendUint16(b, t.hrMin)
		b = binary.BigEndian.AppendUint16(b, t.hrMax)
	}
	for i := 0; i < 8; i++ {
		b = binary.BigEndian.AppendUint16(b, 900) // 30 × 30 s
	}
	return b
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return string(rune('0'+i/10)) + string(rune('0'+i%10))
}

// Jhen Mohran: a 14-day cycle on Unix day numbers; day 0 fog, days 1-2
// sandstorm.
const (
	secondsPerDay = 24 * 60 * 60
	jhenCycle     = 14
	jhenStart     = 1
	jhenEnd       = 3
)

// jhenTimes is binary 0x02: fog start, sandstorm start, sandstorm end of
// the current or next cycle (Unix seconds).
func jhenTimes(now time.Time) []byte {
	day := now.Unix() / secondsPerDay
	inCycle := day % jhenCycle
	start := (day - inCycle) * secondsPerDay
	if inCycle >= jhenEnd {
		start += jhenCycle * secondsPerDay
	}
	var b []byte
	b = binary.BigEndian.AppendUint32(b, uint32(start))
	b = binary.BigEndian.AppendUint32(b, uint32(start+jhenStart*secondsPerDay))
	return binary.BigEndian.AppendUint32(b, uint32(start+jhenEnd*secondsPerDay))
}

// JhenActive reports whether the sandstorm is on.
func JhenActive(now time.Time) bool {
	inCycle := now.Unix() / secondsPerDay % jhenCycle
	return inCycle >= jhenStart && inCycle < jhenEnd
}

// npcGreeters is binary 0x03: six 0x180-byte texts (tool shop, material
// shop, trading post, quest receptionist, arena clerk, guildmaster).
func npcGreeters(now time.Time) []byte {
	shop := "Regular prices today."
	events := ""
	if JhenActive(now) {
		shop = "Sandstorm sale: half off!"
		events = "The Festival of Fear\n"
	}
	const size = 0x180
	var b []byte
	b = append(b, pad(shop, size)...)
	b = append(b, pad(shop, size)...)
	b = append(b, pad("Trades are open.", size)...)
	b = append(b, pad(events, size)...)
	b = append(b, pad("", size)...)
	b = append(b, pad("Welcome to Loc Lac,\nhunter! Good hunting\nto you all.", size)...)
	return b
}
