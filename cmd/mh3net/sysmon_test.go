package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSysmonEnv(t *testing.T) {
	base := []string{"HOME=/root", "PATH=/bin"}
	for _, tc := range []struct {
		args, environ []string
		want          string // GODEBUG after; "" = no re-execution
	}{
		{args: nil, environ: base, want: sysmonSchedtrace},                             // up by default
		{args: []string{"--host", "127.0.0.1"}, environ: base, want: sysmonSchedtrace}, // up with flags
		{args: []string{"up"}, environ: base, want: sysmonSchedtrace},
		{args: []string{"edge"}, environ: base, want: sysmonSchedtrace},
		{args: []string{"handlers"}, environ: base, want: sysmonSchedtrace},
		{args: []string{"nats"}, environ: base, want: sysmonSchedtrace},
		{args: []string{"up"}, environ: append(slices.Clone(base), "GODEBUG=gctrace=1"), want: "gctrace=1," + sysmonSchedtrace},
		// Set already (the re-executed process itself, or an operator's
		// choice, 0 being the runtime's default): left alone.
		{args: []string{"up"}, environ: append(slices.Clone(base), "GODEBUG="+sysmonSchedtrace)},
		{args: []string{"up"}, environ: append(slices.Clone(base), "GODEBUG=gctrace=1, schedtrace=0")},
		// A server asked for its help or its checked configuration.
		{args: []string{"up", "-h"}, environ: base},
		{args: []string{"edge", "--check", "--nats", "nats://127.0.0.1:1"}, environ: base},
		// Not a server.
		{args: []string{"load"}, environ: base},
		{args: []string{"admin", "hunters"}, environ: base},
		{args: []string{"cert"}, environ: base},
	} {
		env, ok := sysmonEnv(tc.args, tc.environ)
		if ok != (tc.want != "") {
			t.Errorf("%v %v: re-execute %v", tc.args, tc.environ, ok)
			continue
		}
		if !ok {
			continue
		}
		var got []string
		for _, kv := range env {
			if v, found := strings.CutPrefix(kv, "GODEBUG="); found {
				got = append(got, v)
			}
		}
		if len(got) != 1 || got[0] != tc.want || len(env) < len(tc.environ) || env[0] != "HOME=/root" {
			t.Errorf("%v %v: environment %v, want GODEBUG=%s once", tc.args, tc.environ, env, tc.want)
		}
	}
}

// A server started without the setting runs with it (it re-executed
// itself, keeping its process id and arguments); one started with
// schedtrace=0 keeps the runtime's default.
func TestServerRunsWithTheSysmonKeptAwake(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
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
