package main

import "strings"

// The Go runtime's system monitor (sysmon) sleeps deeply while every
// processor is idle, and the first goroutine that enters a system call
// afterwards wakes it, upon which it polls every 20 µs for at least a
// millisecond, betting that more system calls are coming. A game server
// that is not saturated goes idle and wakes hundreds of times a second
// (a login is a chain of short steps between socket reads, writes and
// fsyncs), so the monitor spends most of its time in those 20 µs sleeps:
// 11 % of the server's CPU in a profile of 16-console logins, and each
// sleep is a context switch. The runtime has one setting that keeps the
// monitor out of its deep sleep: a scheduler trace period (GODEBUG
// schedtrace). At its largest, 2^31-1 ms (24.8 days), the monitor
// backs off to one look every 10 ms while idle, and the trace prints one
// line on stderr every 24.8 days of the host's uptime (so also once at
// start on a host up for longer than that). Server CPU per login fell by
// 15 % (docs/PERFORMANCE.md); idle CPU did not change measurably.
//
// The runtime reads schedtrace only at start, so a server role
// re-executes itself once with it set. A GODEBUG that sets schedtrace
// already (schedtrace=0: the runtime's default) is left as it is.

// sysmonSchedtrace is the period the server roles run with.
const sysmonSchedtrace = "schedtrace=2147483647"

// sysmonEnv returns the environment to re-execute the process with for
// the command line args, or ok=false when the process should run as it
// is: not a server role (or one asked for its help or --check), or
// schedtrace already set.
func sysmonEnv(args, environ []string) (env []string, ok bool) {
	cmd := "up"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd = args[0]
	}
	switch cmd {
	case "up", "edge", "handlers", "nats":
	default:
		return nil, false
	}
	for _, a := range args {
		switch a {
		case "-h", "-help", "--help", "-check", "--check", "-check=true", "--check=true":
			return nil, false // prints and exits: nothing to keep awake
		}
	}
	godebug, at := "", -1
	for i, kv := range environ {
		if v, found := strings.CutPrefix(kv, "GODEBUG="); found {
			godebug, at = v, i
		}
	}
	for _, setting := range strings.Split(godebug, ",") {
		if key, _, _ := strings.Cut(setting, "="); strings.TrimSpace(key) == "schedtrace" {
			return nil, false
		}
	}
	if godebug != "" {
		godebug += ","
	}
	env = append([]string(nil), environ...)
	if at >= 0 {
		env[at] = "GODEBUG=" + godebug + sysmonSchedtrace
	} else {
		env = append(env, "GODEBUG="+sysmonSchedtrace)
	}
	return env, true
}
