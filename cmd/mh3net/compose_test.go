package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/jackc/pgx/v5"

	"github.com/mh3net/mh3net/server"
)

// composeEnv is what a host puts in .env for compose.yaml.
var composeEnv = map[string]string{
	"POSTGRES_PASSWORD":             "pg0pass0for0test",
	"MH3NET_NATS_EDGE_PASSWORD":     "edge0pass0for0test",
	"MH3NET_NATS_HANDLERS_PASSWORD": "handlers0pass0for0test",
	"MH3NET_ADVERTISE":              "203.0.113.7",
	"MH3NET_REMOTE_ADVERTISE":       "198.51.100.9",
	"MH3NET_ADMIN_TOKEN":            "admin0token0for0test",
}

func loadCompose(t *testing.T, env map[string]string) (*types.Project, error) {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	var kv []string
	for k, v := range env {
		kv = append(kv, k+"="+v)
	}
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, "compose.yaml")},
		cli.WithWorkingDirectory(root), cli.WithEnv(kv), cli.WithName("mh3net"))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return cli.ProjectFromOptions(ctx, opts)
}

// composeService is one service of compose.yaml that runs mh3net, with
// its command and environment as the container gets them, paths inside
// the container mapped to directories here (named volumes to temporary
// directories, bind mounts to their sources).
type composeService struct {
	name string
	svc  types.ServiceConfig
	args []string
	env  map[string]string
	o    options // the flags and environment as the command parses them
}

func (s *composeService) sub() string { return s.args[0] }

func (s *composeService) environ() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MH3NET_") {
			out = append(out, kv)
		}
	}
	for k, v := range s.env {
		out = append(out, k+"="+v)
	}
	return out
}

// parseOptions parses the service's command with its environment, as
// the binary does.
func (s *composeService) parseOptions(t *testing.T) {
	t.Helper()
	for k, v := range s.env {
		t.Setenv(k, v)
	}
	defer func() {
		for k := range s.env {
			os.Unsetenv(k)
		}
	}()
	fs := newFlagSet(s.sub(), &s.o)
	// Flags the binary under test may know and this package not yet (from
	// other branches) must not stop the checks here; the --check run of
	// the binary judges them.
	var known []string
	for i := 1; i < len(s.args); i++ {
		a := s.args[i]
		name := strings.TrimLeft(a, "-")
		if j := strings.IndexByte(name, '='); j >= 0 {
			name = name[:j]
		}
		if strings.HasPrefix(a, "-") && fs.Lookup(name) == nil {
			if i+1 < len(s.args) && !strings.HasPrefix(s.args[i+1], "-") && !isBoolFlagName(name) {
				i++
			}
			continue
		}
		known = append(known, a)
	}
	if err := parse(fs, known); err != nil {
		t.Fatalf("%s: %v", s.name, err)
	}
}

// isBoolFlagName lists the flags of other branches that take no value.
func isBoolFlagName(name string) bool { return name == "fmp-only" }

func TestComposeDeployment(t *testing.T) {
	// Without the secrets compose refuses to start, naming what is missing.
	if _, err := loadCompose(t, nil); err == nil || !strings.Contains(err.Error(), "POSTGRES_PASSWORD") && !strings.Contains(err.Error(), "MH3NET_") {
		t.Fatalf("compose.yaml without its environment: %v, want the missing variable named", err)
	}
	p, err := loadCompose(t, composeEnv)
	if err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	bin := buildBinary(t)

	// Named volumes are directories here, shared by the services that
	// mount them; a mount of an undeclared volume is an error.
	volumes := map[string]string{}
	for name := range p.Volumes {
		volumes[name] = t.TempDir()
	}
	var services []*composeService
	var postgres *types.ServiceConfig
	for name, svc := range p.Services {
		if svc.HealthCheck == nil || svc.HealthCheck.Disable || len(svc.HealthCheck.Test) == 0 {
			if svc.Restart != "no" {
				t.Errorf("%s has no healthcheck", name)
			}
		}
		if strings.HasPrefix(svc.Image, "postgres:") {
			s := svc
			postgres = &s
			continue
		}
		if svc.Build == nil || svc.Image != "mh3net:local" {
			t.Errorf("%s: neither postgres nor built from the repository's Dockerfile", name)
			continue
		}
		mounts := map[string]string{}
		for _, v := range svc.Volumes {
			switch v.Type {
			case types.VolumeTypeVolume:
				dir, ok := volumes[v.Source]
				if !ok {
					t.Fatalf("%s mounts volume %q, which is not declared", name, v.Source)
				}
				mounts[v.Target] = dir
			case types.VolumeTypeBind:
				if _, err := os.Stat(v.Source); err != nil {
					t.Errorf("%s mounts %s: %v", name, v.Source, err)
				}
				mounts[v.Target] = v.Source
			}
		}
		targets := make([]string, 0, len(mounts))
		for target := range mounts {
			targets = append(targets, target)
		}
		sort.Slice(targets, func(i, j int) bool { return len(targets[i]) > len(targets[j]) })
		mapPath := func(s string) string {
			for _, target := range targets {
				if strings.Contains(s, target) {
					return strings.ReplaceAll(s, target, mounts[target])
				}
			}
			return s
		}
		s := &composeService{name: name, svc: svc, env: map[string]string{}}
		for _, a := range svc.Command {
			s.args = append(s.args, mapPath(a))
		}
		if len(s.args) == 0 {
			t.Errorf("%s: no command", name)
			continue
		}
		for k, v := range svc.Environment {
			if v == nil {
				t.Errorf("%s: %s has no value", name, k)
				continue
			}
			s.env[k] = mapPath(*v)
		}
		services = append(services, s)
	}
	if postgres == nil {
		t.Fatal("no postgres service")
	}
	sort.Slice(services, func(i, j int) bool { return services[i].name < services[j].name })

	// One-shot jobs (the certificates) run for real first, as compose
	// runs them before what depends on them.
	for _, s := range services {
		if s.svc.Restart != "no" {
			continue
		}
		cmd := exec.Command(bin, s.args...)
		cmd.Env = s.environ()
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s (%v): %v\n%s", s.name, s.args, err, out)
		}
	}
	// Every long-running service passes --check with its command and
	// environment.
	fmpOnly := helpLists(t, bin, "edge", "fmp-only")
	for _, s := range services {
		if s.svc.Restart == "no" {
			continue
		}
		args := append([]string{s.sub(), "--check"}, s.args[1:]...)
		cmd := exec.Command(bin, args...)
		cmd.Env = s.environ()
		out, err := cmd.CombinedOutput()
		if err != nil {
			if slices.Contains(s.args, "--fmp-only") && !fmpOnly {
				t.Errorf("%s uses --fmp-only, which this binary does not have yet (it comes with the FMP-only edge on main): %v\n%s", s.name, err, out)
				continue
			}
			t.Errorf("%s --check: %v\n%s", s.name, err, out)
			continue
		}
		t.Logf("%s: %s", s.name, strings.TrimSpace(string(out)))
		for _, secret := range composeEnv {
			if strings.Contains(string(out), secret) && strings.Contains(secret, "pass") {
				t.Errorf("%s --check printed a secret: %s", s.name, out)
			}
		}
	}
	for _, s := range services {
		s.parseOptions(t)
	}

	checkComposeNATS(t, services)
	checkComposeClients(t, services, postgres)
	checkComposeEdges(t, services)
	checkComposeHealth(t, services)

	// Postgres keeps its data on a volume and answers pg_isready.
	if !slices.ContainsFunc(postgres.Volumes, func(v types.ServiceVolumeConfig) bool {
		return v.Type == types.VolumeTypeVolume && v.Target == "/var/lib/postgresql/data"
	}) {
		t.Error("postgres: no named volume at /var/lib/postgresql/data")
	}
	if !strings.Contains(strings.Join(postgres.HealthCheck.Test, " "), "pg_isready") {
		t.Errorf("postgres healthcheck %v: want pg_isready", postgres.HealthCheck.Test)
	}

	// The image: built from the repository's Dockerfile, whose binary is
	// where the healthchecks call it.
	df, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"FROM golang:1.26", `ENTRYPOINT ["/usr/local/bin/mh3net"]`, "./cmd/mh3net"} {
		if !strings.Contains(string(df), want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}

// helpLists reports whether `mh3net cmd -h` lists flag name.
func helpLists(t *testing.T, bin, cmd, name string) bool {
	t.Helper()
	out, _ := exec.Command(bin, cmd, "-h").CombinedOutput()
	return strings.Contains(string(out), "-"+name+"\n") || strings.Contains(string(out), "-"+name+" ")
}

// natsNodes are the NATS services by name.
func natsNodes(services []*composeService) map[string]*composeService {
	out := map[string]*composeService{}
	for _, s := range services {
		if s.sub() == "nats" {
			out[s.name] = s
		}
	}
	return out
}

func clientPort(s *composeService) int {
	if s.o.natsPort == 0 {
		return 4222
	}
	return s.o.natsPort
}

func checkComposeNATS(t *testing.T, services []*composeService) {
	nodes := natsNodes(services)
	if len(nodes) != 3 {
		t.Fatalf("%d NATS services, want 3", len(nodes))
	}
	names := map[string]bool{}
	for name, s := range nodes {
		if s.o.natsName == "" || names[s.o.natsName] {
			t.Errorf("%s: --nats-name %q is not unique", name, s.o.natsName)
		}
		names[s.o.natsName] = true
		if s.o.natsHost != "0.0.0.0" || s.o.clusterHost != "0.0.0.0" {
			t.Errorf("%s binds %s (clients) and %s (routes): the other containers cannot reach it", name, s.o.natsHost, s.o.clusterHost)
		}
		if s.o.clusterPort == 0 {
			t.Errorf("%s: no --cluster-port", name)
		}
		var want, got []string
		for other, o := range nodes {
			if other != name {
				want = append(want, fmt.Sprintf("%s:%d", other, o.o.clusterPort))
			}
		}
		got = splitList(s.o.clusterRoutes)
		sort.Strings(want)
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: --cluster-routes %v, want the other nodes' cluster ports %v", name, got, want)
		}
		data := flagValue(s.svc.Command, "--data", "./data")
		if !slices.ContainsFunc(s.svc.Volumes, func(v types.ServiceVolumeConfig) bool {
			return v.Type == types.VolumeTypeVolume && v.Target == data
		}) {
			t.Errorf("%s: its --data %s is not on a named volume", name, data)
		}
		if s.o.natsTLSCert == "" || s.o.natsTLSCA == "" {
			t.Errorf("%s: NATS without TLS and client certificates", name)
		}
		for _, k := range []string{"MH3NET_NATS_EDGE_PASSWORD", "MH3NET_NATS_HANDLERS_PASSWORD"} {
			if s.env[k] != composeEnv[k] {
				t.Errorf("%s: %s is not the one from the environment", name, k)
			}
		}
	}
}

// flagValue is the value given to name in a command, or def.
func flagValue(command []string, name, def string) string {
	for i, a := range command {
		if a == name && i+1 < len(command) {
			return command[i+1]
		}
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
	}
	return def
}

// natsTarget resolves a --nats URL of s to the NATS service it reaches.
func natsTarget(t *testing.T, s *composeService, nodes map[string]*composeService, raw string) string {
	t.Helper()
	if !strings.Contains(raw, "://") {
		raw = "nats://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Errorf("%s: --nats %q: %v", s.name, raw, err)
		return ""
	}
	port, _ := strconv.Atoi(u.Port())
	if n, ok := nodes[u.Hostname()]; ok {
		if s.svc.NetworkMode == "host" {
			t.Errorf("%s runs on the host network and cannot resolve %s", s.name, u.Hostname())
		}
		if port != clientPort(n) {
			t.Errorf("%s: --nats %s: port %d, but %s serves clients on %d", s.name, raw, port, n.name, clientPort(n))
		}
		return n.name
	}
	if s.svc.NetworkMode == "host" && (u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost") {
		for name, n := range nodes {
			for _, pc := range n.svc.Ports {
				if pc.Published == strconv.Itoa(port) && int(pc.Target) == clientPort(n) && (pc.HostIP == "" || pc.HostIP == "127.0.0.1") {
					return name
				}
			}
		}
	}
	t.Errorf("%s: --nats %s names no NATS service's client port", s.name, raw)
	return ""
}

func checkComposeClients(t *testing.T, services []*composeService, postgres *types.ServiceConfig) {
	nodes := natsNodes(services)
	for _, s := range services {
		if s.sub() != "edge" && s.sub() != "handlers" {
			continue
		}
		var reached []string
		for _, raw := range splitList(s.o.natsURL) {
			if n := natsTarget(t, s, nodes, raw); n != "" {
				reached = append(reached, n)
			}
		}
		sort.Strings(reached)
		if want := []string{"nats-1", "nats-2", "nats-3"}; !slices.Equal(reached, want) {
			t.Errorf("%s: --nats reaches %v, want every NATS node %v", s.name, reached, want)
		}
		if s.sub() == "edge" || s.sub() == "handlers" {
			for _, dep := range nodes {
				if d, ok := s.svc.DependsOn[dep.name]; !ok || d.Condition != types.ServiceConditionHealthy {
					t.Errorf("%s does not wait for %s to be healthy", s.name, dep.name)
				}
			}
		}
		// Credentials: the role's user, with the password NATS has for it.
		want := map[string]string{"edge": "MH3NET_NATS_EDGE_PASSWORD", "handlers": "MH3NET_NATS_HANDLERS_PASSWORD"}[s.sub()]
		if s.o.natsUser != s.sub() || s.o.natsPassword != composeEnv[want] {
			t.Errorf("%s logs in to NATS as %q with a password that is not %s", s.name, s.o.natsUser, want)
		}
		if s.o.natsCA == "" || s.o.natsCert == "" {
			t.Errorf("%s: NATS without TLS or a client certificate", s.name)
		}
		if s.sub() != "handlers" {
			continue
		}
		cfg, err := pgx.ParseConfig(s.o.postgres)
		if err != nil {
			t.Errorf("%s: --postgres: %v", s.name, err)
			continue
		}
		pgEnv := func(k string) string {
			if v := postgres.Environment[k]; v != nil {
				return *v
			}
			return ""
		}
		if cfg.Host != postgres.Name || cfg.Port != 5432 || cfg.User != pgEnv("POSTGRES_USER") ||
			cfg.Password != composeEnv["POSTGRES_PASSWORD"] || cfg.Password != pgEnv("POSTGRES_PASSWORD") || cfg.Database != pgEnv("POSTGRES_DB") {
			t.Errorf("%s: --postgres names %s@%s:%d/%s (password from the environment: %v), want %s's user, database and password on 5432",
				s.name, cfg.User, cfg.Host, cfg.Port, cfg.Database, cfg.Password == composeEnv["POSTGRES_PASSWORD"], postgres.Name)
		}
		if d, ok := s.svc.DependsOn[postgres.Name]; !ok || d.Condition != types.ServiceConditionHealthy {
			t.Errorf("%s does not wait for postgres to be healthy", s.name)
		}
		if s.svc.StopGracePeriod == nil || time.Duration(*s.svc.StopGracePeriod) <= server.DrainTimeout {
			t.Errorf("%s: stop_grace_period %v does not leave the handlers their drain (%v)", s.name, s.svc.StopGracePeriod, server.DrainTimeout)
		}
	}
	handlers := 0
	for _, s := range services {
		if s.sub() == "handlers" {
			handlers++
		}
	}
	if handlers < 2 {
		t.Errorf("%d handlers services, want 2", handlers)
	}
}

// servedPorts are the game ports an edge listens on.
func servedPorts(s *composeService) map[string]int {
	if slices.Contains(s.svc.Command, "--fmp-only") {
		return map[string]int{"fmp": s.o.fmpPort}
	}
	return map[string]int{"opn": s.o.opnPort, "lmp": s.o.lmpPort, "fmp": s.o.fmpPort, "rfp": s.o.rfpPort}
}

func checkComposeEdges(t *testing.T, services []*composeService) {
	hostPorts := map[int][]*composeService{}
	var shared, fmpOnly int
	for _, s := range services {
		if s.sub() != "edge" {
			continue
		}
		if ip := net.ParseIP(s.o.advertise); ip == nil || ip.To4() == nil {
			t.Errorf("%s: advertise %q is not an IPv4 address", s.name, s.o.advertise)
		}
		if slices.Contains(s.svc.Command, "--fmp-only") {
			fmpOnly++
			if s.o.world == "" {
				t.Errorf("%s: an FMP-only edge without its own --world", s.name)
			}
		}
		if s.svc.NetworkMode == "host" {
			if len(s.svc.Ports) > 0 {
				t.Errorf("%s: host networking and a ports section", s.name)
			}
			for _, p := range servedPorts(s) {
				hostPorts[p] = append(hostPorts[p], s)
			}
			continue
		}
		// Bridge: every port it serves is published under the same number
		// (the edge registers the port it listens on, and the game is sent
		// there).
		for server, port := range servedPorts(s) {
			if !slices.ContainsFunc(s.svc.Ports, func(pc types.ServicePortConfig) bool {
				return int(pc.Target) == port && pc.Published == strconv.Itoa(port)
			}) {
				t.Errorf("%s: --%s-port %d is not published as %d", s.name, server, port, port)
			}
		}
	}
	for port, on := range hostPorts {
		if len(on) < 2 {
			continue
		}
		shared++
		for _, s := range on {
			if !s.o.reusePort {
				t.Errorf("%s shares host port %d without --reuse-port", s.name, port)
			}
		}
	}
	if shared != 4 {
		t.Errorf("%d game ports shared by edges on the host, want all 4", shared)
	}
	if fmpOnly != 1 {
		t.Errorf("%d FMP-only edges, want 1", fmpOnly)
	}
}

// checkComposeHealth checks that each mh3net healthcheck asks what the
// service serves.
func checkComposeHealth(t *testing.T, services []*composeService) {
	for _, s := range services {
		if s.svc.Restart == "no" {
			continue
		}
		test := s.svc.HealthCheck.Test
		if len(test) < 3 || test[0] != "CMD" || test[1] != "/usr/local/bin/mh3net" || test[2] != "health" {
			t.Errorf("%s: healthcheck %v: want CMD /usr/local/bin/mh3net health …", s.name, test)
			continue
		}
		fs := flag.NewFlagSet("health", flag.ContinueOnError)
		tcp := fs.String("tcp", "", "")
		handlers := fs.Bool("handlers", false, "")
		var o options
		fs.StringVar(&o.natsURL, "nats", "", "")
		o.natsClientFlags(fs)
		if err := fs.Parse(test[3:]); err != nil {
			t.Errorf("%s: healthcheck %v: %v", s.name, test, err)
			continue
		}
		var listens []int
		switch s.sub() {
		case "nats":
			listens = []int{clientPort(s)}
		case "edge":
			for _, p := range servedPorts(s) {
				listens = append(listens, p)
			}
		}
		for _, addr := range splitList(*tcp) {
			host, p, err := net.SplitHostPort(addr)
			port, _ := strconv.Atoi(p)
			if err != nil || host != "127.0.0.1" || !slices.Contains(listens, port) {
				t.Errorf("%s: healthcheck dials %s, which is not a port it listens on (%v)", s.name, addr, listens)
			}
		}
		if *handlers && (s.sub() != "handlers" || o.natsURL != s.o.natsURL) {
			t.Errorf("%s: healthcheck pings the handlers through %q", s.name, o.natsURL)
		}
		if *tcp == "" && !*handlers {
			t.Errorf("%s: healthcheck checks nothing", s.name)
		}
	}
}
