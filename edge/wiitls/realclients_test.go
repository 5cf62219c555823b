package wiitls

// Real TLS implementations against this package: openssl s_client and
// gnutls-cli as clients of Server (modern hellos; neither can send an
// SSLv2-format hello any more), and openssl s_server as the server for
// Client, which proves the SSLv2-hello handshake (transcript, client
// random, PRF, record layer) against an independent implementation: the
// one the reference server runs on.
//
// The programs must be installed (Debian: openssl, gnutls-bin); a missing
// one fails the test.

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mh3net/mh3net/certs"
)

func needProgram(t *testing.T, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is needed for this test (Debian package %s): %v", name, pkg, err)
	}
	return path
}

// testContext ends a little before the test binary's own timeout, so that
// a stuck program is killed and reported rather than hanging the run.
func testContext(t *testing.T) context.Context {
	ctx := t.Context()
	if d, ok := t.Deadline(); ok {
		c, cancel := context.WithDeadline(ctx, d.Add(-5*time.Second))
		t.Cleanup(cancel)
		ctx = c
	}
	return ctx
}

// program is a running client or server program.
type program struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string   // stdout, line by line; closed when the program has ended
	exited chan struct{} // closed when the program has ended
	stderr *strings.Builder
}

func startProgram(t *testing.T, name string, args ...string) *program {
	t.Helper()
	cmd := exec.CommandContext(testContext(t), name, args...)
	p := &program{cmd: cmd, lines: make(chan string, 64), exited: make(chan struct{}), stderr: new(strings.Builder)}
	var err error
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		io.Copy(io.Discard, pr)
	}()
	go func() {
		cmd.Wait()
		pw.Close()
		close(p.exited)
	}()
	t.Cleanup(func() { p.stop() })
	return p
}

// stop ends the program and returns what it wrote to stderr.
func (p *program) stop() string {
	p.stdin.Close()
	p.cmd.Process.Kill()
	<-p.exited
	return p.stderr.String()
}

// waitLine returns the first stdout line containing s, failing the test
// if the program's output ends first.
func (p *program) waitLine(t *testing.T, s string) string {
	t.Helper()
	var seen []string
	for line := range p.lines {
		if strings.Contains(line, s) {
			return line
		}
		seen = append(seen, line)
	}
	t.Fatalf("%s: no line with %q\nstdout:\n%s\nstderr:\n%s", p.cmd.Path, s, strings.Join(seen, "\n"), p.stop())
	return ""
}

// realClient runs a client program against an echo server, types a line
// into it and waits for the line to come back; it returns the state the
// server negotiated.
func realClient(t *testing.T, name string, args ...string) State {
	t.Helper()
	addr, results := echoServer(t)
	host, port, _ := net.SplitHostPort(addr)
	for i, a := range args {
		args[i] = strings.NewReplacer("{host}", host, "{port}", port, "{addr}", addr).Replace(a)
	}
	p := startProgram(t, name, args...)
	var r serverResult
	select {
	case r = <-results:
	case <-p.exited:
		t.Fatalf("%s ended before a handshake\nstderr:\n%s", name, p.stop())
	}
	if r.err != nil {
		t.Fatalf("server: %v\nstderr:\n%s", r.err, p.stop())
	}
	const ping = "PING-FROM-A-REAL-CLIENT"
	if _, err := io.WriteString(p.stdin, ping+"\n"); err != nil {
		t.Fatal(err)
	}
	p.waitLine(t, ping)
	return r.state
}

func TestOpenSSLClient(t *testing.T) {
	needProgram(t, "openssl", "openssl")
	for _, tc := range []struct {
		name    string
		args    []string
		version uint16
		suite   uint16 // 0: any
	}{
		{"tls1.0 AES128-SHA", []string{"-tls1", "-cipher", "AES128-SHA:@SECLEVEL=0"}, tls.VersionTLS10, tls.TLS_RSA_WITH_AES_128_CBC_SHA},
		{"tls1.0 AES256-SHA", []string{"-tls1", "-cipher", "AES256-SHA:@SECLEVEL=0"}, tls.VersionTLS10, tls.TLS_RSA_WITH_AES_256_CBC_SHA},
		// Debian's OpenSSL has neither 3DES nor RC4 suites: those are
		// tried with gnutls-cli.
		{"tls1.0 the Wii's AES suites", []string{"-tls1", "-cipher", "AES256-SHA:AES128-SHA:@SECLEVEL=0"}, tls.VersionTLS10, tls.TLS_RSA_WITH_AES_128_CBC_SHA},
		{"tls1.2 default", []string{"-tls1_2"}, tls.VersionTLS12, 0},
		{"default (tls1.3)", nil, tls.VersionTLS13, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"s_client", "-connect", "{addr}", "-quiet", "-ign_eof"}, tc.args...)
			st := realClient(t, "openssl", args...)
			if st.Version != tc.version || tc.suite != 0 && st.CipherSuite != tc.suite {
				t.Errorf("negotiated %04x %s, want %04x %s", st.Version, tls.CipherSuiteName(st.CipherSuite), tc.version, tls.CipherSuiteName(tc.suite))
			}
			t.Logf("openssl s_client %s: %s", strings.Join(tc.args, " "), tls.CipherSuiteName(st.CipherSuite))
		})
	}
}

func TestGnuTLSClient(t *testing.T) {
	needProgram(t, "gnutls-cli", "gnutls-bin")
	for _, tc := range []struct {
		name, priority string
		version, suite uint16
	}{
		{"tls1.0 RSA AES-128-CBC SHA1", "NONE:+VERS-TLS1.0:+RSA:+AES-128-CBC:+SHA1:+COMP-NULL:+SIGN-ALL", tls.VersionTLS10, tls.TLS_RSA_WITH_AES_128_CBC_SHA},
		{"tls1.0 RSA AES-256-CBC SHA1", "NONE:+VERS-TLS1.0:+RSA:+AES-256-CBC:+SHA1:+COMP-NULL:+SIGN-ALL", tls.VersionTLS10, tls.TLS_RSA_WITH_AES_256_CBC_SHA},
		// Debian's OpenSSL has no RC4 or 3DES suites; GnuTLS still does.
		{"tls1.0 RSA 3DES-CBC SHA1", "NONE:+VERS-TLS1.0:+RSA:+3DES-CBC:+SHA1:+COMP-NULL:+SIGN-ALL", tls.VersionTLS10, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA},
		{"tls1.0 RSA ARCFOUR-128 SHA1", "NONE:+VERS-TLS1.0:+RSA:+ARCFOUR-128:+SHA1:+COMP-NULL:+SIGN-ALL", tls.VersionTLS10, tls.TLS_RSA_WITH_RC4_128_SHA},
		{"tls1.0 the Wii's suites", "NONE:+VERS-TLS1.0:+RSA:+AES-256-CBC:+AES-128-CBC:+3DES-CBC:+ARCFOUR-128:+SHA1:+MD5:+COMP-NULL:+SIGN-ALL", tls.VersionTLS10, tls.TLS_RSA_WITH_AES_128_CBC_SHA},
		{"NORMAL", "NORMAL", tls.VersionTLS13, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := realClient(t, "gnutls-cli", "--insecure", "--port", "{port}", "--priority", tc.priority, "{host}")
			if st.Version != tc.version || tc.suite != 0 && st.CipherSuite != tc.suite {
				t.Errorf("negotiated %04x %s, want %04x %s", st.Version, tls.CipherSuiteName(st.CipherSuite), tc.version, tls.CipherSuiteName(tc.suite))
			}
		})
	}
}

// TestClientAgainstOpenSSLServer runs the SSLv2-hello handshake, exactly as
// a Wii opens it, against OpenSSL's server, which still accepts such hellos
// (as the reference server relies on).
func TestClientAgainstOpenSSLServer(t *testing.T) {
	needProgram(t, "openssl", "openssl")
	dir := t.TempDir()
	if err := certs.Generate(dir); err != nil {
		t.Fatal(err)
	}
	// Debian's OpenSSL has no RC4 suites: the RC4 ones are checked
	// against GnuTLS in TestClientGnuTLSVectors.
	for _, tc := range []struct {
		cipher string
		want   uint16
	}{
		{"AES128-SHA:AES256-SHA", suiteAES128SHA}, // with -serverpref, as the reference picks
		{"AES128-SHA", suiteAES128SHA},
		{"AES256-SHA", suiteAES256SHA},
	} {
		t.Run(tc.cipher, func(t *testing.T) {
			args := []string{"s_server", "-accept", "127.0.0.1:0", "-naccept", "1", "-rev", "-serverpref",
				"-cert", filepath.Join(dir, "server.crt"), "-key", filepath.Join(dir, "server.key"),
				"-tls1", "-cipher", tc.cipher + ":@SECLEVEL=0"}
			srv := startProgram(t, "openssl", args...)
			addr := strings.TrimSpace(strings.TrimPrefix(srv.waitLine(t, "ACCEPT "), "ACCEPT "))
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			c, err := Client(nc, nil) // the Wii's hello and suite list
			if err != nil {
				t.Fatalf("%v\ns_server stderr:\n%s", err, srv.stop())
			}
			defer c.Close()
			if st, _ := StateOf(c); st.CipherSuite != tc.want {
				t.Errorf("negotiated %04x, want %04x", st.CipherSuite, tc.want)
			}
			// s_server -rev sends every line back reversed.
			const line = "an SSLv2-format hello, as from a Wii"
			if _, err := fmt.Fprintln(c, line); err != nil {
				t.Fatal(err)
			}
			got, err := bufio.NewReader(c).ReadString('\n')
			if err != nil {
				t.Fatalf("reading the reply: %v\ns_server stderr:\n%s", err, srv.stop())
			}
			if want := reverse(line) + "\n"; got != want {
				t.Errorf("s_server replied %q, want %q", got, want)
			}
		})
	}
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}
