package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

const adminUsage = `usage: mh3net admin [--url URL] [--token T | --token-file F] ACTION

actions:
  announce TEXT                 set the announcement every login shows
                                (plain text, \n for a new line, or the game's
                                markup); announce "" restores the configured one
  announcement                  show the announcement and maintenance state
  maintenance on|off [TEXT]     turn new logins away with TEXT (or the
                                configured text); players already in stay
  broadcast --server N [--gate N] [--city N] TEXT
                                a chat line from "Server" to everyone there
  kick [--text TEXT] CAPCOMID   close a hunter's connection with a message
  hunters [--limit N] [QUERY]   online hunters (Capcom ID or name substring)
  log [--limit N]               the newest admin actions (audit)
  reload                        every handler process reloads its quest
                                directory and world file now (a refused file
                                is reported and the old set stays)

The token is --token, else MH3NET_ADMIN_TOKEN, else the file --token-file
(default ./data/admin.token, which a loopback 'mh3net up' writes).
`

// adminClient calls the admin API of a running process.
type adminClient struct {
	base  string
	token string
	http  *http.Client
	out   io.Writer
}

func runAdmin(ctx context.Context, args []string) error {
	return adminMain(ctx, args, os.Stdout)
}

func adminMain(ctx context.Context, args []string, out io.Writer) error {
	base, token, tokenFile := "http://127.0.0.1:8280", "", filepath.Join("data", "admin.token")
	// global registers the flags every action takes, before and after
	// the action's name (their values so far are the defaults).
	global := func(fs *flag.FlagSet) {
		fs.StringVar(&base, "url", base, "the operator HTTP server (--http of up or handlers)")
		fs.StringVar(&token, "token", token, "admin token (better from MH3NET_ADMIN_TOKEN)")
		fs.StringVar(&tokenFile, "token-file", tokenFile, "file holding the admin token")
	}
	fs := flag.NewFlagSet("admin", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), adminUsage) }
	global(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fmt.Fprint(os.Stderr, adminUsage)
		return errors.New("admin: no action")
	}
	action, rest := rest[0], rest[1:]
	// The action's own flags, and the global ones again after it.
	afs := flag.NewFlagSet("admin "+action, flag.ContinueOnError)
	afs.Usage = fs.Usage
	global(afs)
	var server, gate, city, limit int
	var text string
	switch action {
	case "broadcast":
		afs.IntVar(&server, "server", 0, "server index (1-based)")
		afs.IntVar(&gate, "gate", 0, "gate (0: the whole server)")
		afs.IntVar(&city, "city", 0, "city (0: the whole gate)")
	case "kick":
		afs.StringVar(&text, "text", "", "the message the hunter sees")
	case "hunters", "log":
		afs.IntVar(&limit, "limit", 0, "at most this many")
	}
	if err := afs.Parse(rest); err != nil {
		return err
	}
	rest = afs.Args()
	if token == "" {
		token = os.Getenv("MH3NET_ADMIN_TOKEN")
	}
	if token == "" {
		b, err := os.ReadFile(tokenFile)
		if err != nil {
			return fmt.Errorf("admin: no token: give --token, MH3NET_ADMIN_TOKEN or --token-file (%w)", err)
		}
		token = strings.TrimSpace(string(b))
	}
	c := &adminClient{base: strings.TrimRight(base, "/"), token: token, http: &http.Client{Timeout: 30 * time.Second}, out: out}
	args1 := func(what string) (string, error) {
		if len(rest) != 1 {
			return "", fmt.Errorf("admin %s: want %s", action, what)
		}
		return rest[0], nil
	}
	switch action {
	case "announce":
		t, err := args1("TEXT (quoted)")
		if err != nil {
			return err
		}
		return c.do(ctx, http.MethodPut, "/api/admin/announcement", map[string]string{"text": unescapeNewlines(t)})
	case "announcement", "state":
		if len(rest) != 0 {
			return fmt.Errorf("admin %s takes no arguments", action)
		}
		return c.do(ctx, http.MethodGet, "/api/admin/announcement", nil)
	case "maintenance":
		if len(rest) < 1 || len(rest) > 2 || (rest[0] != "on" && rest[0] != "off") {
			return errors.New("admin maintenance: want on|off [TEXT]")
		}
		body := map[string]any{"on": rest[0] == "on"}
		if len(rest) == 2 {
			body["text"] = unescapeNewlines(rest[1])
		}
		return c.do(ctx, http.MethodPut, "/api/admin/maintenance", body)
	case "broadcast":
		t, err := args1("TEXT (quoted)")
		if err != nil {
			return err
		}
		if server <= 0 {
			return errors.New("admin broadcast: --server N is required")
		}
		return c.do(ctx, http.MethodPost, "/api/admin/broadcast", map[string]any{"server": server, "gate": gate, "city": city, "text": t})
	case "kick":
		id, err := args1("CAPCOMID")
		if err != nil {
			return err
		}
		body := map[string]string{"capcom_id": id}
		if text != "" {
			body["text"] = unescapeNewlines(text)
		}
		return c.do(ctx, http.MethodPost, "/api/admin/kick", body)
	case "hunters":
		if len(rest) > 1 {
			return errors.New("admin hunters: want [QUERY]")
		}
		q := url.Values{}
		if len(rest) == 1 {
			q.Set("q", rest[0])
		}
		if limit > 0 {
			q.Set("limit", fmt.Sprint(limit))
		}
		return c.do(ctx, http.MethodGet, "/api/admin/hunters?"+q.Encode(), nil)
	case "log":
		if len(rest) != 0 {
			return errors.New("admin log takes no arguments")
		}
		q := url.Values{}
		if limit > 0 {
			q.Set("limit", fmt.Sprint(limit))
		}
		return c.do(ctx, http.MethodGet, "/api/admin/log?"+q.Encode(), nil)
	case "reload":
		if len(rest) != 0 {
			return errors.New("admin reload takes no arguments")
		}
		return c.do(ctx, http.MethodPost, "/api/admin/reload", nil)
	}
	fmt.Fprint(os.Stderr, adminUsage)
	return fmt.Errorf("admin: unknown action %q", action)
}

// unescapeNewlines lets a shell argument carry line breaks as \n.
func unescapeNewlines(s string) string { return strings.ReplaceAll(s, `\n`, "\n") }

// do calls the API and prints its JSON answer, indented.
func (c *adminClient) do(ctx context.Context, method, path string, body any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return fmt.Errorf("admin: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("admin: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("admin: reading the answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			return fmt.Errorf("admin: %s: %s", resp.Status, e.Error)
		}
		return fmt.Errorf("admin: %s: %s", resp.Status, bytes.TrimSpace(b))
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, b, "", "  ") != nil {
		pretty.Reset()
		pretty.Write(b)
	}
	_, err = fmt.Fprintf(c.out, "%s\n", bytes.TrimRight(pretty.Bytes(), "\n"))
	return err
}
