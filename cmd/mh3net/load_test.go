package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/mh3net/mh3net/server"
)

func TestLoadToolRunsWholeLogins(t *testing.T) {
	s, err := server.Start(context.Background(), server.Config{
		Edge: true, Handlers: true, DataDir: t.TempDir(), Host: "127.0.0.1", Advertise: "127.0.0.1",
		Ports: map[string]int{}, ConnectionDelay: 10 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, wii := range []string{"--wii=false", "--wii=true"} {
		if err := runLoad(context.Background(), []string{"--opn", s.Addr("opn").String(), "--clients", "2", "--logins", "4", wii}); err != nil {
			t.Fatal(err)
		}
	}
}
