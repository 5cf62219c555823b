package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mh3net/mh3net/server"
)

// TestAdminCLI drives `mh3net admin` against an in-process up whose
// loopback --http made the token and wrote it to its token file.
func TestAdminCLI(t *testing.T) {
	data := t.TempDir()
	tokenFile := filepath.Join(data, "admin.token")
	s, err := server.Start(context.Background(), server.Config{
		Edge: true, Handlers: true, DataDir: data, Host: "127.0.0.1", Advertise: "127.0.0.1",
		Ports: map[string]int{}, ConnectionDelay: 10 * time.Millisecond,
		HTTPAddr: "127.0.0.1:0", AdminTokenFile: tokenFile,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	url := "http://" + s.HTTPAddr().String()
	admin := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := adminMain(context.Background(), append([]string{"--url", url, "--token-file", tokenFile}, args...), &out)
		return out.String(), err
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"announce", `Welcome!\nHave fun.`}, `"announcement": "<BODY><LEFT>Welcome!<BR><BODY><LEFT>Have fun.<END>"`},
		{[]string{"maintenance", "on", "Back soon."}, `"maintenance": true`},
		{[]string{"announcement"}, `"maintenance_text": "<BODY><CENTER>Back soon.<END>"`},
		{[]string{"maintenance", "off"}, `"maintenance": false`},
		{[]string{"broadcast", "--server", "1", "--gate", "2", "Hello gate 2"}, `"s1.g2"`},
		{[]string{"hunters", "--limit", "5", "nobody"}, `"total": 0`},
		{[]string{"log", "--limit", "2"}, `"type": "BroadcastSent"`},
	} {
		out, err := admin(tc.args...)
		if err != nil || !strings.Contains(out, tc.want) {
			t.Fatalf("admin %v: %v\n%s\nwant %s", tc.args, err, out, tc.want)
		}
	}
	if _, err := admin("kick", "ABCDEF"); err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "not online") {
		t.Fatalf("kick of a hunter offline: %v", err)
	}
	for _, args := range [][]string{{}, {"maintenance", "maybe"}, {"broadcast", "no server"}, {"kick"}, {"nope"}} {
		if _, err := admin(args...); err == nil {
			t.Errorf("admin %v: no error", args)
		}
	}
	t.Setenv("MH3NET_ADMIN_TOKEN", "wrong")
	var out bytes.Buffer
	if err := adminMain(context.Background(), []string{"--url", url, "log"}, &out); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("wrong token from the environment: %v", err)
	}
	if !strings.Contains(usage, "admin broadcast --server N") {
		t.Error("the usage text does not name the admin command")
	}
}
