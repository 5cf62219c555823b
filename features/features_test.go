// Package features runs the godog features in this folder against a real
// mh3net server, driven over TCP by a PAT client that behaves like the
// game: started in process (embedded NATS, all four listeners, handlers)
// for logins and persistence, and as separate processes of the built
// binary (NATS, two handler processes, two edges) for the hunting world.
package features

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cucumber/godog"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/pat"
	"github.com/mh3net/mh3net/pgtest"
	"github.com/mh3net/mh3net/server"
)

func TestFeatures(t *testing.T) {
	paths := []string{"."}
	if p := os.Getenv("MH3NET_FEATURES"); p != "" {
		paths = strings.Split(p, ",") // e.g. circles.feature,social.feature:12
	}
	suite := godog.TestSuite{
		Name:                "mh3net",
		ScenarioInitializer: func(sc *godog.ScenarioContext) { initScenario(t, sc) },
		Options: &godog.Options{
			Format:   "pretty",
			Paths:    paths,
			Strict:   true,
			TestingT: t,
		},
	}
	if suite.Run() != 0 {
		t.Fatal("features failed")
	}
}

// state is one scenario's world.
type state struct {
	t       *testing.T
	srv     *server.Server
	cfg     server.Config
	cl      *gameclient.Client
	con     *gameclient.Console
	lmp     string
	fmp     string
	slots   []gameclient.Slot
	capcom  string
	names   map[string]*player
	intrude *gameclient.Client
	world   *worldState // world.feature
}

// player is a named console with its live connection.
type player struct {
	con  *gameclient.Console
	cl   *gameclient.Client
	next *gameclient.Client
}

func initScenario(t *testing.T, sc *godog.ScenarioContext) {
	s := &state{t: t, names: map[string]*player{}}
	sc.After(func(ctx context.Context, _ *godog.Scenario, err error) (context.Context, error) {
		for _, c := range []*gameclient.Client{s.cl, s.intrude} {
			if c != nil {
				c.Close()
			}
		}
		for _, p := range s.names {
			for _, c := range []*gameclient.Client{p.cl, p.next} {
				if c != nil {
					c.Close()
				}
			}
		}
		if s.srv != nil {
			s.srv.Close()
		}
		if s.world != nil {
			s.world.stop(err != nil)
		}
		return ctx, err
	})

	sc.Step(`^a running mh3net server$`, s.runningServer)
	sc.Step(`^a running mh3net server with Postgres$`, s.runningServerWithPostgres)
	sc.Step(`^the server restarts$`, s.restart)
	sc.Step(`^console "([^"]*)" finds hunter "([^"]*)" in slot (\d+)$`, s.findsHunter)
	sc.Step(`^a Dolphin console connects to OPN$`, func() error { return s.connectOPN(false) })
	sc.Step(`^a Wii console connects to OPN$`, func() error { return s.connectOPN(true) })
	sc.Step(`^it receives ReqConnection and answers it$`, s.answerConnection)
	sc.Step(`^OPN sends NtcLogin status (\d+)$`, s.expectStatus)
	sc.Step(`^LMP sends NtcLogin status (\d+)$`, s.expectStatus)
	sc.Step(`^FMP sends NtcLogin status (\d+)$`, s.expectStatus)
	sc.Step(`^the OPN texts are served: terms, announcement and no-charge notice$`, s.opnTexts)
	sc.Step(`^ReqLmpConnect sends the game to the LMP server$`, s.lmpConnect)
	sc.Step(`^the console connects to LMP without a ticket$`, func() error { return s.connectLMP(false) })
	sc.Step(`^the console reconnects to LMP with its ticket$`, func() error { return s.connectLMP(true) })
	sc.Step(`^the console gets an online support code and a PAT ticket$`, s.supportCodeAndTicket)
	sc.Step(`^its user list shows (\d+) empty slots$`, s.emptySlots)
	sc.Step(`^it creates hunter "([^"]*)" in slot (\d+)$`, s.createHunter)
	sc.Step(`^slot (\d+) holds a new Capcom ID named "([^"]*)"$`, s.slotHolds)
	sc.Step(`^the FMP list shows (\d+) servers$`, s.fmpList)
	sc.Step(`^ReqFmpInfo for server (\d+) sends the game to the FMP server$`, s.fmpInfo)
	sc.Step(`^the console connects to FMP with its ticket$`, s.connectFMP)

	sc.Step(`^a console "([^"]*)" with hunter "([^"]*)" online on LMP$`, s.consoleOnline)
	sc.Step(`^console "([^"]*)" logs in again on another connection and picks slot (\d+)$`, s.loginAgain)
	sc.Step(`^the first connection receives NtcShut and is closed$`, s.firstKicked)
	sc.Step(`^the second connection keeps working$`, s.secondWorks)

	sc.Step(`^a console "([^"]*)" connected to LMP$`, s.consoleConnected)
	sc.Step(`^another client sends a frame announcing (\d+) bytes$`, s.oversizedFrame)
	sc.Step(`^that client is disconnected$`, s.intruderClosed)
	sc.Step(`^console "([^"]*)" still gets answers$`, s.stillAnswers)

	s.worldSteps(sc)
}

func (s *state) runningServer() error {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("MH3NET_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s.cfg = server.Config{
		Edge: true, Handlers: true,
		DataDir:         s.t.TempDir(),
		Host:            "127.0.0.1",
		Advertise:       "127.0.0.1",
		Ports:           map[string]int{},
		ConnectionDelay: 50 * time.Millisecond,
		Logger:          log,
		Postgres:        s.cfg.Postgres,
	}
	srv, err := server.Start(context.Background(), s.cfg)
	if err != nil {
		return err
	}
	s.srv = srv
	return nil
}

func (s *state) runningServerWithPostgres() error {
	pg, err := pgtest.StartServer()
	if err != nil {
		return err
	}
	s.t.Cleanup(pg.Destroy)
	s.cfg.Postgres = pg.URL()
	return s.runningServer()
}

// restart stops the server (players are told and disconnected) and starts
// it again on the same data, on new ports.
func (s *state) restart() error {
	for _, p := range s.names {
		p.cl.Close()
	}
	if err := s.srv.Close(); err != nil {
		return err
	}
	srv, err := server.Start(context.Background(), s.cfg)
	if err != nil {
		return err
	}
	s.srv = srv
	return nil
}

func (s *state) findsHunter(label, hunter string, slot int) error {
	p := s.names[label]
	cl, err := gameclient.Dial(s.srv.Addr("lmp").String())
	if err != nil {
		return err
	}
	defer cl.Close()
	slots, err := cl.LMPFirst(&gameclient.Console{SupportCode: p.con.SupportCode})
	if err != nil {
		return err
	}
	if slots[slot-1].Name != hunter || slots[slot-1].CapcomID == "******" {
		return fmt.Errorf("slot %d holds %+v, want hunter %q", slot, slots[slot-1], hunter)
	}
	return nil
}

func (s *state) connectOPN(wii bool) error {
	addr := s.srv.Addr("opn").String()
	var err error
	if wii {
		s.cl, err = gameclient.DialWii(addr)
	} else {
		s.cl, err = gameclient.DialTLS(addr, false)
	}
	s.con = &gameclient.Console{}
	return err
}

func (s *state) answerConnection() error {
	if _, err := s.cl.Expect(pat.IDReqConnection, nil); err != nil {
		return err
	}
	_, err := s.cl.Send(&pat.AnsConnection{Data: s.con.ConnectionData(true)})
	return err
}

func (s *state) expectStatus(want int) error {
	var n pat.NtcLogin
	if _, err := s.cl.Expect(pat.IDNtcLogin, &n); err != nil {
		return err
	}
	if int(n.Status) != want {
		return fmt.Errorf("NtcLogin status %d, want %d", n.Status, want)
	}
	return nil
}

func (s *state) opnTexts() error {
	var tv pat.AnsTermsVersion
	if err := s.cl.Call(&pat.ReqTermsVersion{}, &tv); err != nil {
		return err
	}
	var terms pat.AnsTerms
	if err := s.cl.Call(&pat.ReqTerms{Version: tv.Version, Size: tv.Size}, &terms); err != nil {
		return err
	}
	if len(terms.Terms) == 0 || uint32(len(terms.Terms)) != tv.Size {
		return fmt.Errorf("terms: %d bytes, announced %d", len(terms.Terms), tv.Size)
	}
	var a pat.AnsAnnounce
	if err := s.cl.Call(&pat.ReqAnnounce{}, &a); err != nil {
		return err
	}
	var nc pat.AnsNoCharge
	if err := s.cl.Call(&pat.ReqNoCharge{}, &nc); err != nil {
		return err
	}
	if len(a.Text) == 0 || len(nc.Text) == 0 {
		return errors.New("empty announcement or no-charge text")
	}
	return nil
}

func (s *state) lmpConnect() error {
	var lc pat.AnsLmpConnect
	if err := s.cl.Call(&pat.ReqLmpConnect{}, &lc); err != nil {
		return err
	}
	s.lmp = gameclient.Addr(lc.Address, lc.Port)
	if s.lmp != s.srv.Addr("lmp").String() {
		return fmt.Errorf("sent to %s, LMP listens on %s", s.lmp, s.srv.Addr("lmp"))
	}
	return s.cl.Shut(2)
}

func (s *state) connectLMP(withTicket bool) error {
	if s.lmp == "" {
		s.lmp = s.srv.Addr("lmp").String()
	}
	cl, err := gameclient.Dial(s.lmp)
	if err != nil {
		return err
	}
	s.cl = cl
	if _, err := cl.Expect(pat.IDReqConnection, nil); err != nil {
		return err
	}
	_, err = cl.Send(&pat.AnsConnection{Data: s.con.ConnectionData(withTicket)})
	return err
}

func (s *state) supportCodeAndTicket() error {
	var login pat.Data
	var li pat.AnsLoginInfo
	if err := s.cl.Call(&pat.ReqLoginInfo{Info: login}, &li); err != nil {
		return err
	}
	s.con.SupportCode = string(li.ChargeInfo.Bytes(pat.ChargeOnlineSupportCode))
	if len(s.con.SupportCode) != 11 {
		return fmt.Errorf("support code %q", s.con.SupportCode)
	}
	var t pat.AnsTicket
	if err := s.cl.Call(&pat.ReqTicket{}, &t); err != nil {
		return err
	}
	s.con.Ticket = string(t.Ticket)
	if len(s.con.Ticket) != 11 {
		return fmt.Errorf("ticket %q", s.con.Ticket)
	}
	return nil
}

func (s *state) emptySlots(n int) error {
	slots, err := s.cl.UserList()
	if err != nil {
		return err
	}
	if len(slots) != n {
		return fmt.Errorf("%d slots, want %d", len(slots), n)
	}
	for i, sl := range slots {
		if sl.CapcomID != "******" {
			return fmt.Errorf("slot %d holds %q", i+1, sl.CapcomID)
		}
	}
	return s.cl.Shut(2)
}

func (s *state) createHunter(name string, slot int) error {
	id, err := s.cl.PickSlot(slot, true, name)
	if err != nil {
		return err
	}
	s.capcom = id
	return nil
}

func (s *state) slotHolds(slot int, name string) error {
	if len(s.capcom) != 6 || s.capcom == "******" {
		return fmt.Errorf("Capcom ID %q", s.capcom)
	}
	slots, err := s.cl.UserList()
	if err != nil {
		return err
	}
	got := slots[slot-1]
	if got.CapcomID != s.capcom || got.Name != name {
		return fmt.Errorf("slot %d = %+v, want %s %q", slot, got, s.capcom, name)
	}
	return nil
}

func (s *state) fmpList(n int) error {
	list, err := s.cl.FmpList()
	if err != nil {
		return err
	}
	if len(list) != n {
		return fmt.Errorf("%d servers, want %d", len(list), n)
	}
	return nil
}

func (s *state) fmpInfo(index int) error {
	addr, err := s.cl.FmpInfo(index)
	if err != nil {
		return err
	}
	if addr != s.srv.Addr("fmp").String() {
		return fmt.Errorf("sent to %s, FMP listens on %s", addr, s.srv.Addr("fmp"))
	}
	s.fmp = addr
	return s.cl.Shut(2)
}

func (s *state) connectFMP() error {
	cl, err := gameclient.Dial(s.fmp)
	if err != nil {
		return err
	}
	s.cl = cl
	if _, err := cl.Expect(pat.IDReqConnection, nil); err != nil {
		return err
	}
	_, err = cl.Send(&pat.AnsConnection{Data: s.con.ConnectionData(true)})
	return err
}

// loginToSlot runs the LMP part for a console up to a chosen profile and
// returns the open second LMP connection.
func (s *state) loginToSlot(con *gameclient.Console, slot int, name string) (*gameclient.Client, error) {
	lmp := s.srv.Addr("lmp").String()
	first, err := gameclient.Dial(lmp)
	if err != nil {
		return nil, err
	}
	if _, err := first.LMPFirst(con); err != nil {
		return nil, err
	}
	cl, err := gameclient.Dial(lmp)
	if err != nil {
		return nil, err
	}
	if st, err := cl.Greet(con, true); err != nil || st != 2 {
		return nil, fmt.Errorf("second LMP connection: status %d, %v", st, err)
	}
	if _, err := cl.PickSlot(slot, name != "", name); err != nil {
		return nil, err
	}
	return cl, nil
}

func (s *state) consoleOnline(label, hunter string) error {
	p := &player{con: &gameclient.Console{}}
	cl, err := s.loginToSlot(p.con, 1, hunter)
	if err != nil {
		return err
	}
	p.cl = cl
	s.names[label] = p
	return nil
}

func (s *state) loginAgain(label string, slot int) error {
	p := s.names[label]
	again := &gameclient.Console{SupportCode: p.con.SupportCode}
	cl, err := s.loginToSlot(again, slot, "")
	if err != nil {
		return err
	}
	p.next = cl
	return nil
}

func (s *state) firstKicked() error {
	p := s.firstPlayer()
	if _, err := p.cl.ExpectShut(); err != nil {
		return fmt.Errorf("first connection: %w", err)
	}
	if _, err := p.cl.Next(); !errors.Is(err, gameclient.ErrClosed) {
		return fmt.Errorf("first connection still open after NtcShut: %v", err)
	}
	return nil
}

func (s *state) firstPlayer() *player {
	for _, p := range s.names {
		return p
	}
	return nil
}

func (s *state) secondWorks() error {
	p := s.firstPlayer()
	_, err := p.next.FmpList()
	return err
}

func (s *state) consoleConnected(label string) error {
	p := &player{con: &gameclient.Console{}}
	cl, err := gameclient.Dial(s.srv.Addr("lmp").String())
	if err != nil {
		return err
	}
	if _, err := cl.Greet(p.con, false); err != nil {
		return err
	}
	p.cl = cl
	s.names[label] = p
	return nil
}

func (s *state) oversizedFrame(size int) error {
	c, err := gameclient.Dial(s.srv.Addr("lmp").String())
	if err != nil {
		return err
	}
	s.intrude = c
	hdr := pat.AppendHeader(nil, pat.Header{Size: uint16(size), Seq: 1, ID: pat.IDReqUserListHead})
	return c.WriteRaw(append(hdr, make([]byte, 64)...))
}

func (s *state) intruderClosed() error {
	for {
		_, err := s.intrude.Next()
		if errors.Is(err, gameclient.ErrClosed) {
			return nil
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return fmt.Errorf("client still connected: %v", err)
		}
		if err != nil {
			return nil // reset by peer counts as closed
		}
	}
}

func (s *state) stillAnswers(label string) error {
	p := s.names[label]
	_, err := p.cl.FmpList()
	return err
}
