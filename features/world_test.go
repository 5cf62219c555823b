package features

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/pat"
)

// The hunting world (world.feature), played on a cluster of processes:
// every hunter is a console logged in through the LMP and FMP of a
// chosen edge.

// hunter is one player in the world.
type hunter struct {
	name   string
	id     string // Capcom ID
	con    *gameclient.Console
	cl     *gameclient.Client
	edge   int
	server int
	gate   int
	city   int
	host   string // the host AnsLayerHost named on the last join
	// refused is the alert the last refused request got.
	refused *gameclient.ErrAlert
	// kept are notifications read while looking for another one of the
	// same kind, for the next look.
	kept []pat.Packet
	// party and slot: the hunter's circle and its slot in it (0: none).
	party uint32
	slot  uint8
}

// worldState is the hunters of one scenario and their cluster.
type worldState struct {
	c       *cluster
	hunters map[string]*hunter
	killed  time.Time // when the last edge was killed
	// parties maps a leader's name to its circle's index (circles.feature).
	parties map[string]uint32
	// last is the kind of notice the last "sees"/"is told" step looked
	// for ("... is not told it" checks others did not get one).
	last pat.ID
}

// quiet is how long a hunter listens before it is sure nothing came.
const quiet = 500 * time.Millisecond

func (s *state) worldSteps(sc *godog.ScenarioContext) {
	sc.Step(`^a world of two edges and two handler processes(?: with a (\d+) s lease)?$`, s.runningWorld)
	sc.Step(`^hunter "([^"]*)" arrives on server (\d+) through edge (\d+)$`, s.arrives)
	sc.Step(`^hunter "([^"]*)" stands at gate (\d+) of server (\d+) through edge (\d+)$`, s.standsAtGate)
	sc.Step(`^"([^"]*)" enters gate (\d+)$`, s.entersGate)
	sc.Step(`^"([^"]*)" sees "([^"]*)" come in$`, s.seesComeIn)
	sc.Step(`^(?:within two lease periods )?"([^"]*)" sees "([^"]*)" leave$`, s.seesLeave)
	sc.Step(`^"([^"]*)" creates city (\d+)$`, s.createsCity)
	sc.Step(`^"([^"]*)" joins city (\d+)$`, s.joinsCity)
	sc.Step(`^"([^"]*)" tries to join city (\d+)$`, s.triesToJoin)
	sc.Step(`^"([^"]*)" is told the city is full$`, s.toldFull)
	sc.Step(`^"([^"]*)" is told "([^"]*)" hosts the city$`, s.toldHost)
	sc.Step(`^(?:within two lease periods )?"([^"]*)" is told "([^"]*)" hosts now$`, s.toldHostNow)
	sc.Step(`^"([^"]*)" is told of no new host$`, s.noNewHost)
	sc.Step(`^the user list of "([^"]*)" shows (.+)$`, s.userList)
	sc.Step(`^"([^"]*)" and "([^"]*)" see each other move$`, s.seeEachOtherMove)
	sc.Step(`^the gate list of "([^"]*)" shows city (\d+) with (\d+) hunters?$`, s.gateListPopulation)
	sc.Step(`^the gate list of "([^"]*)" shows city (\d+) as full$`, s.gateListFull)
	sc.Step(`^"([^"]*)" leaves the city$`, s.leavesCity)
	sc.Step(`^nothing changes for (.+)$`, s.nothingChanges)
	sc.Step(`^"([^"]*)" starts creating city (\d+)$`, s.startsCreating)
	sc.Step(`^the connection of "([^"]*)" drops$`, s.connectionDrops)
	sc.Step(`^"([^"]*)" cannot create city (\d+): it is reserved$`, s.cannotCreateReserved)
	sc.Step(`^"([^"]*)" creates city (\d+) once the reservation lapses$`, s.createsOnceLapsed)
	sc.Step(`^"([^"]*)" says "([^"]*)"$`, s.says)
	sc.Step(`^"([^"]*)" hears "([^"]*)" say "([^"]*)"$`, s.hears)
	sc.Step(`^"([^"]*)" hears no chat$`, s.hearsNoChat)
	sc.Step(`^edge (\d+) dies$`, s.edgeDies)
	sc.Step(`^the server list of "([^"]*)" shows server (\d+) with (\d+) hunters? and server (\d+) with (\d+) hunters?$`, s.serverList)
	sc.Step(`^"([^"]*)" moves to server (\d+)$`, s.movesToServer)
	s.circleSteps(sc)
	s.socialSteps(sc)
}

// stopWorld closes the hunters and stops the cluster.
func (w *worldState) stop(failed bool) {
	for _, h := range w.hunters {
		if h.cl != nil {
			h.cl.Close()
		}
	}
	if w.c != nil {
		w.c.stop(failed)
	}
}

func (s *state) runningWorld(lease string) error {
	s.world = &worldState{hunters: map[string]*hunter{}, parties: map[string]uint32{}}
	var d time.Duration
	if lease != "" {
		n, err := strconv.Atoi(lease)
		if err != nil {
			return err
		}
		d = time.Duration(n) * time.Second
	}
	c, err := startCluster(s.t, d)
	s.world.c = c
	return err
}

func (s *state) hunter(name string) (*hunter, error) {
	if s.world == nil {
		return nil, errors.New("no world running")
	}
	h, ok := s.world.hunters[name]
	if !ok {
		return nil, fmt.Errorf("no hunter %q", name)
	}
	return h, nil
}

// arrives logs a new console in through edge n's LMP and FMP and plays
// the arrival on server.
func (s *state) arrives(name string, server, n int) error {
	if s.world == nil {
		return errors.New("no world running")
	}
	e, err := s.world.c.edge(n)
	if err != nil {
		return err
	}
	h := &hunter{name: name, con: &gameclient.Console{}, edge: n, server: server}
	h.cl, h.id, err = gameclient.LoginFromLMP(e.addr(e.lmp), e.addr(e.fmp), h.con, name, server)
	if err != nil {
		return fmt.Errorf("%s logs in through edge %d: %w", name, n, err)
	}
	s.world.hunters[name] = h
	if _, _, err := h.cl.Arrive(50); err != nil {
		return fmt.Errorf("%s arrives: %w", name, err)
	}
	return nil
}

func (s *state) standsAtGate(name string, gate, server, n int) error {
	if err := s.arrives(name, server, n); err != nil {
		return err
	}
	return s.entersGate(name, gate)
}

func (s *state) entersGate(name string, gate int) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	if err := h.cl.Down(uint16(gate)); err != nil {
		return fmt.Errorf("%s enters gate %d: %w", name, gate, err)
	}
	h.gate = gate
	return nil
}

// await returns the first notification id that match accepts, arriving
// within d; others of that id read meanwhile are kept for later looks.
func (h *hunter) await(id pat.ID, d time.Duration, match func(pat.Packet) bool) (pat.Packet, error) {
	for i, p := range h.kept {
		if p.ID == id && match(p) {
			h.kept = append(h.kept[:i:i], h.kept[i+1:]...)
			return p, nil
		}
	}
	deadline := time.Now().Add(d)
	old := h.cl.Timeout
	defer func() { h.cl.Timeout = old }()
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return pat.Packet{}, fmt.Errorf("%s got no matching %s within %v", h.name, id, d)
		}
		h.cl.Timeout = left
		p, err := h.cl.Notice(id, nil)
		if err != nil {
			return p, fmt.Errorf("%s waiting for %s: %w", h.name, id, err)
		}
		if match(p) {
			return p, nil
		}
		h.kept = append(h.kept, p)
	}
}

// about matches notifications that start with an lp2 Capcom ID (NtcLayerIn,
// NtcLayerOut).
func about(capcomID string) func(pat.Packet) bool {
	return func(p pat.Packet) bool {
		r := pat.NewReader(p.Payload)
		return string(r.LP2()) == capcomID
	}
}

// noticeWait is how long a hunter waits for a notification: two lease
// periods after an edge died (the sweep), a few seconds otherwise.
func (s *state) noticeWait() time.Duration {
	if !s.world.killed.IsZero() {
		if d := time.Until(s.world.killed.Add(2*s.world.c.lease + time.Second)); d > 0 {
			return d
		}
		return 0
	}
	return 5 * time.Second
}

func (s *state) seesComeIn(name, other string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	o, err := s.hunter(other)
	if err != nil {
		return err
	}
	p, err := h.await(pat.IDNtcLayerIn, s.noticeWait(), about(o.id))
	if err != nil {
		return err
	}
	var in pat.NtcLayerIn
	if err := pat.Unmarshal(p.Payload, &in); err != nil {
		return err
	}
	if got := string(in.User.Bytes(pat.LayerUserHunterName)); got != o.name {
		return fmt.Errorf("%s sees %s come in named %q", name, other, got)
	}
	return nil
}

func (s *state) seesLeave(name, other string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	o, err := s.hunter(other)
	if err != nil {
		return err
	}
	if _, err := h.await(pat.IDNtcLayerOut, s.noticeWait(), about(o.id)); err != nil {
		return err
	}
	if !s.world.killed.IsZero() {
		s.t.Logf("%s saw %s leave %v after edge %d was killed (lease %v)", name, other, time.Since(s.world.killed).Round(10*time.Millisecond), o.edge, s.world.c.lease)
	}
	return nil
}

func (s *state) createsCity(name string, n int) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	if err := h.cl.CreateCity(uint16(n), nil); err != nil {
		return fmt.Errorf("%s creates city %d: %w", name, n, err)
	}
	h.city = n
	return nil
}

func (s *state) joinsCity(name string, n int) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	host, err := h.cl.JoinCity(uint32(h.server), uint16(h.gate), uint16(n))
	if err != nil {
		return fmt.Errorf("%s joins city %d: %w", name, n, err)
	}
	h.city, h.host = n, host
	return nil
}

// settle lets every hunter but one read what was sent to it so far and
// forgets it, so that what follows is seen alone.
func (s *state) settle(except *hunter) {
	var wg sync.WaitGroup
	for _, h := range s.world.hunters {
		if h == except || h.cl == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.cl.Drain(quiet)
			h.cl.Pending()
			h.kept = nil
		}()
	}
	wg.Wait()
}

func (s *state) triesToJoin(name string, n int) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	// What the others see from here on is the attempt's doing.
	s.settle(h)
	err = h.cl.Down(uint16(n))
	var alert *gameclient.ErrAlert
	if !errors.As(err, &alert) {
		return fmt.Errorf("%s tries city %d: %v, want an alert", name, n, err)
	}
	if alert.ID != pat.IDAnsLayerDown.Alert() {
		return fmt.Errorf("%s tries city %d: refused with %s, want the alert of AnsLayerDown", name, n, alert.ID)
	}
	h.refused = alert
	return nil
}

func (s *state) toldFull(name string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	a := h.refused
	if a == nil || !strings.Contains(a.Message, "full") {
		return fmt.Errorf("%s was told %v, want the city is full", name, a)
	}
	return nil
}

func (s *state) toldHost(name, host string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	o, err := s.hunter(host)
	if err != nil {
		return err
	}
	if h.host != o.id {
		return fmt.Errorf("%s was told %q hosts, want %s (%s)", name, h.host, host, o.id)
	}
	return nil
}

func (s *state) toldHostNow(name, host string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	o, err := s.hunter(host)
	if err != nil {
		return err
	}
	p, err := h.await(pat.IDNtcLayerHost, s.noticeWait(), func(pat.Packet) bool { return true })
	if err != nil {
		return err
	}
	var m pat.NtcLayerHost
	if err := pat.Unmarshal(p.Payload, &m); err != nil {
		return err
	}
	if string(m.CapcomID) != o.id || string(m.HunterName) != o.name {
		return fmt.Errorf("%s was told %s (%q) hosts now, want %s (%s)", name, m.CapcomID, m.HunterName, host, o.id)
	}
	if !s.world.killed.IsZero() {
		s.t.Logf("%s was told the new host %v after the edge was killed (lease %v)", name, time.Since(s.world.killed).Round(10*time.Millisecond), s.world.c.lease)
	}
	return nil
}

// noNewHost: no host hand-over reached the hunter.
func (s *state) noNewHost(name string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	h.cl.Drain(quiet)
	if got := h.cl.Notices(pat.IDNtcLayerHost); len(got) > 0 {
		var m pat.NtcLayerHost
		pat.Unmarshal(got[0].Payload, &m)
		return fmt.Errorf("%s was told %s (%q) hosts now", name, m.CapcomID, m.HunterName)
	}
	return nil
}

var quoted = regexp.MustCompile(`"([^"]*)"`)

// named reads `"A", "B" and "C"` as hunters.
func (s *state) named(list string) ([]*hunter, error) {
	var out []*hunter
	for _, m := range quoted.FindAllStringSubmatch(list, -1) {
		h, err := s.hunter(m[1])
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no hunters named in %q", list)
	}
	return out, nil
}

// sameHunters compares Capcom IDs as sets.
func sameHunters(got []string, want []*hunter) bool {
	w := make([]string, 0, len(want))
	for _, h := range want {
		w = append(w, h.id)
	}
	g := append([]string(nil), got...)
	sort.Strings(g)
	sort.Strings(w)
	return strings.Join(g, ",") == strings.Join(w, ",")
}

func (s *state) userList(name, list string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	want, err := s.named(list)
	if err != nil {
		return err
	}
	// The city's list is read at the city's head; a gate's from a world
	// view, which follows the log: wait for it a little.
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := h.cl.Users()
		if err != nil {
			return fmt.Errorf("user list of %s: %w", name, err)
		}
		if sameHunters(got, want) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("user list of %s holds %v, want %s", name, got, list)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *state) seeEachOtherMove(a, b string) error {
	for _, pair := range [][2]string{{a, b}, {b, a}} {
		from, err := s.hunter(pair[0])
		if err != nil {
			return err
		}
		to, err := s.hunter(pair[1])
		if err != nil {
			return err
		}
		step := []byte("pos:" + from.name)
		if err := from.cl.Position(step); err != nil {
			return err
		}
		p, err := to.await(pat.IDNtcLayerUserPosition, s.noticeWait(), about(from.id))
		if err != nil {
			return err
		}
		var m pat.NtcLayerUserPosition
		if err := pat.Unmarshal(p.Payload, &m); err != nil {
			return err
		}
		if string(m.Payload) != string(step) {
			return fmt.Errorf("%s got %q from %s, sent %q", to.name, m.Payload, from.name, step)
		}
	}
	return nil
}

// cityEntry polls the gate list of a hunter (the cities below it at a
// gate, beside it in a city) until ok accepts city n's entry (lists read
// a world view, which follows the log).
func (s *state) cityEntry(name string, n int, ok func(pat.Data) bool) (pat.Data, error) {
	h, err := s.hunter(name)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		list := h.cl.Children
		if h.city != 0 {
			list = h.cl.Siblings
		}
		cities, err := list()
		if err != nil {
			return nil, fmt.Errorf("gate list of %s: %w", name, err)
		}
		if n < 1 || n > len(cities) {
			return nil, fmt.Errorf("gate list of %s has %d cities, no city %d", name, len(cities), n)
		}
		d := cities[n-1].Data
		if ok(d) || time.Now().After(deadline) {
			return d, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *state) gateListPopulation(name string, n, want int) error {
	d, err := s.cityEntry(name, n, func(d pat.Data) bool { return int(d.Num(pat.LayerPopulation)) == want })
	if err != nil {
		return err
	}
	if got := int(d.Num(pat.LayerPopulation)); got != want {
		return fmt.Errorf("the gate list of %s shows city %d with %d hunters, want %d", name, n, got, want)
	}
	return nil
}

func (s *state) gateListFull(name string, n int) error {
	d, err := s.cityEntry(name, n, func(d pat.Data) bool { return d.Num(pat.LayerState) == pat.LayerStateFull })
	if err != nil {
		return err
	}
	if st := d.Num(pat.LayerState); st != pat.LayerStateFull {
		return fmt.Errorf("the gate list of %s shows city %d in state %d, want full (%d)", name, n, st, pat.LayerStateFull)
	}
	return nil
}

func (s *state) leavesCity(name string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	if err := h.cl.Up(); err != nil {
		return fmt.Errorf("%s leaves the city: %w", name, err)
	}
	h.city = 0
	return nil
}

// nothingChanges: since the last attempt, the hunters of a city saw no
// one come, go or take over, and their city still holds exactly them.
func (s *state) nothingChanges(list string) error {
	hs, err := s.named(list)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	for _, h := range hs {
		wg.Add(1)
		go func() { defer wg.Done(); h.cl.Drain(quiet) }()
	}
	wg.Wait()
	for _, h := range hs {
		for _, id := range []pat.ID{pat.IDNtcLayerIn, pat.IDNtcLayerOut, pat.IDNtcLayerHost} {
			if got := h.cl.Notices(id); len(got) > 0 {
				return fmt.Errorf("%s got %d %s", h.name, len(got), id)
			}
		}
		got, err := h.cl.Users()
		if err != nil {
			return err
		}
		if !sameHunters(got, hs) {
			return fmt.Errorf("user list of %s holds %v, want %s", h.name, got, list)
		}
	}
	return nil
}

func (s *state) startsCreating(name string, n int) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	if err := h.cl.ReserveCity(uint16(n)); err != nil {
		return fmt.Errorf("%s reserves city %d: %w", name, n, err)
	}
	return nil
}

func (s *state) connectionDrops(name string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	return h.cl.Close()
}

func (s *state) cannotCreateReserved(name string, n int) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	err = h.cl.ReserveCity(uint16(n))
	var alert *gameclient.ErrAlert
	// MH3SP counts a reserved city as full: another creator is told it
	// already exists.
	if !errors.As(err, &alert) || !strings.Contains(alert.Message, "already exists") {
		return fmt.Errorf("%s creating reserved city %d: %v, want the alert that it already exists", name, n, err)
	}
	return nil
}

// createsOnceLapsed retries the creation until the reservation lapsed: it
// must succeed within the reservation time and is refused until then.
func (s *state) createsOnceLapsed(name string, n int) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	start := time.Now()
	deadline := start.Add(clusterReservation + 5*time.Second)
	for {
		err := h.cl.ReserveCity(uint16(n))
		if err == nil {
			break
		}
		var alert *gameclient.ErrAlert
		if !errors.As(err, &alert) {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s still refused city %d after %v: %v", name, n, time.Since(start), err)
		}
		time.Sleep(250 * time.Millisecond)
	}
	s.t.Logf("%s got city %d %v after the first refusal (reservation %v)", name, n, time.Since(start).Round(10*time.Millisecond), clusterReservation)
	if err := h.cl.Call(&pat.ReqLayerCreateSet{Number: uint16(n)}, &pat.AnsLayerCreateSet{}); err != nil {
		return err
	}
	if err := h.cl.Call(&pat.ReqLayerCreateFoot{Number: uint16(n)}, &pat.AnsLayerCreateFoot{}); err != nil {
		return err
	}
	h.city = n
	return nil
}

func (s *state) says(name, text string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	return h.cl.Chat(text)
}

func (s *state) hears(name, from, text string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	o, err := s.hunter(from)
	if err != nil {
		return err
	}
	p, err := h.await(pat.IDNtcLayerChat, s.noticeWait(), func(pat.Packet) bool { return true })
	if err != nil {
		return err
	}
	var m pat.NtcLayerChat
	if err := pat.Unmarshal(p.Payload, &m); err != nil {
		return err
	}
	if got := string(m.Info.Bytes(pat.MessageSenderID)); got != o.id || string(m.Text) != text {
		return fmt.Errorf("%s heard %s say %q, want %s (%s) say %q", name, got, m.Text, from, o.id, text)
	}
	return nil
}

func (s *state) hearsNoChat(name string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	h.cl.Drain(quiet)
	if got := h.cl.Notices(pat.IDNtcLayerChat); len(got) > 0 {
		var m pat.NtcLayerChat
		pat.Unmarshal(got[0].Payload, &m)
		return fmt.Errorf("%s heard %q", name, m.Text)
	}
	return nil
}

func (s *state) edgeDies(n int) error {
	if s.world == nil {
		return errors.New("no world running")
	}
	e, err := s.world.c.edge(n)
	if err != nil {
		return err
	}
	if err := e.kill(); err != nil {
		return err
	}
	s.world.killed = time.Now()
	return nil
}

func (s *state) serverList(name string, a, wantA, b, wantB int) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	// Populations come from who is online, watched by every handler.
	deadline := time.Now().Add(5 * time.Second)
	for {
		list, err := h.cl.FmpList2()
		if err != nil {
			return fmt.Errorf("server list of %s: %w", name, err)
		}
		pop := map[int]int{}
		for _, d := range list {
			pop[int(d.Num(pat.FmpIndex))] = int(d.Num(pat.FmpPopulation))
		}
		if len(list) != 12 {
			return fmt.Errorf("server list of %s has %d servers, want 12", name, len(list))
		}
		if pop[a] == wantA && pop[b] == wantB {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server list of %s: server %d holds %d, server %d holds %d; want %d and %d", name, a, pop[a], b, pop[b], wantA, wantB)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *state) movesToServer(name string, server int) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	cl, sent, err := h.cl.ServerChange(h.con, server, "")
	if err != nil {
		return fmt.Errorf("%s moves to server %d: %w", name, server, err)
	}
	h.cl = cl
	if !s.world.c.isEdgeFMP(sent) {
		return fmt.Errorf("%s was sent to %s, which is no edge's FMP", name, sent)
	}
	if _, _, err := cl.Arrive(50); err != nil {
		return fmt.Errorf("%s arrives on server %d: %w", name, server, err)
	}
	h.server, h.gate, h.city = server, 0, 0
	return nil
}
