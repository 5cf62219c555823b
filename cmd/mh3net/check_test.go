package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nats-io/nkeys"

	"github.com/mh3net/mh3net/certs"
	"github.com/mh3net/mh3net/internal/testport"
	"github.com/mh3net/mh3net/natsrv"
)

// checkFiles are real files of every kind --check reads: OPN and NATS
// certificates, an nkey seed, a world file, and broken ones.
type checkFiles struct {
	dir                   string
	opnCert, opnKey       string
	natsCA, natsCert      string
	natsKey, natsSrvCert  string
	natsSrvKey, seed, pub string
	world, badWorld, junk string
}

func makeCheckFiles(t *testing.T) checkFiles {
	t.Helper()
	dir := t.TempDir()
	if err := certs.Generate(filepath.Join(dir, "opn")); err != nil {
		t.Fatal(err)
	}
	nd := filepath.Join(dir, "nats")
	if err := natsrv.GenerateCerts(nd, "server", []string{"127.0.0.1", "nats-1"}); err != nil {
		t.Fatal(err)
	}
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := kp.Seed()
	pub, _ := kp.PublicKey()
	f := checkFiles{
		dir:     dir,
		opnCert: filepath.Join(dir, "opn", "server.crt"), opnKey: filepath.Join(dir, "opn", "server.key"),
		natsCA: filepath.Join(nd, "ca.crt"), natsCert: filepath.Join(nd, "client.crt"), natsKey: filepath.Join(nd, "client.key"),
		natsSrvCert: filepath.Join(nd, "server.crt"), natsSrvKey: filepath.Join(nd, "server.key"),
		seed: filepath.Join(dir, "edge.nk"), pub: pub,
		world: filepath.Join(dir, "world.json"), badWorld: filepath.Join(dir, "bad-world.json"), junk: filepath.Join(dir, "junk"),
	}
	def, err := os.ReadFile(filepath.Join("..", "..", "world", "default.json"))
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{f.seed: append(seed, '\n'), f.world: def,
		f.badWorld: []byte(`{"servers": []}`), f.junk: []byte("not a key\n")} {
		if err := os.WriteFile(name, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// check parses args for cmd as the binary does (environment included)
// and runs --check.
func check(t *testing.T, cmd string, args ...string) (string, error) {
	t.Helper()
	var o options
	fs := newFlagSet(cmd, &o)
	if err := parse(fs, append(args, "--check")); err != nil {
		return "", err
	}
	if !o.check {
		t.Fatalf("%s has no --check", cmd)
	}
	return o.checkConfig(cmd)
}

func TestCheckGoodConfigurations(t *testing.T) {
	f := makeCheckFiles(t)
	// A port in use is no problem: --check opens no listener.
	busy := testport.Get(t)
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(busy))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// The environment, as compose gives it.
	t.Setenv("MH3NET_REUSE_PORT", "true")
	cases := []struct {
		cmd  string
		args []string
		want []string // in the summary
		env  map[string]string
	}{
		{"edge", []string{"--nats", "nats://nats-1:4222,nats://nats-2:4222, nats-3:4222", "--advertise", "203.0.113.7",
			"--nats-nkey", f.seed, "--nats-ca", f.natsCA, "--nats-cert", f.natsCert, "--nats-key", f.natsKey,
			"--tls-cert", f.opnCert, "--tls-key", f.opnKey, "--world", f.world, "--opn-port", strconv.Itoa(busy)},
			[]string{"nats=nats://nats-1:4222,nats://nats-2:4222,nats://nats-3:4222", "nkey:" + f.pub, "tls+client-cert",
				"advertise=203.0.113.7", "reuse-port=true", "opn:" + strconv.Itoa(busy), "world=" + f.world + "(12 servers)"}, nil},
		{"handlers", []string{"--nats", "nats://nats-1:4222", "--nats-user", "handlers",
			"--postgres", "postgres://mh3net:pg-pass@postgres:5432/mh3net?sslmode=disable"},
			[]string{"user:handlers", "store=postgres:mh3net@postgres:5432/mh3net"}, map[string]string{"MH3NET_NATS_PASSWORD": "s3cret-handlers"}},
		{"nats", []string{"--nats-host", "0.0.0.0", "--nats-name", "nats-1", "--cluster-host", "0.0.0.0", "--cluster-port", "6222",
			"--cluster-routes", "nats-2:6222,nats-3:6222", "--nats-edge-password", "e", "--nats-handlers-password", "h",
			"--nats-tls-cert", f.natsSrvCert, "--nats-tls-key", f.natsSrvKey, "--nats-tls-ca", f.natsCA},
			[]string{"0.0.0.0:4222", "name=nats-1", "routes=nats-2:6222,nats-3:6222", "auth=edge:password,handlers:password", "tls+client-certs"}, nil},
		{"nats", []string{"--nats-edge-nkey", f.pub}, []string{"127.0.0.1:4222", "edge:1-nkeys"}, nil},
		{"up", nil, []string{"nats-server=in-process", "store=jetstream:./data"}, nil},
		{"up", []string{"--nats-handlers-password", "h", "--nats-port", "4222"}, []string{"nats-server=127.0.0.1:4222"}, nil},
		{"migrate", []string{"--postgres", "postgres://mh3net@db/mh3net"}, []string{"store=postgres:mh3net@db:5432/mh3net"}, nil},
	}
	for _, c := range cases {
		for k, v := range c.env {
			t.Setenv(k, v)
		}
		line, err := check(t, c.cmd, c.args...)
		for k := range c.env {
			os.Unsetenv(k)
		}
		if err != nil {
			t.Errorf("%s %v: %v", c.cmd, c.args, err)
			continue
		}
		t.Logf("%s", line)
		if strings.Contains(line, "\n") {
			t.Errorf("%s: summary is more than one line: %q", c.cmd, line)
		}
		for _, w := range c.want {
			if !strings.Contains(line, w) {
				t.Errorf("%s %v: summary %q lacks %q", c.cmd, c.args, line, w)
			}
		}
		for _, secret := range []string{"s3cret-handlers", "pg-pass"} {
			if strings.Contains(line, secret) {
				t.Errorf("%s: summary %q shows a secret", c.cmd, line)
			}
		}
	}
}

func TestCheckBadConfigurations(t *testing.T) {
	f := makeCheckFiles(t)
	nats := []string{"--nats", "nats://nats-1:4222"}
	cases := []struct {
		cmd  string
		args []string
		env  map[string]string
		want string // in the error
	}{
		{"edge", nil, nil, "edge needs --nats URL"},
		{"handlers", nil, nil, "handlers needs --nats URL"},
		{"edge", append(nats, "--advertise", "::1"), nil, "want an IPv4 address"},
		{"edge", nats, map[string]string{"MH3NET_ADVERTISE": "game.example.net"}, "--advertise \"game.example.net\": want an IPv4"},
		{"edge", append(nats, "--host", "somewhere"), nil, "--host \"somewhere\""},
		{"edge", append(nats, "--opn-port", "70000"), nil, "--opn-port 70000: want a port in 1..65535"},
		{"edge", append(nats, "--fmp-port", "0"), nil, "--fmp-port 0"},
		{"edge", append(nats, "--lmp-port", "8200"), nil, "--opn-port and --lmp-port are both 8200"},
		{"edge", append(nats, "--tls-cert", f.opnCert), nil, "--tls-cert and --tls-key go together"},
		{"edge", append(nats, "--tls-cert", f.junk, "--tls-key", f.opnKey), nil, "--tls-cert/--tls-key"},
		{"edge", append(nats, "--world", f.badWorld), nil, "--world: world " + f.badWorld + ": no servers"},
		{"edge", append(nats, "--fmp-only"), nil, "--fmp-only needs --world"},
		{"edge", append(nats, "--world", filepath.Join(f.dir, "missing.json")), nil, "--world"},
		{"edge", append(nats, "--nats-nkey", f.junk), nil, "not an nkey seed"},
		{"edge", append(nats, "--nats-nkey", f.seed, "--nats-user", "edge"), nil, "give one or the other"},
		{"edge", append(nats, "--nats-user", "edge"), nil, "--nats-user and --nats-password"},
		{"edge", append(nats, "--nats-ca", f.junk), nil, "no PEM certificate"},
		{"edge", append(nats, "--nats-cert", f.natsCert), nil, "--nats-cert and --nats-key go together"},
		{"edge", []string{"--nats", "ftp://nats-1:4222"}, nil, "scheme \"ftp\""},
		{"edge", []string{"--nats", "nats://u:p@nats-1:4222"}, nil, "credentials in the URL"},
		{"edge", []string{"--nats", "nats://nats-1:99999"}, nil, "port \"99999\""},
		{"edge", append(nats, "--request-timeout", "0s"), nil, "--request-timeout 0s must be positive"},
		{"edge", append(nats, "--max-conns", "0"), nil, "--max-conns must be positive"},
		{"edge", append(nats, "--ip-event-rate", "-1"), nil, "--ip-event-rate must be positive, or 0 for no bound"},
		{"edge", append(nats, "--ip-event-burst", "0"), nil, "--ip-event-burst must be positive"},
		{"edge", append(nats, "--log-level", "loud"), nil, "--log-level \"loud\""},
		{"handlers", append(nats, "--nats-user", "edge", "--nats-password", "x"), nil, "handlers logs in as handlers"},
		{"handlers", append(nats, "--postgres", "postgres://u:pg-pass@db:99999/x"), nil, "--postgres"},
		{"handlers", append(nats, "--city-reservation", "-1s"), nil, "--city-reservation"},
		{"nats", []string{"--nats-edge-nkey", "UNOTAKEY"}, nil, "not a public user nkey"},
		{"nats", []string{"--nats-edge-password", "same", "--nats-handlers-password", "same"}, nil, "passwords are the same"},
		{"nats", []string{"--cluster-routes", "nats-2:6222"}, nil, "routes need a cluster port"},
		{"nats", []string{"--cluster-port", "6222", "--cluster-routes", "nats-2"}, nil, "--cluster-routes \"nats-2\": want host:port"},
		{"nats", []string{"--cluster-port", "4222"}, nil, "--cluster-port and the client port are both 4222"},
		{"nats", []string{"--nats-tls-cert", f.natsSrvCert}, nil, "TLS needs both a certificate and its key"},
		{"nats", []string{"--nats-tls-cert", f.natsSrvCert, "--nats-tls-key", f.natsSrvKey, "--cluster-port", "6222"}, nil, "TLS routes need a CA"},
		{"nats", []string{"--nats-tls-cert", f.junk, "--nats-tls-key", f.natsSrvKey}, nil, "client TLS"},
		{"up", []string{"--nats-handlers-password", "$2a$11$abcdefghijklmnopqrstuv"}, nil, "embedded nats requires auth"},
		{"up", nil, map[string]string{"MH3NET_REUSE_PORT": "maybe"}, "MH3NET_REUSE_PORT"},
		{"migrate", nil, nil, "migrate needs --postgres URL"},
	}
	for _, c := range cases {
		for k, v := range c.env {
			t.Setenv(k, v)
		}
		line, err := check(t, c.cmd, c.args...)
		for k := range c.env {
			os.Unsetenv(k)
		}
		if err == nil {
			t.Errorf("%s %v %v: passed (%s), want an error with %q", c.cmd, c.args, c.env, line, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v %v: %v, want %q in it", c.cmd, c.args, c.env, err, c.want)
		}
		if strings.Contains(err.Error(), "pg-pass") {
			t.Errorf("the error shows the Postgres password: %v", err)
		}
	}
}

// TestCheckBinary runs the binary: --check prints one line and exits 0,
// or exits non-zero with the problems.
func TestCheckBinary(t *testing.T) {
	bin := buildBinary(t)
	out, err := exec.Command(bin, "edge", "--check", "--nats", "nats://127.0.0.1:1", "--advertise", "198.51.100.1").Output()
	if err != nil || strings.Count(string(out), "\n") != 1 || !strings.Contains(string(out), "configuration ok") {
		t.Fatalf("edge --check: %v, %q", err, out)
	}
	cmd := exec.Command(bin, "handlers", "--check", "--nats", "nats://127.0.0.1:1")
	cmd.Env = append(os.Environ(), "MH3NET_POSTGRES=postgres://u:p@db:0x/x")
	all, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() == 0 || !strings.Contains(string(all), "--postgres") {
		t.Fatalf("handlers --check with a broken MH3NET_POSTGRES: %v, %q", err, all)
	}
}
