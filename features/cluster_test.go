package features

import (
	"bufio"
	"fmt"
	"github.com/mh3net/mh3net/internal/testport"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mh3net/mh3net/bus"
)

// cluster is mh3net as a host runs it across machines, on one box: the
// built binary as separate processes (`mh3net nats`, two `mh3net
// handlers`, two `mh3net edge`) on a locked bus (TLS with client
// certificates, the edges by nkey with edge rights only, the handlers by
// password), as cmd/mh3net's multi-process tests run it.
type cluster struct {
	t     *testing.T
	bin   string
	nats  string
	sec   busSecrets
	lease time.Duration
	procs []*proc
	edges []*edgeProc // edge n is edges[n-1]
	dirs  []string    // removed by stop
}

// edgeProc is a running edge and its listeners.
type edgeProc struct {
	*proc
	opn, lmp, fmp, rfp int
}

func (e *edgeProc) addr(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

// proc is one process and what it logged.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	mu   sync.Mutex
	log  []string
}

func (p *proc) lines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.log...)
}

// clusterReservation is the city reservation of the cluster's handlers:
// short, so that a vanished creator's city frees itself within seconds
// (MH3SP's 40 s is the default).
const clusterReservation = 3 * time.Second

// The binary is built once per test run.
var (
	binOnce sync.Once
	binPath string
	binErr  error
)

func buildBinary(t *testing.T) (string, error) {
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mh3net-features-bin")
		if err != nil {
			binErr = err
			return
		}
		t.Cleanup(func() { os.RemoveAll(dir) }) // t is the suite's test
		binPath = filepath.Join(dir, "mh3net")
		if out, err := exec.Command("go", "build", "-o", binPath, "github.com/mh3net/mh3net/cmd/mh3net").CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	return binPath, binErr
}

// startCluster starts NATS, two handler processes and two edges, and
// returns once the handlers serve and both edges listen. lease is the
// edge lease period (0: the default, 15 s).
func startCluster(t *testing.T, lease time.Duration) (*cluster, error) {
	bin, err := buildBinary(t)
	if err != nil {
		return nil, err
	}
	c := &cluster{t: t, bin: bin, lease: lease}
	if lease <= 0 {
		c.lease = bus.DefaultLease
	}
	if c.sec, err = makeSecrets(bin); err != nil {
		return nil, err
	}
	c.dirs = append(c.dirs, c.sec.dir)
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	c.nats = fmt.Sprintf("nats://127.0.0.1:%d", port)
	dataDir, err := os.MkdirTemp("", "mh3net-features-nats")
	if err != nil {
		return nil, err
	}
	c.dirs = append(c.dirs, dataDir)
	if _, err := c.start("nats", c.sec.natsEnv(), append([]string{"nats", "--nats-port", strconv.Itoa(port), "--data", dataDir}, c.sec.natsArgs()...)...); err != nil {
		return c, err
	}
	if err := waitTCP(fmt.Sprintf("127.0.0.1:%d", port)); err != nil {
		return c, err
	}
	var handlers []*proc
	for i := 1; i <= 2; i++ {
		args := append([]string{"handlers", "--nats", c.nats, "--city-reservation", clusterReservation.String()}, c.sec.clientTLS()...)
		if lease > 0 {
			args = append(args, "--lease", lease.String())
		}
		p, err := c.start(fmt.Sprintf("handlers-%d", i), c.sec.handlersEnv(), args...)
		if err != nil {
			return c, err
		}
		handlers = append(handlers, p)
	}
	for _, p := range handlers {
		if err := p.waitFor("handlers ready", 30*time.Second); err != nil {
			return c, err
		}
	}
	for i := 1; i <= 2; i++ {
		if err := c.startEdge(i); err != nil {
			return c, err
		}
	}
	return c, nil
}

// startEdge starts edge n on free ports and waits for its listeners.
func (c *cluster) startEdge(n int) error {
	var ports [4]int
	for i := range ports {
		p, err := freePort()
		if err != nil {
			return err
		}
		ports[i] = p
	}
	e := &edgeProc{opn: ports[0], lmp: ports[1], fmp: ports[2], rfp: ports[3]}
	p, err := c.start(fmt.Sprintf("edge-%d", n), nil, append([]string{"edge", "--nats", c.nats, "--host", "127.0.0.1", "--advertise", "127.0.0.1",
		"--opn-port", strconv.Itoa(e.opn), "--lmp-port", strconv.Itoa(e.lmp),
		"--fmp-port", strconv.Itoa(e.fmp), "--rfp-port", strconv.Itoa(e.rfp),
		"--connection-delay", "20ms", "--request-timeout", "1s"}, c.sec.edgeArgs()...)...)
	if err != nil {
		return err
	}
	e.proc = p
	for len(c.edges) < n {
		c.edges = append(c.edges, nil)
	}
	c.edges[n-1] = e
	for _, port := range ports {
		if err := waitTCP(e.addr(port)); err != nil {
			return fmt.Errorf("edge %d: %w", n, err)
		}
	}
	return nil
}

// edge returns edge n (1-based).
func (c *cluster) edge(n int) (*edgeProc, error) {
	if n < 1 || n > len(c.edges) || c.edges[n-1] == nil {
		return nil, fmt.Errorf("no edge %d", n)
	}
	return c.edges[n-1], nil
}

// isEdgeFMP reports whether addr is the FMP listener of a running edge.
func (c *cluster) isEdgeFMP(addr string) bool {
	for _, e := range c.edges {
		if e != nil && addr == e.addr(e.fmp) {
			return true
		}
	}
	return false
}

func (c *cluster) start(name string, env []string, args ...string) (*proc, error) {
	cmd := exec.Command(c.bin, args...)
	cmd.Env = append(append(os.Environ(), "MH3NET_LOG_LEVEL=info"), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.log = append(p.log, sc.Text())
			p.mu.Unlock()
		}
		cmd.Wait()
		close(p.done)
	}()
	c.procs = append(c.procs, p)
	return p, nil
}

// kill SIGKILLs the process and waits until it is gone.
func (p *proc) kill() error {
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill %s: %w", p.name, err)
	}
	<-p.done
	return nil
}

func (p *proc) waitFor(text string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		for _, l := range p.lines() {
			if strings.Contains(l, text) {
				return nil
			}
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited before logging %q", p.name, text)
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s never logged %q", p.name, text)
}

// stop ends every process (edges and handlers first, NATS last) and,
// when the scenario failed or MH3NET_TEST_LOG is set, shows their logs.
func (c *cluster) stop(failed bool) {
	term := func(ps []*proc) {
		for _, p := range ps {
			p.cmd.Process.Signal(syscall.SIGTERM)
		}
		for _, p := range ps {
			select {
			case <-p.done:
			case <-time.After(10 * time.Second):
				p.cmd.Process.Kill()
				<-p.done
			}
		}
	}
	var roles, nats []*proc
	for _, p := range c.procs {
		if p.name == "nats" {
			nats = append(nats, p)
		} else {
			roles = append(roles, p)
		}
	}
	term(roles)
	term(nats)
	for _, d := range c.dirs {
		os.RemoveAll(d)
	}
	if failed || os.Getenv("MH3NET_TEST_LOG") != "" {
		for _, p := range c.procs {
			for _, l := range p.lines() {
				c.t.Logf("[%s] %s", p.name, l)
			}
		}
	}
}

// freePort is a loopback port no other test has been given (testport).
func freePort() (int, error) { return testport.Claim() }

func waitTCP(addr string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("%s never accepted connections", addr)
}

// busSecrets lock the bus, made with the binary's own commands: TLS
// certificates (nats-cert), an edge nkey (nkey), a handlers password.
type busSecrets struct {
	dir, edgePub, edgeSeed, handlersPassword string
}

func makeSecrets(bin string) (busSecrets, error) {
	dir, err := os.MkdirTemp("", "mh3net-features-secrets")
	if err != nil {
		return busSecrets{}, err
	}
	fail := func(err error) (busSecrets, error) {
		os.RemoveAll(dir)
		return busSecrets{}, err
	}
	if out, err := exec.Command(bin, "nats-cert", "--out", dir, "--hosts", "127.0.0.1,localhost").CombinedOutput(); err != nil {
		return fail(fmt.Errorf("nats-cert: %v\n%s", err, out))
	}
	seed := filepath.Join(dir, "edge.nk")
	out, err := exec.Command(bin, "nkey", "--out", seed).Output()
	if err != nil {
		return fail(fmt.Errorf("nkey: %w", err))
	}
	pub := strings.TrimSpace(string(out))
	if !strings.HasPrefix(pub, "U") {
		return fail(fmt.Errorf("nkey printed %q, want a public user key", pub))
	}
	return busSecrets{dir: dir, edgePub: pub, edgeSeed: seed, handlersPassword: "handlers-" + strconv.FormatInt(time.Now().UnixNano(), 36)}, nil
}

func (b busSecrets) file(name string) string { return filepath.Join(b.dir, name) }

func (b busSecrets) natsArgs() []string {
	return []string{"--nats-edge-nkey", b.edgePub,
		"--nats-tls-cert", b.file("server.crt"), "--nats-tls-key", b.file("server.key"), "--nats-tls-ca", b.file("ca.crt")}
}

func (b busSecrets) natsEnv() []string {
	return []string{"MH3NET_NATS_HANDLERS_PASSWORD=" + b.handlersPassword}
}

func (b busSecrets) clientTLS() []string {
	return []string{"--nats-ca", b.file("ca.crt"), "--nats-cert", b.file("client.crt"), "--nats-key", b.file("client.key")}
}

func (b busSecrets) edgeArgs() []string { return append(b.clientTLS(), "--nats-nkey", b.edgeSeed) }

func (b busSecrets) handlersEnv() []string {
	return []string{"MH3NET_NATS_USER=handlers", "MH3NET_NATS_PASSWORD=" + b.handlersPassword}
}
