package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestQuestsExportAndCheck: 'mh3net quests export DIR' writes a quest
// directory that --check (and so the handlers) accepts; a broken one is
// refused naming the file; the export does not overwrite.
func TestQuestsExportAndCheck(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "quests")
	if err := run([]string{"quests", "export", dir}); err != nil {
		t.Fatal(err)
	}
	nats := []string{"--nats", "nats://127.0.0.1:4222"}
	line, err := check(t, "handlers", append(nats, "--quests", dir)...)
	if err != nil || !strings.Contains(line, "quests="+dir+"(10 quests)") {
		t.Fatalf("--check: %v, %q", err, line)
	}
	t.Setenv("MH3NET_QUESTS", dir)
	if line, err := check(t, "up"); err != nil || !strings.Contains(line, "quests="+dir) {
		t.Fatalf("MH3NET_QUESTS: %v, %q", err, line)
	}
	os.Unsetenv("MH3NET_QUESTS")
	if err := run([]string{"quests", "export", dir}); err == nil {
		t.Error("a second export overwrote the first")
	}
	if err := run([]string{"quests", "list"}); err == nil {
		t.Error("an unknown quests command passed")
	}
	bad := filepath.Join(dir, "quests", "61008.json")
	if err := os.WriteFile(bad, []byte(`{"id": 61008,`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := check(t, "handlers", append(nats, "--quests", dir)...); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("a broken quest file: %v", err)
	}
	if _, err := check(t, "edge", append(nats, "--quests", dir)...); err == nil {
		t.Error("edge takes --quests")
	}
}
