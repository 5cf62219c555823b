package binaries

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mh3net/mh3net/internal/testlog"
)

// exported is a quest directory holding the embedded quests (ExportQuests).
func exported(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := ExportQuests(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeRotation writes a rotation of 14 days; days not in set are empty.
func writeRotation(t *testing.T, dir string, set map[int]RotationDay) {
	t.Helper()
	var r rotationFile
	for d := range JhenCycleDays {
		r.Days = append(r.Days, set[d])
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "rotation.json"), string(b))
}

func load(t *testing.T, dir string, opts ...Option) *Set {
	t.Helper()
	q, err := LoadQuests(dir)
	if err != nil {
		t.Fatal(err)
	}
	return New(testStart, append(opts, WithQuests(q))...)
}

// questID is the id in a quest binary (0 for an empty slot).
func questID(t *testing.T, s *Set, typ uint8, now time.Time) uint16 {
	t.Helper()
	_, b, ok := s.Get(typ, now)
	if !ok || len(b) < questBodySize {
		t.Fatalf("type %#02x: %d bytes", typ, len(b))
	}
	return u16(b, 0x2C)
}

// npcText is text i of the NPC binary (English) at now.
func npcText(t *testing.T, s *Set, i int, now time.Time) string {
	t.Helper()
	_, b, _ := s.Get(0x03, now)
	f := b[i*npcTextLen : (i+1)*npcTextLen]
	return string(f[:bytes.IndexByte(f, 0)])
}

func TestExportServesTheEmbeddedBytes(t *testing.T) {
	dir := exported(t)
	s, embedded := load(t, dir), New(testStart)
	for d := range 2 * JhenCycleDays {
		now := day(d).Add(7 * time.Hour)
		for typ := FirstType; typ <= LastType; typ++ {
			v, b, _ := s.Get(uint8(typ), now)
			ev, eb, _ := embedded.Get(uint8(typ), now)
			if v != ev || v != Version || !bytes.Equal(b, eb) {
				t.Fatalf("day %d type %#02x: version %d, %d bytes; embedded %d, %d bytes", d, typ, v, len(b), ev, len(eb))
			}
		}
	}
	if err := ExportQuests(dir); err == nil {
		t.Error("export over an existing rotation accepted")
	}
}

func TestRotationPicksTheDay(t *testing.T) {
	dir := exported(t)
	writeRotation(t, dir, map[int]RotationDay{
		0:  {Event: []uint16{61001}, Arena: []uint16{60001}},
		13: {Event: []uint16{61008, 61002}, Arena: []uint16{60011, 60006}},
	})
	s := load(t, dir)
	// fogDay0 is a Unix day ≡ 0 (mod 14); slots: 0x06… events, 0x0C… arena.
	for _, c := range []struct {
		day          int
		event, arena []uint16
		names        string
	}{
		{0, []uint16{61001, 0, 0, 0, 0, 0}, []uint16{60001, 0, 0, 0}, "Jump Three Jaggi"},
		{13, []uint16{61008, 61002, 0, 0, 0, 0}, []uint16{60011, 60006, 0, 0}, "Blood Sport\nMercy Mission"},
		{14, []uint16{61001, 0, 0, 0, 0, 0}, []uint16{60001, 0, 0, 0}, "Jump Three Jaggi"},
		{-1, []uint16{61008, 61002, 0, 0, 0, 0}, []uint16{60011, 60006, 0, 0}, "Blood Sport\nMercy Mission"},
		{5, make([]uint16, 6), make([]uint16, 4), ""},
	} {
		for _, at := range []time.Time{day(c.day), day(c.day).Add(24*time.Hour - time.Second)} {
			for i, id := range append(c.event, c.arena...) {
				for _, block := range []uint8{0, 3} { // English and Italian
					if got := questID(t, s, 0x06+uint8(i)+block*blockLen, at); got != id {
						t.Errorf("day %d (%s) slot %d: quest %d, want %d", c.day, at, i+1, got, id)
					}
				}
			}
			if got := npcText(t, s, npcEventQuests, at); got != c.names {
				t.Errorf("day %d: event list %q, want %q", c.day, got, c.names)
			}
		}
	}
	// An empty slot is a zeroed quest body; what matches the embedded
	// bytes keeps version 1, what differs has another version.
	if v, b, _ := s.Get(0x07, day(0)); len(b) != questBodySize || !bytes.Equal(b, emptyQuest) || v <= Version {
		t.Errorf("empty slot: version %d, %d bytes", v, len(b))
	}
	if v, _, _ := s.Get(0x06, day(0)); v != Version {
		t.Errorf("slot 1 as embedded: version %d", v)
	}
	if v, _, _ := s.Get(0x06, day(13)); v <= Version {
		t.Errorf("slot 1 with another quest: version %d", v)
	}
	// The NPC list names the day's arena quests, and the sandstorm (days
	// 1 and 2) still heads the event list.
	if got := npcText(t, s, npcArenaQuests, day(13)); got != "Grudge Match: Land Lords\nGrudge Match: Bird and Brute" {
		t.Errorf("arena list %q", got)
	}
	if got := npcText(t, s, npcEventQuests, day(1)); got != "The Festival of Fear\n" {
		t.Errorf("sandstorm list %q", got)
	}
	v0, _, _ := s.Get(0x03, day(0))
	v13, _, _ := s.Get(0x03, day(13))
	if v0 == v13 || v0 <= Version || v13 <= Version {
		t.Errorf("NPC text versions %d (day 0), %d (day 13)", v0, v13)
	}
}

// editQuest rewrites quests/<id>.json with change applied.
func editQuest(t *testing.T, dir string, id int, change func(map[string]any)) {
	t.Helper()
	path := filepath.Join(dir, "quests", strconv.Itoa(id)+".json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	change(m)
	if b, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, string(b))
}

func TestQuestFileChangeBumpsVersion(t *testing.T) {
	dir := exported(t)
	s := load(t, dir)
	now := day(4)
	v1, old, _ := s.Get(0x07, now) // Blood Sport
	fee := u32(old, 0x348)
	n1, _, _ := s.Get(0x03, now)
	if v1 != Version || n1 != Version {
		t.Fatalf("versions %d, %d before the change", v1, n1)
	}
	editQuest(t, dir, 61008, func(m map[string]any) { m["name"] = "Blood Sport II"; m["fee"] = 500 })
	if err := s.ReloadQuests(); err != nil {
		t.Fatal(err)
	}
	v2, b, _ := s.Get(0x07, now)
	if v2 == v1 || v2 == 0 || !strings.HasPrefix(string(b), "Blood Sport II\x00") || u32(b, 0x348) != 500 {
		t.Errorf("after the change: version %d, name %q, fee %d", v2, b[:16], u32(b, 0x348))
	}
	if fr, _, _ := s.Get(0x07+blockLen, now); fr != v2 {
		t.Errorf("French block version %d, English %d", fr, v2)
	}
	if n2, _, _ := s.Get(0x03, now); n2 == n1 || !strings.Contains(npcText(t, s, npcEventQuests, now), "Blood Sport II\n") {
		t.Errorf("NPC texts: version %d, list %q", n2, npcText(t, s, npcEventQuests, now))
	}
	// Other slots are untouched; a download that began before the change
	// finishes with the bytes of its version; the new one is served to
	// a download of the new version.
	if v, _, _ := s.Get(0x06, now); v != Version {
		t.Errorf("unchanged slot: version %d", v)
	}
	if got, _ := s.GetVersion(0x07, v1, now); !bytes.Equal(got, old) {
		t.Error("the old version's bytes are gone")
	}
	if got, _ := s.GetVersion(0x07, v2, now); !bytes.Equal(got, b) {
		t.Error("the new version's bytes are not served")
	}
	// A process reading the same files agrees on the version.
	if v, _, _ := load(t, dir).Get(0x07, now); v != v2 {
		t.Errorf("another set: version %d, want %d", v, v2)
	}
	// Back to the embedded bytes: back to version 1.
	editQuest(t, dir, 61008, func(m map[string]any) { m["name"] = "Blood Sport"; m["fee"] = fee })
	if err := s.ReloadQuests(); err != nil {
		t.Fatal(err)
	}
	if v, b, _ := s.Get(0x07, now); v != Version || !bytes.Equal(b, old) {
		t.Errorf("restored: version %d", v)
	}
}

func TestBadQuestFileIsRefused(t *testing.T) {
	for _, c := range []struct {
		name, file string // file: relative to the directory
		edit       func(t *testing.T, dir string)
	}{
		{"malformed JSON", "quests/61008.json", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "quests", "61008.json"), `{"id": 61008, "name": "Blood`)
		}},
		{"unknown field", "quests/61008.json", func(t *testing.T, dir string) {
			editQuest(t, dir, 61008, func(m map[string]any) { m["fees"] = 1 })
		}},
		{"name too long", "quests/61008.json", func(t *testing.T, dir string) {
			editQuest(t, dir, 61008, func(m map[string]any) { m["name"] = strings.Repeat("x", 41) })
		}},
		{"id is not the file name", "quests/61008.json", func(t *testing.T, dir string) {
			editQuest(t, dir, 61008, func(m map[string]any) { m["id"] = 61009 })
		}},
		{"event id in the arena range", "quests/60002.json", func(t *testing.T, dir string) {
			b, _ := os.ReadFile(filepath.Join(dir, "quests", "61008.json"))
			writeFile(t, filepath.Join(dir, "quests", "60002.json"), strings.Replace(string(b), `"id": 61008`, `"id": 60002`, 1))
		}},
		{"rotation names a missing quest", "rotation.json", func(t *testing.T, dir string) {
			writeRotation(t, dir, map[int]RotationDay{3: {Event: []uint16{61999}}})
		}},
		{"arena quest in the event list", "rotation.json", func(t *testing.T, dir string) {
			writeRotation(t, dir, map[int]RotationDay{3: {Event: []uint16{60001}}})
		}},
		{"event quest in the arena list", "rotation.json", func(t *testing.T, dir string) {
			writeRotation(t, dir, map[int]RotationDay{3: {Arena: []uint16{61001}}})
		}},
		{"five arena quests", "rotation.json", func(t *testing.T, dir string) {
			writeRotation(t, dir, map[int]RotationDay{3: {Arena: []uint16{60001, 60006, 60008, 60011, 60001}}})
		}},
		{"13 days", "rotation.json", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "rotation.json"), `{"days": [{},{},{},{},{},{},{},{},{},{},{},{},{}]}`)
		}},
		{"no rotation", "rotation.json", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "rotation.json"))
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := exported(t)
			var logs testlog.Buffer
			s := load(t, dir, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			now := day(4)
			v, before, _ := s.Get(0x07, now)
			c.edit(t, dir)
			err := s.ReloadQuests()
			var fe *FileError
			if !errors.As(err, &fe) || fe.File != filepath.Join(dir, c.file) {
				t.Fatalf("reload: %v, want a refusal of %s", err, c.file)
			}
			if out := logs.String(); !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "refused") || !strings.Contains(out, filepath.Join(dir, c.file)) {
				t.Errorf("log %q does not name the file", out)
			}
			if v2, after, _ := s.Get(0x07, now); v2 != v || !bytes.Equal(after, before) {
				t.Error("the old binary did not stay")
			}
			if _, err := LoadQuests(dir); err == nil {
				t.Error("LoadQuests accepted the directory")
			}
		})
	}
}

func TestWatchQuestsReloadsOnChange(t *testing.T) {
	dir := exported(t)
	var logs testlog.Buffer
	s := load(t, dir, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.WatchQuests(ctx, 5*time.Millisecond); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	writeRotation(t, dir, map[int]RotationDay{4: {Event: []uint16{61021}}})
	// Wait for the watch to see the change (an event, not a time bound
	// asserted: the deadline only keeps a broken watch from hanging).
	deadline := time.Now().Add(20 * time.Second)
	for questID(t, s, 0x06, day(4)) != 61021 {
		if time.Now().After(deadline) {
			t.Fatalf("the watch did not reload; log: %s", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	// A bad file afterwards is refused, logged, and the set stays.
	writeFile(t, filepath.Join(dir, "rotation.json"), "{")
	for !strings.Contains(logs.String(), "refused") {
		if time.Now().After(deadline) {
			t.Fatalf("the bad file was not logged: %s", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if questID(t, s, 0x06, day(4)) != 61021 {
		t.Error("a refused file changed the quests")
	}
	if err := New(testStart).ReloadQuests(); err == nil {
		t.Error("the embedded set reloaded")
	}
}
