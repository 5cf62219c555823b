package ops_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/internal/testport"
	"github.com/mh3net/mh3net/server"
	"github.com/mh3net/mh3net/world"
)

// chromiumPath is the browser the page test drives (Debian's chromium).
const chromiumPath = "/usr/bin/chromium"

// browser starts headless Chromium (quiet on the network: no background
// requests, no component updates) and returns a tab's context.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath
	if _, err := os.Stat(path); err != nil {
		p, lerr := exec.LookPath("chromium")
		if lerr != nil {
			t.Fatalf("chromium is not installed (%v): run `go tool task deps`", err)
		}
		path = p
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	return ctx
}

// artifact is where a test's screenshot goes: $MH3NET_ARTIFACTS, or the
// test's temporary directory.
func artifact(t *testing.T, name string) string {
	dir := os.Getenv("MH3NET_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name)
}

// The status page in a real browser: three hunters log in and enter a
// city through the game's protocol; the open page shows each of them in
// that city within 2 s of the last one entering, with no reload.
func TestStatusPageShowsHuntersInTheirCity(t *testing.T) {
	ctx := browser(t)
	httpAddr := fmt.Sprintf("127.0.0.1:%d", testport.Get(t))
	s, err := server.Start(context.Background(), server.Config{
		Edge: true, Handlers: true, DataDir: t.TempDir(),
		Host: "127.0.0.1", Advertise: "127.0.0.1", Ports: map[string]int{},
		ConnectionDelay: 10 * time.Millisecond,
		HTTPAddr:        httpAddr, AdminTokenFile: filepath.Join(t.TempDir(), "admin-token"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	lmp, fmp := s.Addr("lmp").String(), s.Addr("fmp").String()

	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx,
		chromedp.Navigate("http://"+httpAddr+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#conn.ok`)),
	); err != nil {
		t.Fatalf("open the page: %v", err)
	}

	// A name that is markup must show as text.
	names := []string{"Aria", "<b>Bo</b>", "Cid&co"}
	ids := make([]string, len(names))
	clients := make([]*gameclient.Client, len(names))
	var entered time.Time
	for i, name := range names {
		cl, id, err := gameclient.LoginFromLMP(lmp, fmp, &gameclient.Console{}, name, 1)
		if err != nil {
			t.Fatalf("%s logs in: %v", name, err)
		}
		t.Cleanup(func() { cl.Close() })
		ids[i], clients[i] = id, cl
		if _, _, err := cl.Arrive(50); err != nil {
			t.Fatalf("%s arrives: %v", name, err)
		}
		if err := cl.Down(1); err != nil {
			t.Fatalf("%s to gate 1: %v", name, err)
		}
		if i == 0 {
			err = cl.CreateCity(3, nil)
		} else {
			_, err = cl.JoinCity(1, 1, 3)
		}
		if err != nil {
			t.Fatalf("%s into city 3: %v", name, err)
		}
		entered = time.Now()
	}

	place := strings.ReplaceAll(world.Default().Pathname(world.Path{Server: 1, Gate: 1, City: 3}), "\t", " / ")
	deadline := entered.Add(2 * time.Second)
	var got map[string]string
	for {
		// Every hunter row: Capcom ID → place; and the name cells' text.
		got, err = chromedp.Run(tctx, chromedp.Evaluate[map[string]string](`Object.fromEntries(Array.from(document.querySelectorAll('#hunters tbody tr[data-capcom]')).map(tr => [tr.dataset.capcom, tr.dataset.place + '|' + tr.cells[0].textContent]))`))
		if err != nil {
			t.Fatal(err)
		}
		ok := true
		for i, id := range ids {
			if got[id] != place+"|"+names[i] {
				ok = false
			}
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("2 s after the last hunter entered, the page shows %v; want %v in %q", got, ids, place)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("the page showed all three in %q %s after the last one entered", place, time.Since(entered).Round(time.Millisecond))

	city, err := chromedp.Run(tctx, chromedp.Evaluate[string](`document.querySelector('#cities tbody tr').textContent`))
	if err != nil {
		t.Fatal(err)
	}
	markup, err := chromedp.Run(tctx, chromedp.Evaluate[int](`document.querySelectorAll('#hunters b, #cities b').length`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(city, place) || !strings.Contains(city, "3/4") || !strings.Contains(city, "<b>Bo</b>") {
		t.Errorf("city row %q", city)
	}
	if markup != 0 {
		t.Errorf("a player's name became markup (%d <b> elements)", markup)
	}

	// A quest party posted in the city shows there too.
	if _, err := clients[1].PostQuest(10101, 4, ""); err != nil {
		t.Fatalf("post a quest: %v", err)
	}
	posted := time.Now()
	for {
		parties, err := chromedp.Run(tctx, chromedp.Evaluate[string](`document.querySelector('#cities tbody tr').cells[3].textContent`))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(parties, "quest 10101") {
			break
		}
		if time.Since(posted) > 2*time.Second {
			t.Fatalf("2 s after a quest was posted the city shows %q", parties)
		}
		time.Sleep(50 * time.Millisecond)
	}

	png, err := chromedp.Run(tctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	out := artifact(t, "status-page.png")
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", out)
	if os.Getenv("MH3NET_UPDATE_SCREENSHOT") != "" {
		// The README's picture (go test ./ops -run StatusPage with
		// MH3NET_UPDATE_SCREENSHOT=1).
		if err := os.WriteFile(filepath.Join("..", "docs", "status-page.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
