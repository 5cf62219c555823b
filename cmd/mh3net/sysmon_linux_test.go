//go:build linux

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A server started without the setting runs with it (it re-executed
// itself, keeping its process id and arguments); one started with
// schedtrace=0 keeps the runtime's default.
func TestServerRunsWithTheSysmonKeptAwake(t *testing.T) {
	bin := buildBinary(t)
	for _, tc := range []struct {
		godebug, want string
	}{
		{"", sysmonSchedtrace},
		{"schedtrace=0", "schedtrace=0"},
	} {
		cmd := exec.Command(bin, "nats", "--nats-port", strconv.Itoa(freePort(t)), "--data", filepath.Join(t.TempDir(), "data"), "--log-level", "warn")
		cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "GODEBUG=") })
		if tc.godebug != "" {
			cmd.Env = append(cmd.Env, "GODEBUG="+tc.godebug)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var environ []byte
		deadline := time.Now().Add(10 * time.Second)
		for {
			environ, _ = os.ReadFile(filepath.Join("/proc", strconv.Itoa(cmd.Process.Pid), "environ"))
			if bytes.Contains(environ, []byte("GODEBUG="+tc.want+"\x00")) || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		cmd.Process.Kill()
		cmd.Wait()
		if !bytes.Contains(environ, []byte("GODEBUG="+tc.want+"\x00")) {
			t.Errorf("GODEBUG %q at start: the server's environment is %q", tc.godebug, bytes.ReplaceAll(environ, []byte{0}, []byte{' '}))
		}
	}
}
