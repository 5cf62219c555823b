package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mh3net/mh3net/bot"
)

// mh3net bot plays a short run and writes its report as JSON.
func TestBotCommandWritesJSON(t *testing.T) {
	s := startUp(t)
	out := filepath.Join(t.TempDir(), "report.json")
	err := runBot(context.Background(), []string{"--opn", s.Addr("opn").String(), "--hunters", "3", "--idle", "0",
		"--sessions", "1", "--servers", "1-2", "--gates", "1", "--think-min", "10ms", "--think-max", "50ms",
		"--ramp", "50ms", "--duration", "2m", "--progress", "0", "--local-ips", "127.0.0.1-127.0.0.3", "--json", out})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep bot.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Hunters != 3 || rep.Sessions != 3 || rep.Total.Errors != 0 || rep.Action("login").Count != 3 || rep.Action("logout").Count != 3 {
		t.Fatalf("report: %s", b)
	}
}

func TestBotListFlags(t *testing.T) {
	got, err := parseIndices("1,3-5, 12")
	if err != nil || !slices.Equal(got, []int{1, 3, 4, 5, 12}) {
		t.Fatalf("servers: %v, %v", got, err)
	}
	ips, err := parseAddrs("127.0.0.254-127.0.1.1,10.0.0.1")
	if err != nil || !slices.Equal(ips, []string{"127.0.0.254", "127.0.0.255", "127.0.1.0", "127.0.1.1", "10.0.0.1"}) {
		t.Fatalf("addresses: %v, %v", ips, err)
	}
	for _, bad := range []string{"5-3", "0", "x"} {
		if _, err := parseIndices(bad); err == nil {
			t.Errorf("servers %q accepted", bad)
		}
	}
	if _, err := parseAddrs("127.0.0.9-127.0.0.1"); err == nil {
		t.Error("a backwards address range accepted")
	}
}
