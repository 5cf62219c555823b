package handlers

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mh3net/mh3net/binaries"
	"github.com/mh3net/mh3net/pat"
	"github.com/mh3net/mh3net/world"
)

var reqCounter atomic.Int64

// call sends m on FMP connection conn and decodes the single answer.
func (r *rig) call(conn string, seq uint16, m, ans pat.Message) {
	r.t.Helper()
	// Every request has its own id: a repeated one would be taken for a
	// retry and get the first answer again.
	ps := r.send("fmp", conn, fmt.Sprintf("%s.%d", conn, reqCounter.Add(1)), seq, m)
	if len(ps) != 1 {
		r.t.Fatalf("%T: %d answers", m, len(ps))
	}
	if err := pat.Unmarshal(ps[0].Payload, ans); err != nil {
		r.t.Fatalf("%T: %v", m, err)
	}
}

// download fetches binary typ as the game does: version, head, data in
// chunks of 0x100 bytes.
func (r *rig) download(conn string, typ uint8) (version uint32, content []byte) {
	r.t.Helper()
	var v pat.AnsBinaryVersion
	r.call(conn, 1, &pat.ReqBinaryVersion{Type: typ}, &v)
	var h pat.AnsBinaryHead
	r.call(conn, 2, &pat.ReqBinaryHead{Type: typ}, &h)
	if h.Version != v.Version {
		r.t.Fatalf("head version %d, version %d", h.Version, v.Version)
	}
	for off := uint32(0); off < h.Size; off += 0x100 {
		var d pat.AnsBinaryData
		r.call(conn, 3, &pat.ReqBinaryData{Type: typ, Version: h.Version, Offset: off, Size: min(0x100, h.Size-off)}, &d)
		content = append(content, d.Data...)
	}
	return h.Version, content
}

func TestBinaryDownloadFollowsQuestFiles(t *testing.T) {
	dir := t.TempDir()
	if err := binaries.ExportQuests(dir); err != nil {
		t.Fatal(err)
	}
	q, err := binaries.LoadQuests(dir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2024, 1, 22, 12, 0, 0, 0, time.UTC) // an ordinary day
	set := binaries.New(now, binaries.WithQuests(q))
	r := newRigWith(t, func(c *Config) {
		c.Binaries = set
		c.Now = func() time.Time { return now }
	})
	const slot1 = 0x06 // Jump Three Jaggi
	v1, before := r.download("f1", slot1)
	if _, want, _ := set.Get(slot1, now); !bytes.Equal(before, want) {
		t.Fatal("the download is not the binary")
	}
	if v1 != binaries.Version || !bytes.HasPrefix(before, []byte("Jump Three Jaggi\x00")) {
		t.Fatalf("before: version %d, %q", v1, before[:20])
	}

	path := filepath.Join(dir, "quests", "61001.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), "Jump Three Jaggi", "Jump Four Jaggi", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := set.ReloadQuests(); err != nil {
		t.Fatal(err)
	}
	v2, after := r.download("f2", slot1)
	if _, want, _ := set.Get(slot1, now); !bytes.Equal(after, want) {
		t.Fatal("the download is not the new binary")
	}
	if v2 == v1 || v2 == 0 || !bytes.HasPrefix(after, []byte("Jump Four Jaggi\x00")) || len(after) != len(before) {
		t.Fatalf("after: version %d, %q", v2, after[:20])
	}
	// A download that asked for the old version's head gets its bytes.
	var d pat.AnsBinaryData
	r.call("f3", 1, &pat.ReqBinaryData{Type: slot1, Version: v1, Offset: 0, Size: 0x20}, &d)
	if !bytes.Equal(d.Data, before[:0x20]) || d.Version != v1 {
		t.Errorf("old version's data: %q (version %d)", d.Data, d.Version)
	}
	// The NPC texts name the quest and changed version too.
	v3, npc := r.download("f4", 0x03)
	if v3 == binaries.Version || !bytes.Contains(npc, []byte("Jump Four Jaggi\n")) {
		t.Errorf("NPC texts: version %d", v3)
	}
}

func TestWorldReloadGrowsTheServerList(t *testing.T) {
	live := world.NewLive(world.Default())
	r := newRigWith(t, func(c *Config) { c.Worlds = live })
	var v pat.AnsFmpListVersion2
	r.call("f1", 1, &pat.ReqFmpListVersion2{}, &v)
	if v.Version != 1 || len(r.s.live().Servers) != 12 {
		t.Fatalf("before: version %d, %d servers", v.Version, len(r.s.live().Servers))
	}

	grown := *world.Default()
	grown.Servers = append(grown.Servers, world.Server{Index: 13, Name: "Extra1", Type: world.TypeOpen, Capacity: 500, Gates: 10})
	if err := live.Grow(&grown); err != nil {
		t.Fatal(err)
	}
	r.call("f1", 2, &pat.ReqFmpListVersion2{}, &v)
	var head pat.AnsFmpListHead2
	r.call("f1", 3, &pat.ReqFmpListHead2{}, &head)
	if v.Version == 1 || head.Count != 13 {
		t.Fatalf("after the addition: version %d, %d servers", v.Version, head.Count)
	}
	grownVersion := v.Version

	shrunk := *world.Default()
	shrunk.Servers = shrunk.Servers[:11]
	if err := live.Grow(&shrunk); err == nil || !strings.Contains(err.Error(), "server 12") {
		t.Fatalf("a removal: %v", err)
	}
	r.call("f1", 4, &pat.ReqFmpListVersion2{}, &v)
	r.call("f1", 5, &pat.ReqFmpListHead2{}, &head)
	if v.Version != grownVersion || head.Count != 13 {
		t.Fatalf("after the refused removal: version %d, %d servers", v.Version, head.Count)
	}
	if _, ok := r.s.live().Server(13); !ok {
		t.Error("server 13 is not served")
	}
}
