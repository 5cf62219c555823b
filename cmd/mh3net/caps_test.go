package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/pat"
)

const busyText = "<LF=8><BODY><CENTER>The server is busy.<BR>Please try again later.<END>"

// TestUpConnectionCaps runs `mh3net up --max-conns 3000` (32 a address,
// the default) as a process. 127.0.0.1 opens 2000 LMP connections and 40
// OPN ones while a player from 127.0.0.2 logs in all the way; then a
// hundred other addresses open 32 each, filling the process cap: past it
// everyone, the player too, is told the server is busy, until places free.
func TestUpConnectionCaps(t *testing.T) {
	c := &cluster{t: t, bin: buildBinary(t)}
	opn, lmp := freePort(t), freePort(t)
	up := c.start("up", "up", "--http", "", "--host", "127.0.0.1", "--advertise", "127.0.0.1", "--data", t.TempDir(),
		"--opn-port", strconv.Itoa(opn), "--lmp-port", strconv.Itoa(lmp),
		"--fmp-port", strconv.Itoa(freePort(t)), "--rfp-port", strconv.Itoa(freePort(t)),
		"--connection-delay", "10ms", "--max-conns", "3000")
	opnAddr, lmpAddr := fmt.Sprintf("127.0.0.1:%d", opn), fmt.Sprintf("127.0.0.1:%d", lmp)
	waitTCP(t, lmpAddr)
	up.waitFor(t, "open-file limit")
	for _, l := range up.lines() {
		if strings.Contains(l, "open-file limit") {
			t.Log(l)
		}
	}

	var held []net.Conn
	var mu sync.Mutex
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	var busy, bare, other atomic.Int64
	var firstOther atomic.Value
	// dial opens one connection from ip and sorts it: held (ReqConnection),
	// refused with the busy NtcShut, or closed without a word.
	dial := func(ip, addr string, useTLS bool) {
		conn, err := dialFrom(ip, addr)
		if err != nil {
			other.Add(1)
			firstOther.CompareAndSwap(nil, err.Error())
			return
		}
		var cl *gameclient.Client
		if useTLS {
			tc := tls.Client(conn, &tls.Config{InsecureSkipVerify: true, ServerName: "mh.capcom.co.jp"})
			conn = tc
		}
		cl = gameclient.New(conn)
		p, err := cl.Next()
		switch {
		case err == nil && p.ID == pat.IDReqConnection:
			mu.Lock()
			held = append(held, conn)
			mu.Unlock()
			return
		case err == nil && p.ID == pat.IDNtcShut:
			var s pat.NtcShut
			if pat.Unmarshal(p.Payload, &s) == nil && string(s.Message) == busyText {
				busy.Add(1)
			} else {
				other.Add(1)
				firstOther.CompareAndSwap(nil, fmt.Sprintf("NtcShut %q", s.Message))
			}
		case errors.Is(err, gameclient.ErrClosed):
			bare.Add(1)
		default:
			other.Add(1)
			firstOther.CompareAndSwap(nil, fmt.Sprint(p.ID, err))
		}
		conn.Close()
	}
	// hammer runs dials from ips with eight at a time.
	hammer := func(jobs []func()) {
		ch := make(chan func())
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range ch {
					j()
				}
			}()
		}
		for _, j := range jobs {
			ch <- j
		}
		close(ch)
		wg.Wait()
	}
	report := func(phase string, wantHeld int, wantBusy int64) {
		t.Helper()
		mu.Lock()
		n := len(held)
		mu.Unlock()
		t.Logf("%s: %d connections held, %d refused with the busy NtcShut, %d closed without a word, %d otherwise",
			phase, n, busy.Load(), bare.Load(), other.Load())
		if n != wantHeld || busy.Load() != wantBusy || bare.Load() != 0 || other.Load() != 0 {
			t.Fatalf("%s: want %d held and %d refused with the busy NtcShut, nothing else (first other: %v)",
				phase, wantHeld, wantBusy, firstOther.Load())
		}
	}

	// One address, far over its cap, while a player from another logs in.
	var jobs []func()
	for i := range 2040 {
		if i%51 == 50 {
			jobs = append(jobs, func() { dial("127.0.0.1", opnAddr, true) })
		} else {
			jobs = append(jobs, func() { dial("127.0.0.1", lmpAddr, false) })
		}
	}
	login := make(chan error, 1)
	go func() {
		time.Sleep(200 * time.Millisecond) // 127.0.0.1 at its cap by then
		login <- loginFrom("127.0.0.2", opnAddr)
	}()
	hammer(jobs)
	if err := <-login; err != nil {
		t.Fatalf("a player from 127.0.0.2 while 127.0.0.1 floods: %v", err)
	}
	report("127.0.0.1 opened 2040", 32, 2040-32)

	// A hundred addresses at their cap fill the process.
	jobs = jobs[:0]
	for a := range 100 {
		ip := "127.0.1." + strconv.Itoa(a+1)
		for range 32 {
			jobs = append(jobs, func() { dial(ip, lmpAddr, false) })
		}
	}
	hammer(jobs)
	report("and 100 addresses opened 32 each", 3000, 2040-32+3200-(3000-32))
	if err := loginFrom("127.0.0.2", opnAddr); err == nil {
		t.Fatal("a login went through with the process at its cap")
	} else if se := (*gameclient.ShutError)(nil); !errors.As(err, &se) || se.Message != busyText {
		t.Fatalf("a login with the process at its cap: %v, want the busy NtcShut", err)
	}
	mu.Lock()
	for _, c := range held[len(held)-8:] {
		c.Close()
	}
	held = held[:len(held)-8]
	mu.Unlock()
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if err = loginFrom("127.0.0.2", opnAddr); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("no login once places were free: %v", err)
	}
}

// dialFrom opens a TCP connection from a given loopback address (Linux
// routes all of 127.0.0.0/8 to lo).
func dialFrom(ip, addr string) (net.Conn, error) {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return d.Dial("tcp", addr)
}

// loginFrom plays gameclient.FullLogin with every connection from ip.
func loginFrom(ip, opnAddr string) error {
	_, err := gameclient.Dialer{LocalIP: ip}.FullLogin(opnAddr, &gameclient.Console{}, false, "Bystander")
	return err
}
