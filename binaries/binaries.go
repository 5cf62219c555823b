// Package binaries builds the numbered data blobs ("binaries") that the game
// downloads with ReqBinaryVersion/Head/Data/Foot.
//
// Types 0x01–0x4B form five language blocks of fifteen types (English
// 0x01, French 0x10, German 0x1F, Italian 0x2E, Spanish 0x3D). Inside a
// block the positions mean the same thing:
//
//	+0      server types, day/night clock, city options (0x13CC bytes)
//	+1      Jhen Mohran fog and sandstorm times (12 bytes, time-dependent)
//	+2      NPC texts (6 × 0x180 bytes, time-dependent: sandstorm)
//	+3      trading post (0xF0 bytes)
//	+4      unknown text; a placeholder (English: 16 × '5', others
//	        "dummy_XX\0")
//	+5…+14  quest slots 1–10: six event quests, then four arena quests
//
// The layouts, the numbers and the mapping of types to content are those of
// the community server MH3SP (branch dev), so the same clocks give the same
// bytes, apart from a few texts that are worded differently here (server
// type descriptions, two city "seeking" labels, four NPC greetings and the
// briefings of three quests whose original text is unknown).
//
// Like MH3SP, every language block carries the English content, and the
// fifth event quest is served at 0x0A although Japanese clients ask for
// 0x0A in the "unknown text" role. Japanese layouts are not built.
package binaries

import (
	"fmt"
	"time"
)

// The range of binary types served.
const (
	FirstType = 0x01
	LastType  = 0x4B
)

// Version is the version of every binary (MH3SP's).
const Version = 1

const blockLen = 15 // types per language block

// Positions inside a language block.
const (
	posServerTypes = iota
	posTimeEvents
	posNPCTexts
	posTradingPost
	posUnknownText
	posFirstQuest // up to posFirstQuest+9
)

// Set holds the binaries of one server run. It is safe for concurrent use.
type Set struct {
	static [LastType + 1][]byte // contents that do not depend on the clock
	npc    [2][]byte            // NPC texts: [0] normal, [1] during the sandstorm
}

// Option changes how New builds a Set.
type Option func(*options)

type options struct {
	smallMonsters map[string][]byte
}

// WithSmallMonsterData adds per-quest small-monster data, keyed by the file
// names the quest table gives (e.g. "sm_bloodsport.dat"), as raw bytes
// (see ReadSmallMonsterData). A quest whose file is absent is built
// without it, which is what MH3SP does when its event folder is empty.
func WithSmallMonsterData(files map[string][]byte) Option {
	return func(o *options) { o.smallMonsters = files }
}

// New builds the binaries. start is the server's start time: the game
// derives day and night from it (binary 0x01 carries it).
func New(start time.Time, opts ...Option) *Set {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	s := &Set{}
	serverTypes := serverTypeList(start)
	trades := tradingPost()
	quests := make([][]byte, len(questTable))
	for i := range questTable {
		quests[i] = questTable[i].encode(o.smallMonsters[questTable[i].SmallMonsterFile])
	}
	for typ := FirstType; typ <= LastType; typ++ {
		block, pos := (typ-FirstType)/blockLen, (typ-FirstType)%blockLen
		switch {
		case pos == posServerTypes:
			s.static[typ] = serverTypes
		case pos == posTradingPost:
			s.static[typ] = trades
		case pos == posUnknownText && block == 0:
			s.static[typ] = []byte("5555555555555555")
		case pos == posUnknownText:
			s.static[typ] = fmt.Appendf(nil, "dummy_%02x\x00", typ)
		case pos >= posFirstQuest:
			s.static[typ] = quests[pos-posFirstQuest]
		}
	}
	s.npc[0] = npcTexts(false)
	s.npc[1] = npcTexts(true)
	return s
}

// Get returns the version and content of binary typ at time now; ok is
// false for a type that does not exist. The content is shared: callers
// must not modify it.
func (s *Set) Get(typ uint8, now time.Time) (version uint32, content []byte, ok bool) {
	if typ < FirstType || typ > LastType {
		return 0, nil, false
	}
	switch (typ - FirstType) % blockLen {
	case posTimeEvents:
		return Version, jhenTimes(now), true
	case posNPCTexts:
		if JhenActive(now) {
			return Version, s.npc[1], true
		}
		return Version, s.npc[0], true
	}
	return Version, s.static[typ], true
}

// field returns text in a zero-filled field of size bytes. As on MH3SP the
// field's last byte is always zero, so a text of exactly size bytes loses
// its last character. A longer text is a programming error: the tables are
// checked when the package loads.
func field(text string, size int) []byte {
	if len(text) > size {
		panic(fmt.Sprintf("binaries: %q does not fit in %d bytes", text, size))
	}
	b := make([]byte, size)
	copy(b, text)
	b[size-1] = 0
	return b
}
