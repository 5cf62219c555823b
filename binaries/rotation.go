package binaries

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Event and arena quests are data: a quest directory holds one file per
// quest and a rotation that says which quests each day of the 14-day
// cycle serves (the cycle of the Jhen Mohran clock: slot = Unix day mod
// 14). Without a directory the embedded quests are served every day.
//
//	DIR/rotation.json        {"days": [{"event": [ids], "arena": [ids]}, …14]}
//	DIR/quests/<id>.json     one quest, the fields of a quests.json entry
//	DIR/event/<name>         optional small-monster data a quest names
//
// A day's event quests fill quest slots 1–6 (binaries +5…+10) in order,
// its arena quests slots 7–10 (+11…+14); a slot left empty is served as a
// zeroed quest body. The NPC texts (binary +2) name the day's quests.

// Quest slots of a day.
const (
	eventSlots = 6
	arenaSlots = questSlots - eventSlots // 4
)

// RotationDay is one day of the rotation: quest ids.
type RotationDay struct {
	Event []uint16 `json:"event"`
	Arena []uint16 `json:"arena"`
}

type rotationFile struct {
	Days []RotationDay `json:"days"`
}

// Quests is a checked set of quests and their rotation, ready to serve.
type Quests struct {
	dir   string // "" for the embedded set
	byID  map[uint16]*questDef
	days  [JhenCycleDays]RotationDay
	small map[string][]byte // small-monster data read from DIR/event
	// stamp is the state of the directory's files just before they were
	// read (questFiles): the watch reloads when it changes.
	stamp string
}

// Dir is the directory the quests were read from ("" for the embedded).
func (q *Quests) Dir() string { return q.dir }

// Count is how many quests the set holds (served or not).
func (q *Quests) Count() int { return len(q.byID) }

// Day is the rotation's day slot d (0–13).
func (q *Quests) Day(d int) RotationDay { return q.days[d] }

// embeddedQuests is the built-in set: quests.json's six event and four
// arena quests, the same every day.
func embeddedQuests() *Quests {
	q := &Quests{byID: map[uint16]*questDef{}}
	var day RotationDay
	for i := range questTable {
		def := &questTable[i]
		q.byID[def.ID] = def
		if i < eventSlots {
			day.Event = append(day.Event, def.ID)
		} else {
			day.Arena = append(day.Arena, def.ID)
		}
	}
	for d := range q.days {
		q.days[d] = day
	}
	return q
}

// FileError is a quest directory's file that cannot be served, and why.
type FileError struct {
	File string // path of the file
	Err  error
}

func (e *FileError) Error() string { return e.File + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

func fileErr(path string, err error) error { return &FileError{File: path, Err: err} }

// LoadQuests reads and checks a quest directory. Any bad file refuses the
// whole directory (a *FileError names it).
func LoadQuests(dir string) (*Quests, error) {
	q := &Quests{dir: dir, byID: map[uint16]*questDef{}}
	q.stamp, _ = questFiles(dir)
	qdir := filepath.Join(dir, "quests")
	entries, err := os.ReadDir(qdir)
	if err != nil {
		return nil, fileErr(qdir, err)
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".json") {
			continue
		}
		path := filepath.Join(qdir, name)
		def, err := readQuestFile(path)
		if err != nil {
			return nil, fileErr(path, err)
		}
		if id, err := strconv.ParseUint(strings.TrimSuffix(name, ".json"), 10, 16); err != nil || uint16(id) != def.ID {
			return nil, fileErr(path, fmt.Errorf("file name must be the quest id: %d.json", def.ID))
		}
		q.byID[def.ID] = def
	}
	rpath := filepath.Join(dir, "rotation.json")
	data, err := os.ReadFile(rpath)
	if err != nil {
		return nil, fileErr(rpath, err)
	}
	if err := q.setRotation(data); err != nil {
		return nil, fileErr(rpath, err)
	}
	var defs []questDef
	for _, def := range q.byID {
		defs = append(defs, *def)
	}
	if q.small, err = readSmallMonsters(os.DirFS(filepath.Join(dir, "event")), defs); err != nil {
		return nil, fileErr(filepath.Join(dir, "event"), err)
	}
	return q, nil
}

func readQuestFile(path string) (*questDef, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var def questDef
	if err := strictJSON(data, &def); err != nil {
		return nil, err
	}
	if err := def.check(); err != nil {
		return nil, fmt.Errorf("quest %d: %w", def.ID, err)
	}
	return &def, nil
}

// strictJSON decodes exactly one JSON value with no unknown field.
func strictJSON(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("data after the JSON value")
	}
	return nil
}

func (q *Quests) setRotation(data []byte) error {
	var r rotationFile
	if err := strictJSON(data, &r); err != nil {
		return err
	}
	if len(r.Days) != JhenCycleDays {
		return fmt.Errorf("%d days, want %d (slot = Unix day mod %d)", len(r.Days), JhenCycleDays, JhenCycleDays)
	}
	for d, day := range r.Days {
		if len(day.Event) > eventSlots || len(day.Arena) > arenaSlots {
			return fmt.Errorf("day %d: %d event and %d arena quests, at most %d and %d", d, len(day.Event), len(day.Arena), eventSlots, arenaSlots)
		}
		seen := map[uint16]bool{}
		for _, list := range []struct {
			ids   []uint16
			arena bool
		}{{day.Event, false}, {day.Arena, true}} {
			for _, id := range list.ids {
				def, ok := q.byID[id]
				switch {
				case !ok:
					return fmt.Errorf("day %d: quest %d has no file quests/%d.json", d, id, id)
				case seen[id]:
					return fmt.Errorf("day %d: quest %d is listed twice", d, id)
				case list.arena && !def.isArena():
					return fmt.Errorf("day %d: quest %d is in the arena list but is not an arena quest (ids %d–%d, with arena sets)", d, id, firstArenaID, lastArenaID)
				case !list.arena && def.isArena():
					return fmt.Errorf("day %d: arena quest %d is in the event list", d, id)
				}
				seen[id] = true
			}
		}
		q.days[d] = RotationDay{Event: slices.Clone(day.Event), Arena: slices.Clone(day.Arena)}
	}
	return nil
}

// ExportQuests writes the embedded quests into dir as a quest directory
// (quests/<id>.json and a rotation.json serving them every day), for an
// operator to start from. It refuses to overwrite an existing rotation.
func ExportQuests(dir string) error {
	rpath := filepath.Join(dir, "rotation.json")
	if _, err := os.Stat(rpath); err == nil {
		return fmt.Errorf("%s exists: export into an empty directory", rpath)
	}
	if err := os.MkdirAll(filepath.Join(dir, "quests"), 0o755); err != nil {
		return err
	}
	q := embeddedQuests()
	for i := range questTable {
		def := &questTable[i]
		b, err := json.MarshalIndent(def, "", " ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "quests", strconv.Itoa(int(def.ID))+".json"), append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	// One day a line keeps the rotation readable.
	var b bytes.Buffer
	b.WriteString("{\"days\": [\n")
	for d, day := range q.days {
		line, err := json.Marshal(day)
		if err != nil {
			return err
		}
		b.WriteString("  ")
		b.Write(line)
		if d < len(q.days)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]}\n")
	return os.WriteFile(rpath, b.Bytes(), 0o644)
}

// contentVersion is the version of content served where builtin is the
// embedded content: 1 (MH3SP's) for the embedded bytes, otherwise a
// digest of the bytes that is never 0 or 1. Equal bytes give equal
// versions in every process and on every day, so handler processes agree
// and a client downloads again exactly when the bytes change.
func contentVersion(content, builtin []byte) uint32 {
	if bytes.Equal(content, builtin) {
		return Version
	}
	h := fnv.New32a()
	h.Write(content)
	v := h.Sum32()
	if v <= Version {
		v += Version + 1
	}
	return v
}

// questFiles lists the files of a quest directory a change of which
// reloads it, with what identifies their state (size and time).
func questFiles(dir string) (string, error) {
	var b strings.Builder
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %d %d %v\n", path, info.Size(), info.ModTime().UnixNano(), info.Mode())
		return nil
	})
	return b.String(), err
}
