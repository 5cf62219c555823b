// Package pgtest starts a throwaway PostgreSQL server for tests: initdb
// and pg_ctl (Debian's postgresql package) in a temporary directory, run as
// the postgres user when the tests run as root. The server listens on a
// Unix socket in its own directory and on no TCP port at all: a test that
// stops and restarts it can never find its port taken by another test's
// server meanwhile (which a freed loopback port can be).
// Nothing is mocked and nothing is skipped: a missing PostgreSQL fails the
// test with the command that installs it.
package pgtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Server is a running throwaway cluster.
type Server struct {
	bin  string // directory of initdb/pg_ctl
	dir  string
	port int
	as   string // user to run as ("" = the current one)
}

// URL is the connection string for the test database.
func (s *Server) URL() string {
	return fmt.Sprintf("postgres://postgres@/postgres?host=%s&port=%d&sslmode=disable", s.dir, s.port)
}

func findBin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Strings(dirs)
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i], nil
		}
	}
	return "", fmt.Errorf("initdb not found: install PostgreSQL (apt-get install -y postgresql, or run 'go tool task deps')")
}

func (s *Server) cmd(name string, args ...string) *exec.Cmd {
	full := filepath.Join(s.bin, name)
	if s.as == "" {
		return exec.Command(full, args...)
	}
	return exec.Command("runuser", append([]string{"-u", s.as, "--", full}, args...)...)
}

// Start initialises and starts a cluster; it is stopped and removed when
// the test (or TestMain's cleanup) ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s, err := StartServer()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Destroy)
	return s
}

// StartServer is Start for TestMain, which has no testing.TB; call
// Destroy when done.
func StartServer() (*Server, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin}
	if u, err := user.Current(); err == nil && u.Uid == "0" {
		s.as = "postgres"
	}
	base := os.TempDir()
	s.dir, err = os.MkdirTemp(base, "mh3net-pg-")
	if err != nil {
		return nil, err
	}
	if s.as != "" {
		if out, err := exec.Command("chown", s.as, s.dir).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("chown %s: %v: %s", s.dir, err, out)
		}
	}
	data := filepath.Join(s.dir, "data")
	if out, err := s.cmd("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync").CombinedOutput(); err != nil {
		s.Destroy()
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	s.port = 5432 // the socket is in our own directory: no clash
	if err := s.Start(); err != nil {
		s.Destroy()
		return nil, err
	}
	return s, nil
}

// Start starts the (stopped) cluster again on the same port.
func (s *Server) Start() error {
	data := filepath.Join(s.dir, "data")
	opts := strings.Join([]string{
		"-p " + strconv.Itoa(s.port),
		"-c listen_addresses=''",
		"-c unix_socket_directories=" + s.dir,
		"-c max_connections=200",
	}, " ")
	out, err := s.cmd("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(s.dir, "log"), "-w", "-t", "60", "start").CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "log"))
		return fmt.Errorf("pg_ctl start: %v: %s\n%s", err, out, log)
	}
	sock := filepath.Join(s.dir, ".s.PGSQL."+strconv.Itoa(s.port))
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("unix", sock, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("postgres at %s never accepted connections", sock)
}

// Stop stops the cluster (fast shutdown: sessions are cut, as in a crash
// of the clients' server).
func (s *Server) Stop() error {
	out, err := s.cmd("pg_ctl", "-D", filepath.Join(s.dir, "data"), "-m", "fast", "-w", "stop").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %v: %s", err, out)
	}
	return nil
}

// Destroy stops the cluster and removes its files.
func (s *Server) Destroy() {
	if s.dir == "" {
		return
	}
	s.cmd("pg_ctl", "-D", filepath.Join(s.dir, "data"), "-m", "immediate", "-w", "stop").Run()
	os.RemoveAll(s.dir)
	s.dir = ""
}
