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
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
	"time"
)

// The range of binary types served.
const (
	FirstType = 0x01
	LastType  = 0x4B
)

// Version is the version of every binary of the embedded content
// (MH3SP's). Quest slots and NPC texts built from a quest directory that
// differ from the embedded ones have a digest of their bytes as version
// (see contentVersion), so the game downloads them again when they change.
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

// Set holds the binaries of one server run. It is safe for concurrent use;
// ReloadQuests swaps its quests while it serves.
type Set struct {
	static  [LastType + 1][]byte // contents that depend neither on the clock nor on the quests
	small   map[string][]byte    // WithSmallMonsterData
	log     *slog.Logger
	builtin *questState // the embedded quests: what version 1 stands for
	// cur is what is served; prev what was served before the last
	// reload, kept so a download under way finishes with the bytes of
	// the version it started.
	cur, prev atomic.Pointer[questState]
	reloadMu  sync.Mutex // one reload at a time
}

// questState is a quest set built for every day of the rotation.
type questState struct {
	quests *Quests
	days   [JhenCycleDays]questDay
}

// questDay is what one day of the cycle serves.
type questDay struct {
	slots [questSlots]blob
	npc   [2]blob // [0] normal, [1] during the sandstorm
}

type blob struct {
	version uint32
	content []byte
}

// Option changes how New builds a Set.
type Option func(*options)

type options struct {
	smallMonsters map[string][]byte
	typeBounds    [4][2]uint16
	boundsSet     bool
	quests        *Quests
	log           *slog.Logger
}

// WithTypeBounds sets the Hunter Rank bounds of the four server types
// (Open, Rookie, Expert, Recruiting) that binary 0x01 tells the game; the
// world file is their source. Without it MH3SP's are used.
func WithTypeBounds(b [4][2]uint16) Option {
	return func(o *options) { o.typeBounds, o.boundsSet = b, true }
}

// WithSmallMonsterData adds per-quest small-monster data, keyed by the file
// names the quest table gives (e.g. "sm_bloodsport.dat"), as raw bytes
// (see ReadSmallMonsterData). A quest whose file is absent is built
// without it, which is what MH3SP does when its event folder is empty.
// A quest directory's own event/ files take precedence.
func WithSmallMonsterData(files map[string][]byte) Option {
	return func(o *options) { o.smallMonsters = files }
}

// WithQuests serves the quests and rotation of a quest directory (see
// LoadQuests) instead of the embedded ones.
func WithQuests(q *Quests) Option {
	return func(o *options) { o.quests = q }
}

// WithLogger is where reloads are reported (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(o *options) { o.log = l }
}

// New builds the binaries. start is the server's start time: the game
// derives day and night from it (binary 0x01 carries it).
func New(start time.Time, opts ...Option) *Set {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.log == nil {
		o.log = slog.Default()
	}
	s := &Set{small: o.smallMonsters, log: o.log}
	bounds := [4][2]uint16{}
	for i, t := range serverTypes {
		bounds[i] = [2]uint16{t.hrMin, t.hrMax}
	}
	if o.boundsSet {
		bounds = o.typeBounds
	}
	serverTypes := serverTypeList(start, bounds)
	trades := tradingPost()
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
		}
	}
	s.builtin = s.build(embeddedQuests())
	if o.quests != nil {
		s.cur.Store(s.build(o.quests))
	} else {
		s.cur.Store(s.builtin)
	}
	return s
}

// emptyQuest is what a quest slot the day leaves empty serves.
var emptyQuest = make([]byte, questBodySize)

// build encodes q's quests and lays them out for every day.
func (s *Set) build(q *Quests) *questState {
	small := s.small
	if len(q.small) > 0 {
		small = maps.Clone(s.small)
		if small == nil {
			small = map[string][]byte{}
		}
		maps.Copy(small, q.small)
	}
	encoded := map[uint16][]byte{}
	for id, def := range q.byID {
		encoded[id] = def.encode(small[def.SmallMonsterFile])
	}
	st := &questState{quests: q}
	for d := range st.days {
		rd, day := q.days[d], &st.days[d]
		var events, arena []string
		for i, id := range rd.Event {
			day.slots[i].content = encoded[id]
			events = append(events, q.byID[id].Name)
		}
		for i, id := range rd.Arena {
			day.slots[eventSlots+i].content = encoded[id]
			arena = append(arena, q.byID[id].Name)
		}
		for i := range day.slots {
			if day.slots[i].content == nil {
				day.slots[i].content = emptyQuest
			}
		}
		day.npc[0].content = npcTexts(false, events, arena)
		day.npc[1].content = npcTexts(true, events, arena)
		// The embedded set is version 1 throughout (as MH3SP); another
		// set is 1 where its bytes are the embedded ones, else a digest.
		for i := range day.slots {
			day.slots[i].version = Version
			if s.builtin != nil {
				day.slots[i].version = contentVersion(day.slots[i].content, s.builtin.days[d].slots[i].content)
			}
		}
		for i := range day.npc {
			day.npc[i].version = Version
			if s.builtin != nil {
				day.npc[i].version = contentVersion(day.npc[i].content, s.builtin.days[d].npc[i].content)
			}
		}
	}
	return st
}

// blobAt is the quest slot or NPC text binary typ of state st at now; ok
// is false for another type.
func (st *questState) blobAt(typ uint8, now time.Time) (blob, bool) {
	day := &st.days[JhenCycleDay(now)]
	switch pos := int(typ-FirstType) % blockLen; {
	case pos == posNPCTexts && JhenActive(now):
		return day.npc[1], true
	case pos == posNPCTexts:
		return day.npc[0], true
	case pos >= posFirstQuest:
		return day.slots[pos-posFirstQuest], true
	}
	return blob{}, false
}

// Get returns the version and content of binary typ at time now; ok is
// false for a type that does not exist. The content is shared: callers
// must not modify it.
func (s *Set) Get(typ uint8, now time.Time) (version uint32, content []byte, ok bool) {
	if typ < FirstType || typ > LastType {
		return 0, nil, false
	}
	if b, ok := s.cur.Load().blobAt(typ, now); ok {
		return b.version, b.content, true
	}
	if (typ-FirstType)%blockLen == posTimeEvents {
		return Version, jhenTimes(now), true
	}
	return Version, s.static[typ], true
}

// GetVersion is Get for a download that asked for version (ReqBinaryData
// names the version ReqBinaryHead gave): if the day or the quests changed
// since, the content of that version while it is still known (any day of
// the current or the previous quest set), else the current content.
func (s *Set) GetVersion(typ uint8, version uint32, now time.Time) ([]byte, bool) {
	v, b, ok := s.Get(typ, now)
	if !ok || v == version {
		return b, ok
	}
	pos := int(typ-FirstType) % blockLen
	for _, st := range []*questState{s.cur.Load(), s.prev.Load()} {
		if st == nil {
			continue
		}
		for d := range st.days {
			var known []blob
			switch {
			case pos == posNPCTexts:
				known = st.days[d].npc[:]
			case pos >= posFirstQuest:
				known = st.days[d].slots[pos-posFirstQuest : pos-posFirstQuest+1]
			}
			for _, at := range known {
				if at.version == version {
					return at.content, true
				}
			}
		}
	}
	return b, true
}

// Quests is the quest set served now.
func (s *Set) Quests() *Quests { return s.cur.Load().quests }

// ReloadQuests reads the served quest directory again and serves it from
// now on. A directory that does not load is refused: the error (a
// *FileError naming the file) is logged and returned, and the quests
// served so far stay. For the admin API and the directory watch.
func (s *Set) ReloadQuests() error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	cur := s.cur.Load()
	dir := cur.quests.dir
	if dir == "" {
		return errors.New("binaries: no quest directory is served (--quests)")
	}
	q, err := LoadQuests(dir)
	if err != nil {
		attrs := []any{"dir", dir, "err", err}
		var fe *FileError
		if errors.As(err, &fe) {
			attrs = append(attrs, "file", fe.File, "reason", fe.Err.Error())
		}
		s.log.Error("quest files refused; the quests served so far stay", attrs...)
		return err
	}
	next := s.build(q)
	s.prev.Store(cur)
	s.cur.Store(next)
	s.log.Info("quests reloaded", "dir", dir, "quests", len(q.byID))
	return nil
}

// WatchQuests reloads the served quest directory whenever one of its
// files changes (size, time, added or removed), looking every interval,
// until ctx ends. A change that does not load is logged once and the old
// quests stay until the files change again.
func (s *Set) WatchQuests(ctx context.Context, interval time.Duration) {
	q := s.Quests()
	dir, last := q.dir, q.stamp
	if dir == "" {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now, err := questFiles(dir)
		if err != nil {
			now = "error: " + err.Error()
		}
		if now == last {
			continue
		}
		last = now
		s.ReloadQuests()
	}
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
