package world

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mh3net/mh3net/internal/testlog"
)

const smallWorld = `{"gates_per_server":2,"cities_per_gate":3,"server_capacity":100,"gate_capacity":10,"city_capacity":4,
"gate_name":"Gate%d","city_name":"City%d","servers":[%s]}`

func worldFile(t *testing.T, path, servers string) {
	t.Helper()
	text := strings.Replace(smallWorld, "%s", servers, 1)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLiveReloadTakesAdditionsOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.json")
	worldFile(t, path, `{"name":"A","type":1},{"name":"B","type":2}`)
	w, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var logs testlog.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	l := NewLive(w)

	// An addition and a capacity increase are taken.
	worldFile(t, path, `{"name":"A","type":1,"capacity":150},{"name":"B","type":2},{"name":"C","type":4,"gates":5}`)
	if err := l.Reload(path, log); err != nil {
		t.Fatal(err)
	}
	grown := l.Get()
	if len(grown.Servers) != 3 || grown.Servers[2].Name != "C" || grown.Servers[0].Capacity != 150 {
		t.Fatalf("after the addition: %+v", grown.Servers)
	}
	if w.Servers[0].Capacity != 100 || len(w.Servers) != 2 {
		t.Error("the old world was modified")
	}

	// What could strand a hunter is refused, logged with the file, and
	// the grown world stays.
	for name, servers := range map[string]string{
		"a server removed":   `{"name":"A","type":1,"capacity":150},{"name":"C","type":4,"index":3,"gates":5}`,
		"capacity lowered":   `{"name":"A","type":1},{"name":"B","type":2},{"name":"C","type":4,"gates":5}`,
		"gates lowered":      `{"name":"A","type":1,"capacity":150},{"name":"B","type":2},{"name":"C","type":4}`,
		"type changed":       `{"name":"A","type":3,"capacity":150},{"name":"B","type":2},{"name":"C","type":4,"gates":5}`,
		"not a world at all": `{"name":"A","type":1,"capacity":150},{"name":"A2","type":1,"index":1}`,
	} {
		worldFile(t, path, servers)
		before := logs.String()
		if err := l.Reload(path, log); err == nil {
			t.Errorf("%s: accepted", name)
		}
		if l.Get() != grown {
			t.Errorf("%s: the world changed", name)
		}
		if out := strings.TrimPrefix(logs.String(), before); !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "refused") || !strings.Contains(out, path) {
			t.Errorf("%s: log %q", name, out)
		}
	}
	smaller := *grown
	smaller.CitiesPerGate, smaller.GateCapacity, smaller.CityCapacity = 2, 9, 8
	err = l.Grow(&smaller)
	for _, want := range []string{"cities_per_gate 3 → 2", "gate_capacity 10 → 9", "city_capacity 4 → 8"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Grow: %v, want %q", err, want)
		}
	}
}

func TestLiveWatchFollowsTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.json")
	worldFile(t, path, `{"name":"A","type":1}`)
	w, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	l := NewLive(w)
	var logs testlog.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	done := l.Watch(ctx, path, 5*time.Millisecond, slog.New(slog.NewTextHandler(&logs, nil)))
	t.Cleanup(func() { cancel(); <-done })
	worldFile(t, path, `{"name":"A","type":1},{"name":"Extra","type":1}`)
	// The deadline only keeps a broken watch from hanging the test.
	deadline := time.Now().Add(20 * time.Second)
	for len(l.Get().Servers) != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the watch did not reload; log: %s", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
