package binaries

import (
	"encoding/binary"
	"strings"
	"time"
)

// Jhen Mohran: the calendar is cut into 14-day cycles counted from the
// Unix epoch (cycle day = Unix day mod 14). Day 0 brings fog, days 1 and 2
// the sandstorm (Jhen Mohran quests, shop sale, trading-post page 3), days
// 3 to 13 are ordinary.
const (
	secondsPerDay     = 24 * 60 * 60
	JhenCycleDays     = 14
	fogDay            = 0
	sandstormFirstDay = 1
	sandstormEndDay   = 3 // first day after the sandstorm
)

func unixDay(t time.Time) int64 {
	s := t.Unix()
	d := s / secondsPerDay
	if s%secondsPerDay < 0 {
		d-- // floor, for times before 1970
	}
	return d
}

func cycleDay(day int64) int64 {
	return ((day % JhenCycleDays) + JhenCycleDays) % JhenCycleDays
}

// JhenCycleDay is now's day in the 14-day cycle (0 fog, 1–2 sandstorm).
func JhenCycleDay(now time.Time) int {
	return int(cycleDay(unixDay(now)))
}

// JhenActive reports whether the sandstorm is on at now.
func JhenActive(now time.Time) bool {
	d := JhenCycleDay(now)
	return d >= sandstormFirstDay && d < sandstormEndDay
}

// JhenWindow returns when the fog starts, when the sandstorm starts and
// when it ends, for the current cycle while its sandstorm has not ended,
// else for the next cycle.
func JhenWindow(now time.Time) (fog, sandstorm, end time.Time) {
	day := unixDay(now)
	first := day - cycleDay(day)
	if cycleDay(day) >= sandstormEndDay {
		first += JhenCycleDays
	}
	at := func(d int64) time.Time { return time.Unix((first+d)*secondsPerDay, 0) }
	return at(fogDay), at(sandstormFirstDay), at(sandstormEndDay)
}

// jhenTimes is binary +1: the JhenWindow times as three u32 Unix seconds.
func jhenTimes(now time.Time) []byte {
	fog, start, end := JhenWindow(now)
	b := make([]byte, 0, 12)
	b = binary.BigEndian.AppendUint32(b, uint32(fog.Unix()))
	b = binary.BigEndian.AppendUint32(b, uint32(start.Unix()))
	return binary.BigEndian.AppendUint32(b, uint32(end.Unix()))
}

// Binary +2: six NPC texts of 0x180 bytes each (US layout).
const (
	npcTextLen = 0x180
	npcCount   = 6

	npcToolShop     = 0
	npcMaterialShop = 1
	npcTradingPost  = 2
	npcEventQuests  = 3 // event quest names, one a line
	npcArenaQuests  = 4 // arena quest names, one a line
	npcGuildmaster  = 5
)

// Our wording for the greetings (the reference's lengths are kept as an
// upper bound for the one-line shop texts).
const (
	shopNormal      = "Regular prices."
	shopSale        = "All goods 50% off!"
	tradingPostOpen = "Come trade with us!"
	guildmaster     = "Greetings, hunters!\n" +
		"Loc Lac's online service\n" +
		"lives again, run by fans\n" +
		"of the hunt. The Arena is\n" +
		"open for business too.\n" +
		"Hunt well, share the spoils,\n" +
		"and look out for each other!"
	// sandstormEvent is the game's name for the sandstorm event; it heads
	// the event quest list while the sandstorm is on.
	sandstormEvent = "The Festival of Fear\n"
)

// npcTexts are the NPC texts of a day whose quests are named eventNames
// and arenaNames (at most 6 and 4 names of at most 40 bytes: they fit).
func npcTexts(sandstorm bool, eventNames, arenaNames []string) []byte {
	shop, events := shopNormal, ""
	if sandstorm {
		shop, events = shopSale, sandstormEvent
	}
	texts := [npcCount]string{
		npcToolShop:     shop,
		npcMaterialShop: shop,
		npcTradingPost:  tradingPostOpen,
		npcEventQuests:  events + strings.Join(eventNames, "\n"),
		npcArenaQuests:  strings.Join(arenaNames, "\n"),
		npcGuildmaster:  guildmaster,
	}
	b := make([]byte, 0, npcCount*npcTextLen)
	for _, t := range texts {
		b = append(b, field(t, npcTextLen)...)
	}
	return b
}
