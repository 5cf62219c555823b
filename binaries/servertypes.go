package binaries

import (
	"encoding/binary"
	"strconv"
	"time"
)

// Binary +0: server types, the day/night clock and the options a city
// host picks from. Offsets (US layout):
//
//	0x000  4 × (name[24], description[168])  server types
//	0x300  u32 0
//	0x304  u32 day/night base time (Unix seconds, server start)
//	0x308  u32 seconds per day+night cycle
//	0x30C  32 × (text[48], 0, enabled, 0xFF, 0)  city "seeking" labels
//	0x98C  8 × (name[30], enabled, 0, u16 min HR, u16 max HR)  HR limits
//	0xAAC  64 × (name[30], enabled, restriction, u16, u16)  city goals
//	0x13AC 4 × (u16 min HR, u16 max HR)  per server type
//	0x13BC 8 × u16 timeouts
//	0x13CC end
const (
	serverTypeNameLen = 24
	serverTypeDescLen = 168
	seekingLen        = 48
	hrLimitNameLen    = 30
	goalNameLen       = 30

	serverTypeListSize = 0x13CC
	offDayNightBase    = 0x304
	offSeekings        = 0x30C
	offServerTypeHR    = 0x13AC
)

// DayNightCycle is the length of one in-game day plus night, in seconds
// (3.2 hours each).
const DayNightCycle = 23040

type serverType struct {
	name, desc   string
	hrMin, hrMax uint16
}

// The four server types of the original service. Descriptions are ours;
// lines are kept to 20 characters.
var serverTypes = [4]serverType{
	{"Open", "Open to hunters of\nevery Hunter Rank.", 0, 999},
	{"Rookie", "For hunters of\nHR 30 and below.", 0, 30},
	{"Expert", "For hunters of\nHR 31 and above.", 31, 999},
	{"Recruiting", "Meet up here to find\npartners for your\nnext hunt.", 0, 999},
}

// City "seeking" labels: the first sixteen are the original service's,
// the next two are extras, the rest placeholders.
var seekings = [32]string{
	"Everyone welcome!", "Casual play", "Huntin' and chattin'", "Beginners welcome!",
	"Skilled players only", "Let's Quest together", "Event Quest ho!", "Arena battles!",
	"Earning money", "HR grinding", "Gathering materials", "Rare material search",
	"Just a Quest or two", "In for the long haul", "Playing with friends", "Solo play",
	"Streaming", "Taking turns",
}

type hrLimit struct {
	name         string
	hrMin, hrMax uint16
}

var hrLimits = [8]hrLimit{{"None", 0, 999}, {"Low", 0, 30}, {"High", 31, 999}}

var goals = [64]string{
	"None", "HR1~", "HR9~", "HR18~", "HR31~", "HR40~", "HR51~",
	"1* Urgent Quest", "2* Urgent Quest", "3* Urgent Quest", "4* Urgent Quest", "5* Urgent Quest",
	"Great Jaggi", "Qurupecco", "Royal Ludroth", "Barroth", "Gobul", "Rathian", "Great Baggi", "Gigginox",
	"Lagiacrus", "Barioth", "Rathalos", "Diablos", "Uragaan", "Agnaktor", "Jhen Mohran", "Deviljho",
	"Alatreon", "Mining Ore", "Catching Bugs", "Fishing", "Small Monsters", "Gathering", "Transporting", "The Arena",
}

// timeout is each of the eight timeout values (30 × 30).
const timeout = 900

func serverTypeList(start time.Time, bounds [4][2]uint16) []byte {
	b := make([]byte, 0, serverTypeListSize)
	for _, t := range serverTypes {
		b = append(b, field(t.name, serverTypeNameLen)...)
		b = append(b, field(t.desc, serverTypeDescLen)...)
	}
	b = binary.BigEndian.AppendUint32(b, 0)
	b = binary.BigEndian.AppendUint32(b, uint32(start.Unix()))
	b = binary.BigEndian.AppendUint32(b, DayNightCycle)
	for i, s := range seekings {
		if s == "" {
			s = "Seeking" + strconv.Itoa(i)
		}
		b = append(b, field(s, seekingLen)...)
		b = append(b, 0, 1, 0xFF, 0) // enabled; the 0xFF flag is not understood
	}
	for i, l := range hrLimits {
		if l.name == "" {
			l = hrLimit{"Limit" + strconv.Itoa(i), 0, 999}
		}
		b = append(b, field(l.name, hrLimitNameLen)...)
		b = append(b, 1, 0) // enabled; restriction by HR
		b = binary.BigEndian.AppendUint16(b, l.hrMin)
		b = binary.BigEndian.AppendUint16(b, l.hrMax)
	}
	for i, g := range goals {
		if g == "" {
			g = "Goal" + strconv.Itoa(i)
		}
		b = append(b, field(g, goalNameLen)...)
		b = append(b, 1, 0, 0, 0, 0, 0) // enabled, no restriction
	}
	for _, hr := range bounds {
		b = binary.BigEndian.AppendUint16(b, hr[0])
		b = binary.BigEndian.AppendUint16(b, hr[1])
	}
	for range 8 {
		b = binary.BigEndian.AppendUint16(b, timeout)
	}
	return b
}
