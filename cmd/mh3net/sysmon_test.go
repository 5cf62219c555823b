package main

import (
	"slices"
	"strings"
	"testing"
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
