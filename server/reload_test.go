package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mh3net/mh3net/binaries"
	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/internal/testport"
)

// POST /api/admin/reload makes every handler process take its quest
// files now: the edited quest is served under a new version; a malformed
// file is refused with the reason (422) and the served quest stays.
func TestAdminReloadTakesQuestFilesNow(t *testing.T) {
	dir := t.TempDir()
	if err := binaries.ExportQuests(dir); err != nil {
		t.Fatal(err)
	}
	const token = "reload-test-token-0123456789abcdef"
	s := start(t, Config{QuestDir: dir, HTTPAddr: fmt.Sprintf("127.0.0.1:%d", testport.Get(t)), AdminToken: token})
	base := "http://" + s.HTTPAddr().String()
	reload := func(tok string) (int, []bus.ReloadResult) {
		t.Helper()
		req, _ := http.NewRequest("POST", base+"/api/admin/reload", nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct{ Processes []bus.ReloadResult }
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body.Processes
	}
	if code, _ := reload(""); code != http.StatusUnauthorized {
		t.Fatalf("reload without the token: %d, want 401", code)
	}
	if code, _ := reload("wrong"); code != http.StatusUnauthorized {
		t.Fatalf("reload with a wrong token: %d, want 401", code)
	}

	// Binary 0x06 is the first event quest slot of the English block:
	// quest 61001 on every day of the exported rotation.
	const slot = 0x06
	v0, b0, _ := s.Binaries().Get(slot, time.Now())
	file := filepath.Join(dir, "quests", "61001.json")
	text, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var q map[string]any
	if err := json.Unmarshal(text, &q); err != nil {
		t.Fatal(err)
	}
	q["name"] = "Reloaded Hunt"
	edited, _ := json.Marshal(q)
	if err := os.WriteFile(file, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	code, res := reload(token)
	if code != http.StatusOK || len(res) != 1 || res[0].Quests != "reloaded" || res[0].World != "not configured" {
		t.Fatalf("reload: %d %+v", code, res)
	}
	v1, b1, _ := s.Binaries().Get(slot, time.Now())
	if v1 == v0 || bytes.Equal(b1, b0) || !bytes.Contains(b1, []byte("Reloaded Hunt")) {
		t.Fatalf("after the reload binary 0x%02X is version %d (was %d), new name served: %v", slot, v1, v0, bytes.Contains(b1, []byte("Reloaded Hunt")))
	}

	if err := os.WriteFile(file, []byte(`{"id": 61001, "name": `), 0o644); err != nil {
		t.Fatal(err)
	}
	code, res = reload(token)
	if code != http.StatusUnprocessableEntity || len(res) != 1 || res[0].Quests != "refused" || !strings.Contains(res[0].QuestsError, "61001.json") {
		t.Fatalf("reload of a malformed file: %d %+v", code, res)
	}
	if v2, b2, _ := s.Binaries().Get(slot, time.Now()); v2 != v1 || !bytes.Equal(b2, b1) {
		t.Fatalf("a refused file changed binary 0x%02X: version %d, was %d", slot, v2, v1)
	}

	// Both reloads are in the audit log.
	req, _ := http.NewRequest("GET", base+"/api/admin/log", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page bus.AdminLogPage
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range page.Events {
		if e.Type == "ReloadRequested" {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d reloads in the audit log, want 2: %+v", n, page.Events)
	}
}
