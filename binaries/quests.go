package binaries

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// quests.json holds quest slots 1–10 (binary types +5…+14 of every
// language block): six event quests, then four arena quests. The numbers
// (ids, monsters, items, rewards, flags, equipment) are game data as MH3SP
// serves it; see questDef for the meaning of the fields.
//
//go:embed quests.json
var questsJSON []byte

var questTable = mustLoadQuests(questsJSON)

const questSlots = blockLen - posFirstQuest // 10

// questDef is one quest as stored in quests.json.
type questDef struct {
	ID             uint16       `json:"id"`
	Name           string       `json:"name"`    // 40 bytes
	Client         string       `json:"client"`  // 41 bytes
	Summary        string       `json:"summary"` // objective shown in lists, 80 bytes
	Details        string       `json:"details"` // 256 bytes
	Success        string       `json:"success"` // 92 bytes
	Failure        string       `json:"failure"` // 92 bytes
	Rank           uint8        `json:"rank"`    // 1–5 stars, 6 urgent
	Location       uint8        `json:"location"`
	TimeLimit      int16        `json:"time_limit"` // minutes
	HRPRestriction int16        `json:"hrp_restriction"`
	MainMonsters   [2]uint8     `json:"main_monsters"`
	Flags          uint32       `json:"flags"`
	Monsters       [3]monster   `json:"monsters"`
	Summon         uint32       `json:"summon"`
	Fee            uint32       `json:"fee"`
	CartPenalty    uint32       `json:"cart_penalty"`
	SupplyType     uint8        `json:"supply_type"` // 0 low rank, 1 high rank, 2 arena
	SupplySet      uint32       `json:"supply_set"`
	StartPosition  int16        `json:"start_position"` // 0 camp, 1 random, 2 shrine
	EnemyLevel     int16        `json:"enemy_level"`
	Main           objective    `json:"main"`
	Subs           [2]objective `json:"subs"`
	Unknown        unknowns     `json:"unknown"`
	// SmallMonsterFile names optional extra data (see WithSmallMonsterData).
	SmallMonsterFile string     `json:"small_monster_file"`
	ArenaSets        []arenaSet `json:"arena_sets"` // arena quests: 4 sets
}

// unknowns are fields whose meaning is not known, by their MH3SP names.
type unknowns struct {
	U4  uint8  `json:"u4"`
	U5  uint8  `json:"u5"`
	U6  uint8  `json:"u6"`
	U7  uint32 `json:"u7"`
	U9  uint32 `json:"u9"`
	U10 uint32 `json:"u10"`
	U11 uint32 `json:"u11"`
	U12 uint32 `json:"u12"` // 2 large monsters, 3 small monsters or delivery, 5 Jhen Mohran or Alatreon
}

type monster struct {
	Type       uint8 `json:"type"` // 0: no monster (8 zero bytes)
	BossID     int16 `json:"boss_id"`
	Enabled    bool  `json:"enabled"`
	Level      uint8 `json:"level"`
	HPSpread   uint8 `json:"hp_spread"`
	Size       uint8 `json:"size"`
	SizeSpread uint8 `json:"size_spread"`
}

type objective struct {
	Title        string   `json:"title"` // sub-quests only, 41 bytes
	Type         *uint32  `json:"type"`  // null: no objective
	Target       int16    `json:"target"`
	Count        int16    `json:"count"`
	Zenny        uint32   `json:"zenny"`
	HRP          uint32   `json:"hrp"`
	Rewards      []reward `json:"rewards"`
	ExtraRewards []reward `json:"extra_rewards"` // main quest only
}

// reward is [item, quantity, percent].
type reward [3]int

// arenaSet is one of the four equipment sets offered by an arena quest.
type arenaSet struct {
	Weapons   [3]*equipment `json:"weapons"` // bowguns: frame, barrel, stock
	Helm      uint16        `json:"helm"`
	Chest     uint16        `json:"chest"`
	Gauntlets uint16        `json:"gauntlets"`
	Faulds    uint16        `json:"faulds"`
	Legs      uint16        `json:"legs"`
	Items     [][2]uint16   `json:"items"` // [item, quantity], 24 slots
	Pouch     [][2]uint16   `json:"pouch"` // gunner pouch, 8 slots
}

type equipment struct {
	Class uint8  `json:"class"`
	ID    uint16 `json:"id"`
	Slots uint8  `json:"slots"`
}

// Equipment classes of the armour slots.
const (
	classChest     = 1
	classGauntlets = 2
	classFaulds    = 3
	classLegs      = 4
	classHelm      = 5
)

// Sizes and offsets of the quest binary.
const (
	questBodySize   = 0x4B4
	questTypeCode   = 0x4B8 // written at 0x37E
	rewardEntries   = 11
	arenaSets       = 4
	arenaItemSlots  = 24
	arenaPouchSlots = 8
	arenaSetSize    = (3+5)*4 + (arenaItemSlots+arenaPouchSlots)*4 // 160
	firstArenaID    = 0xEA60
	lastArenaID     = 0xEA6B
)

func (q *questDef) isArena() bool { return len(q.ArenaSets) > 0 }

func mustLoadQuests(data []byte) []questDef {
	qs, err := loadQuests(data)
	if err != nil {
		panic("binaries: quests.json: " + err.Error())
	}
	return qs
}

func loadQuests(data []byte) ([]questDef, error) {
	var file struct {
		Quests []questDef `json:"quests"`
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&file); err != nil {
		return nil, err
	}
	if len(file.Quests) != questSlots {
		return nil, fmt.Errorf("%d quests, want %d", len(file.Quests), questSlots)
	}
	for i := range file.Quests {
		if err := file.Quests[i].check(); err != nil {
			return nil, fmt.Errorf("quest %d (%d): %w", i+1, file.Quests[i].ID, err)
		}
	}
	return file.Quests, nil
}

func (q *questDef) check() error {
	texts := []struct {
		s    string
		size int
	}{
		{q.Name, 40}, {q.Summary, 80}, {q.Subs[0].Title, 0x29}, {q.Subs[1].Title, 0x29},
		{q.Success, 0x5C}, {q.Failure, 0x5C}, {q.Client, 0x29}, {q.Details, 0x100},
	}
	for _, t := range texts {
		if len(t.s) > t.size {
			return fmt.Errorf("%q is longer than %d bytes", t.s, t.size)
		}
		if strings.IndexFunc(t.s, func(r rune) bool { return r > 0x7E }) >= 0 {
			return fmt.Errorf("%q is not ASCII", t.s)
		}
	}
	for _, o := range append([]objective{q.Main}, q.Subs[:]...) {
		if len(o.Rewards) > rewardEntries || len(o.ExtraRewards) > rewardEntries {
			return errors.New("more than 11 rewards in a row")
		}
	}
	if q.Main.Type == nil {
		return errors.New("no main objective")
	}
	if !q.isArena() {
		if q.ID >= firstArenaID && q.ID <= lastArenaID {
			return fmt.Errorf("event quest id %#x is in the arena range %#x–%#x (an arena quest needs arena sets)", q.ID, firstArenaID, lastArenaID)
		}
		return nil
	}
	if q.ID < firstArenaID || q.ID > lastArenaID {
		return fmt.Errorf("arena quest id %#x outside %#x–%#x", q.ID, firstArenaID, lastArenaID)
	}
	if len(q.ArenaSets) != arenaSets {
		return fmt.Errorf("%d arena sets, want %d", len(q.ArenaSets), arenaSets)
	}
	for _, s := range q.ArenaSets {
		if s.Weapons[0] == nil {
			return errors.New("arena set without a weapon")
		}
	}
	return nil
}

// encode is the quest binary: a 0x4B4-byte body, a u32 giving the size
// up to the end of the optional small-monster data, that data (without its
// first four bytes), then for arena quests the four equipment sets.
func (q *questDef) encode(smallMonsters []byte) []byte {
	b := make([]byte, 0, questBodySize+4+len(smallMonsters)+arenaSets*arenaSetSize)
	u8 := func(v uint8) { b = append(b, v) }
	u16 := func(v uint16) { b = binary.BigEndian.AppendUint16(b, v) }
	u32 := func(v uint32) { b = binary.BigEndian.AppendUint32(b, v) }
	zero := func(n int) { b = append(b, make([]byte, n)...) }
	text := func(s string, size int) { b = append(b, field(s, size)...) }
	props := func(o objective) {
		if o.Type == nil {
			zero(8)
			return
		}
		u32(*o.Type)
		u16(uint16(o.Target))
		u16(uint16(o.Count))
	}
	rewards := func(rs []reward) {
		for _, r := range rs {
			u16(uint16(int16(r[0])))
			u8(uint8(r[1]))
			u8(uint8(r[2]))
		}
		zero(4 * (rewardEntries - len(rs)))
	}

	text(q.Name, 40) // 0x000
	u32(0)
	u16(q.ID)           // 0x02C
	text(q.Summary, 80) // 0x02E
	zero(12)
	u8(q.Rank)                    // 0x08A
	u8(q.Location)                // 0x08B
	text(q.Subs[0].Title, 0x29)   // 0x08C
	text(q.Subs[1].Title, 0x29)   // 0x0B5
	text(q.Success, 0x5C)         // 0x0DE
	u16(uint16(q.TimeLimit))      // 0x13A
	text(q.Failure, 0x5C)         // 0x13C
	u16(uint16(q.HRPRestriction)) // 0x198
	text(q.Client, 0x29)          // 0x19A
	zero(6)
	text(q.Details, 0x100) // 0x1C9
	zero(0x43)
	u8(q.MainMonsters[0]) // 0x30C
	u8(q.MainMonsters[1])
	zero(2)
	u32(q.Flags)                   // 0x310
	for _, m := range q.Monsters { // 0x314
		if m.Type == 0 {
			zero(8)
			continue
		}
		u8(m.Type)
		u16(uint16(m.BossID))
		u8(boolByte(m.Enabled))
		u8(m.Level)
		u8(m.HPSpread)
		u8(m.Size)
		u8(m.SizeSpread)
	}
	u32(q.Summon) // 0x32C
	props(q.Main) // 0x330
	props(q.Subs[0])
	props(q.Subs[1])
	u32(q.Fee) // 0x348
	u32(q.Main.Zenny)
	u32(q.Subs[0].Zenny)
	u32(q.Subs[1].Zenny)
	u32(q.CartPenalty)
	u32(q.Main.HRP)
	u32(0x0F) // 0x360, same in every known quest
	zero(3)
	u8(uint8(q.Subs[0].HRP)) // 0x367
	u32(q.Subs[1].HRP)       // 0x368
	u8(q.Unknown.U4)
	u8(q.SupplyType) // 0x36D
	u8(q.Unknown.U5)
	u8(q.Unknown.U6)
	u32(q.SupplySet) // 0x370
	u32(q.Unknown.U7)
	zero(2)
	u16(uint16(q.StartPosition)) // 0x37A
	zero(2)
	u16(questTypeCode) // 0x37E
	zero(2)
	u16(uint16(q.EnemyLevel)) // 0x382
	u32(q.Unknown.U9)
	u32(q.Unknown.U10)
	u32(q.Unknown.U11)
	u32(q.Unknown.U12)
	props(q.Main) // 0x394
	rewards(q.Main.Rewards)
	rewards(q.Main.ExtraRewards)
	for _, s := range q.Subs { // 0x3F4, 0x454
		if s.Type == nil {
			zero(8 + 4*rewardEntries)
		} else {
			props(s)
			rewards(s.Rewards)
		}
		zero(4 * rewardEntries)
	}
	if len(b) != questBodySize {
		panic(fmt.Sprintf("binaries: quest %d body is %#x bytes", q.ID, len(b)))
	}

	if len(smallMonsters) >= 4 {
		u32(uint32(questBodySize + len(smallMonsters)))
		b = append(b, smallMonsters[4:]...)
	} else {
		u32(questBodySize + 4)
	}

	for _, s := range q.ArenaSets {
		for _, w := range s.Weapons {
			if w == nil {
				u32(0xFFFFFFFF)
				continue
			}
			u8(w.Slots)
			u8(w.Class)
			u16(w.ID)
		}
		for _, a := range [...]struct {
			class uint8
			id    uint16
		}{{classHelm, s.Helm}, {classChest, s.Chest}, {classFaulds, s.Faulds}, {classGauntlets, s.Gauntlets}, {classLegs, s.Legs}} {
			u8(0)
			u8(a.class)
			u16(a.id)
		}
		// More items than slots are written as they are, as MH3SP does.
		for _, list := range [...]struct {
			items [][2]uint16
			slots int
		}{{s.Items, arenaItemSlots}, {s.Pouch, arenaPouchSlots}} {
			for _, it := range list.items {
				u16(it[0])
				u16(it[1])
			}
			zero(4 * max(0, list.slots-len(list.items)))
		}
	}
	return b
}

func boolByte(v bool) uint8 {
	if v {
		return 1
	}
	return 0
}

// ReadSmallMonsterData reads, from fsys, the small-monster file of every
// quest that names one and is present (MH3SP's "event" folder: hex text,
// whitespace ignored). The result is for WithSmallMonsterData.
func ReadSmallMonsterData(fsys fs.FS) (map[string][]byte, error) {
	return readSmallMonsters(fsys, questTable)
}

func readSmallMonsters(fsys fs.FS, quests []questDef) (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, q := range quests {
		name := q.SmallMonsterFile
		if name == "" || files[name] != nil {
			continue
		}
		text, err := fs.ReadFile(fsys, name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		raw, err := hex.DecodeString(strings.Join(strings.Fields(string(text)), ""))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if len(raw) < 4 {
			return nil, fmt.Errorf("%s: %d bytes, want at least 4", name, len(raw))
		}
		files[name] = raw
	}
	return files, nil
}
