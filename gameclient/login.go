package gameclient

import (
	"fmt"
	"net"
	"strconv"

	"github.com/mh3net/mh3net/pat"
)

// Console is what a game remembers between connections.
type Console struct {
	SupportCode string
	Ticket      string
	// MediaVersion names the game build (1001301045 = RMHE08, US).
	MediaVersion string
}

// ConnectionData is what this console sends in AnsConnection.
func (c *Console) ConnectionData(withTicket bool) pat.Data {
	var d pat.Data
	if c.SupportCode != "" {
		d.SetString(pat.ConnOnlineSupportCode, []byte(c.SupportCode))
	}
	if withTicket && c.Ticket != "" {
		d.SetBinary(pat.ConnPatTicket, []byte(c.Ticket))
	}
	mv := c.MediaVersion
	if mv == "" {
		mv = "1001301045"
	}
	d.SetLong(pat.ConnUnknown03, 3).
		SetLong(pat.ConnUnknown04, 2).
		SetLong(pat.ConnConvertedCountryCode, 0x31).
		SetLong(pat.ConnUnknown06, 0).
		SetString(pat.ConnMediaVersion, []byte(mv)).
		SetLong(pat.ConnReceiveBufferSize, 0x4000).
		SetLong(pat.ConnCountryCode, 0x31).
		SetLong(pat.ConnLanguageCode, 1)
	return d
}

// Greet waits for ReqConnection, answers it with the console's data and
// returns the NtcLogin status.
func (cl *Client) Greet(con *Console, withTicket bool) (uint8, error) {
	if _, err := cl.Expect(pat.IDReqConnection, nil); err != nil {
		return 0, err
	}
	if _, err := cl.Send(&pat.AnsConnection{Data: con.ConnectionData(withTicket)}); err != nil {
		return 0, err
	}
	var n pat.NtcLogin
	if _, err := cl.Expect(pat.IDNtcLogin, &n); err != nil {
		return 0, err
	}
	return n.Status, nil
}

// Addr joins an advertised host and port.
func Addr(host []byte, port uint16) string {
	return net.JoinHostPort(string(host), strconv.Itoa(int(port)))
}

// OPN plays the OPN part of a login on an already connected client: the
// greeting, NAS token, texts, common key and LMP address. It returns the
// LMP address and closes with ReqShut.
func (cl *Client) OPN(con *Console) (lmp string, err error) {
	status, err := cl.Greet(con, false)
	if err != nil {
		return "", err
	}
	if status != 5 {
		return "", fmt.Errorf("OPN NtcLogin status %d, want 5", status)
	}
	if err := cl.Call(&pat.ReqAuthenticationToken{Token: []byte("nas-token")}, &pat.AnsAuthenticationToken{}); err != nil {
		return "", err
	}
	var tv pat.AnsTermsVersion
	if err := cl.Call(&pat.ReqTermsVersion{}, &tv); err != nil {
		return "", err
	}
	var terms pat.AnsTerms
	if err := cl.Call(&pat.ReqTerms{Version: tv.Version, Offset: 0, Size: tv.Size}, &terms); err != nil {
		return "", err
	}
	if uint32(len(terms.Terms)) != tv.Size {
		return "", fmt.Errorf("terms: got %d bytes, announced %d", len(terms.Terms), tv.Size)
	}
	if err := cl.Call(&pat.ReqAnnounce{}, &pat.AnsAnnounce{}); err != nil {
		return "", err
	}
	if err := cl.Call(&pat.ReqNoCharge{}, &pat.AnsNoCharge{}); err != nil {
		return "", err
	}
	if err := cl.Call(&pat.ReqCommonKey{}, &pat.AnsAuthenticationToken{}); err != nil {
		return "", err
	}
	var lc pat.AnsLmpConnect
	if err := cl.Call(&pat.ReqLmpConnect{}, &lc); err != nil {
		return "", err
	}
	if err := cl.Shut(2); err != nil {
		return "", err
	}
	return Addr(lc.Address, lc.Port), nil
}

// Shut sends ReqShut and waits for AnsShut and the close.
func (cl *Client) Shut(typ uint8) error {
	if err := cl.Call(&pat.ReqShut{Type: typ}, &pat.AnsShut{}); err != nil {
		return err
	}
	cl.Close()
	return nil
}

// Slot is one profile of the user list.
type Slot struct {
	CapcomID string
	Name     string
}

// LMPFirst plays the first LMP connection: support code, ticket, user list.
func (cl *Client) LMPFirst(con *Console) ([]Slot, error) {
	status, err := cl.Greet(con, false)
	if err != nil {
		return nil, err
	}
	if status != 1 {
		return nil, fmt.Errorf("LMP first NtcLogin status %d, want 1", status)
	}
	var li pat.AnsLoginInfo
	var login pat.Data
	login.SetString(pat.ChargeOnlineSupportCode, []byte(con.SupportCode))
	if err := cl.Call(&pat.ReqLoginInfo{Info: login}, &li); err != nil {
		return nil, err
	}
	con.SupportCode = string(li.ChargeInfo.Bytes(pat.ChargeOnlineSupportCode))
	if con.SupportCode == "" {
		return nil, fmt.Errorf("AnsLoginInfo carries no support code")
	}
	var t pat.AnsTicket
	if err := cl.Call(&pat.ReqTicket{}, &t); err != nil {
		return nil, err
	}
	con.Ticket = string(t.Ticket)
	slots, err := cl.UserList()
	if err != nil {
		return nil, err
	}
	return slots, cl.Shut(2)
}

// UserList reads the six profile slots.
func (cl *Client) UserList() ([]Slot, error) {
	if err := cl.Call(&pat.ReqUserListHead{First: 1, Count: 6, Fields: []byte{1, 2, 3}}, &pat.AnsUserListHead{}); err != nil {
		return nil, err
	}
	var ul pat.AnsUserListData
	if err := cl.Call(&pat.ReqUserListData{First: 1, Count: 6}, &ul); err != nil {
		return nil, err
	}
	if err := cl.Call(&pat.ReqUserListFoot{}, &pat.AnsUserListFoot{}); err != nil {
		return nil, err
	}
	var out []Slot
	for _, u := range ul.Users {
		out = append(out, Slot{CapcomID: string(u.Bytes(pat.UserCapcomID)), Name: string(u.Bytes(pat.UserHunterName))})
	}
	return out, nil
}

// PickSlot selects (or creates) the profile in slot and returns its
// Capcom ID.
func (cl *Client) PickSlot(slot int, empty bool, name string) (string, error) {
	var u pat.Data
	u.SetLong(pat.UserSlotIndex, uint32(slot))
	u.SetString(pat.UserCapcomID, []byte("******"))
	if name != "" {
		u.SetString(pat.UserHunterName, []byte(name))
	}
	var isEmpty uint8
	if empty {
		isEmpty = 1
	}
	var ans pat.AnsUserObject
	if err := cl.Call(&pat.ReqUserObject{IsSlotEmpty: isEmpty, Slot: uint32(slot), User: u}, &ans); err != nil {
		return "", err
	}
	return string(ans.User.Bytes(pat.UserCapcomID)), nil
}

// FmpList reads the server list (LMP copy).
func (cl *Client) FmpList() ([]pat.Data, error) {
	var v pat.AnsFmpListVersion
	if err := cl.Call(&pat.ReqFmpListVersion{}, &v); err != nil {
		return nil, err
	}
	var h pat.AnsFmpListHead
	if err := cl.Call(&pat.ReqFmpListHead{Version: v.Version, First: 1, Count: 12, Fields: []byte{1, 2, 3, 7, 8, 9, 0x0a, 0x0b, 0x0c}}, &h); err != nil {
		return nil, err
	}
	var d pat.AnsFmpListData
	if err := cl.Call(&pat.ReqFmpListData{First: 1, Count: h.Count}, &d); err != nil {
		return nil, err
	}
	if err := cl.Call(&pat.ReqFmpListFoot{}, &pat.AnsFmpListFoot{}); err != nil {
		return nil, err
	}
	return d.Servers, nil
}

// FmpInfo asks where server index lives and returns its address.
func (cl *Client) FmpInfo(index int) (string, error) {
	var a pat.AnsFmpInfo
	if err := cl.Call(&pat.ReqFmpInfo{Index: uint32(index), Fields: []byte{pat.FmpAddress, pat.FmpPort}}, &a); err != nil {
		return "", err
	}
	return Addr(a.Data.Bytes(pat.FmpAddress), uint16(a.Data.Num(pat.FmpPort))), nil
}

// FullLogin plays a whole first login as a new console: OPN (TLS, the
// console's hello style), both LMP connections with a new hunter in slot
// 1, the server list and the FMP greeting. It returns the Capcom ID.
func FullLogin(opnAddr string, con *Console, wii bool, hunter string) (string, error) {
	return Dialer{}.FullLogin(opnAddr, con, wii, hunter)
}

// FullLogin is the package's FullLogin with this Dialer's connections.
func (d Dialer) FullLogin(opnAddr string, con *Console, wii bool, hunter string) (string, error) {
	f, id, err := d.LoginToFMP(opnAddr, con, wii, hunter, 1)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return id, f.Shut(1)
}

// LoginToFMP plays a whole login up to the FMP greeting of server (1-based)
// and returns the FMP connection, still open, and the Capcom ID. A console
// with a support code reuses its slot 1.
func LoginToFMP(opnAddr string, con *Console, wii bool, hunter string, server int) (*Client, string, error) {
	return Dialer{}.LoginToFMP(opnAddr, con, wii, hunter, server)
}

// LoginToFMP is the package's LoginToFMP with this Dialer's connections.
func (d Dialer) LoginToFMP(opnAddr string, con *Console, wii bool, hunter string, server int) (*Client, string, error) {
	var opn *Client
	var err error
	if wii {
		opn, err = d.DialWii(opnAddr)
	} else {
		opn, err = d.DialTLS(opnAddr, false)
	}
	if err != nil {
		return nil, "", fmt.Errorf("OPN: %w", err)
	}
	defer opn.Close()
	lmp, err := opn.OPN(con)
	if err != nil {
		return nil, "", fmt.Errorf("OPN: %w", err)
	}
	return d.LoginFromLMP(lmp, "", con, hunter, server)
}

// LoginFromLMP plays both LMP connections and the FMP greeting of server,
// on the FMP address given (or, when "", the one the server sends the
// game to).
func LoginFromLMP(lmp, fmpAddr string, con *Console, hunter string, server int) (*Client, string, error) {
	return Dialer{}.LoginFromLMP(lmp, fmpAddr, con, hunter, server)
}

// LoginFromLMP is the package's LoginFromLMP with this Dialer's connections.
func (d Dialer) LoginFromLMP(lmp, fmpAddr string, con *Console, hunter string, server int) (*Client, string, error) {
	first, err := d.Dial(lmp)
	if err != nil {
		return nil, "", err
	}
	defer first.Close()
	slots, err := first.LMPFirst(con)
	if err != nil {
		return nil, "", fmt.Errorf("LMP: %w", err)
	}
	second, err := d.Dial(lmp)
	if err != nil {
		return nil, "", err
	}
	defer second.Close()
	if st, err := second.Greet(con, true); err != nil || st != 2 {
		return nil, "", fmt.Errorf("LMP with ticket: status %d, %v", st, err)
	}
	empty := len(slots) == 0 || slots[0].CapcomID == "******"
	id, err := second.PickSlot(1, empty, hunter)
	if err != nil {
		return nil, "", fmt.Errorf("profile: %w", err)
	}
	if _, err := second.FmpList(); err != nil {
		return nil, "", fmt.Errorf("server list: %w", err)
	}
	fmp, err := second.FmpInfo(server)
	if err != nil {
		return nil, "", err
	}
	if err := second.Shut(2); err != nil {
		return nil, "", err
	}
	if fmpAddr != "" {
		fmp = fmpAddr
	}
	f, err := d.Dial(fmp)
	if err != nil {
		return nil, "", err
	}
	if st, err := f.Greet(con, true); err != nil || st != 3 {
		f.Close()
		return nil, "", fmt.Errorf("FMP: status %d, %v", st, err)
	}
	return f, id, nil
}

// Populations reads the server list through LMP as a new console and
// returns each server's population by index.
func Populations(lmp string) (map[int]int, error) {
	_, list, err := ServerList(lmp)
	if err != nil {
		return nil, err
	}
	out := map[int]int{}
	for _, d := range list {
		out[int(d.Num(pat.FmpIndex))] = int(d.Num(pat.FmpPopulation))
	}
	return out, nil
}

// ServerList reads the server list through LMP as a new console: its
// version and entries.
func ServerList(lmp string) (uint32, []pat.Data, error) {
	con := &Console{}
	first, err := Dial(lmp)
	if err != nil {
		return 0, nil, err
	}
	defer first.Close()
	if _, err := first.LMPFirst(con); err != nil {
		return 0, nil, err
	}
	second, err := Dial(lmp)
	if err != nil {
		return 0, nil, err
	}
	defer second.Close()
	if _, err := second.Greet(con, true); err != nil {
		return 0, nil, err
	}
	var v pat.AnsFmpListVersion
	if err := second.Call(&pat.ReqFmpListVersion{}, &v); err != nil {
		return 0, nil, err
	}
	list, err := second.FmpList()
	return v.Version, list, err
}
