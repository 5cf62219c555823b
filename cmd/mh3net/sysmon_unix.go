//go:build unix

package main

import (
	"os"
	"syscall"
)

// keepSysmonAwake re-executes a server role with the system monitor kept
// out of its deep sleep (sysmon.go). It returns only when the process is
// to run as it is, or when the re-execution failed (then it runs on with
// the runtime's default).
func keepSysmonAwake() {
	env, ok := sysmonEnv(os.Args[1:], os.Environ())
	if !ok {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	_ = syscall.Exec(exe, os.Args, env)
}
