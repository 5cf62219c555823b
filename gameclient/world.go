package gameclient

import (
	"fmt"

	"github.com/mh3net/mh3net/pat"
)

// The hunting world on FMP, as the game plays it after arriving.

// Arrive plays what the game sends on reaching an FMP server: its
// identity pair, the layer start, a display binary with hunter rank hr,
// search settings, status, circle notices, friend and black lists. It
// returns the identity pair.
func (cl *Client) Arrive(hr uint16) (uint32, uint32, error) {
	var mine pat.AnsUserSearchInfoMine
	if err := cl.Call(&pat.ReqUserSearchInfoMine{}, &mine); err != nil {
		return 0, 0, err
	}
	if err := cl.Call(&pat.ReqLayerStart{}, &pat.AnsLayerStart{}); err != nil {
		return 0, 0, err
	}
	settings := make([]byte, pat.HunterSettingsSize)
	settings[0], settings[1] = byte(hr>>8), byte(hr)
	if err := cl.Call(&pat.ReqUserBinarySet{Offset: 0, Data: settings}, &pat.AnsUserBinarySet{}); err != nil {
		return 0, 0, err
	}
	if err := cl.Call(&pat.ReqUserSearchSet{}, &pat.AnsUserSearchSet{}); err != nil {
		return 0, 0, err
	}
	var status pat.Data
	status.SetByte(pat.StatusUnknown01, 1)
	if err := cl.Call(&pat.ReqUserStatusSet{Status: status}, &pat.AnsUserStatusSet{}); err != nil {
		return 0, 0, err
	}
	if err := cl.Call(&pat.ReqCircleInfoNoticeSet{}, &pat.AnsCircleInfoNoticeSet{}); err != nil {
		return 0, 0, err
	}
	if err := cl.Call(&pat.ReqFriendList{First: 1, Count: 100, Fields: []byte{1, 2, 3}}, &pat.AnsFriendList{}); err != nil {
		return 0, 0, err
	}
	if err := cl.Call(&pat.ReqBlackList{First: 1, Count: 100}, &pat.AnsBlackList{}); err != nil {
		return 0, 0, err
	}
	return uint32(mine.Info.Num(pat.SearchMine0F)), uint32(mine.Info.Num(pat.SearchMine10)), nil
}

// Children lists the layers below the hunter's (gates or cities).
func (cl *Client) Children() ([]pat.DataOpt, error) {
	var h pat.AnsLayerChildListHead
	if err := cl.Call(&pat.ReqLayerChildListHead{}, &h); err != nil {
		return nil, err
	}
	var d pat.AnsLayerChildListData
	if err := cl.Call(&pat.ReqLayerChildListData{First: 1, Count: h.Count}, &d); err != nil {
		return nil, err
	}
	if err := cl.Call(&pat.ReqLayerChildListFoot{}, &pat.AnsLayerChildListFoot{}); err != nil {
		return nil, err
	}
	return d.Layers, nil
}

// Siblings lists the layers beside the hunter's (the other gates from a
// gate, the other cities of the gate from a city).
func (cl *Client) Siblings() ([]pat.DataOpt, error) {
	var h pat.AnsLayerSiblingListHead
	if err := cl.Call(&pat.ReqLayerSiblingListHead{}, &h); err != nil {
		return nil, err
	}
	var d pat.AnsLayerSiblingListData
	if err := cl.Call(&pat.ReqLayerSiblingListData{First: 1, Count: h.Count}, &d); err != nil {
		return nil, err
	}
	if err := cl.Call(&pat.ReqLayerSiblingListFoot{}, &pat.AnsLayerSiblingListFoot{}); err != nil {
		return nil, err
	}
	return d.Layers, nil
}

// Down goes into child n (a gate, or a city that exists).
func (cl *Client) Down(n uint16) error {
	return cl.Call(&pat.ReqLayerDown{Number: n}, &pat.AnsLayerDown{})
}

// Up goes one layer up.
func (cl *Client) Up() error { return cl.Call(&pat.ReqLayerUp{}, &pat.AnsLayerUp{}) }

// End leaves the layer system.
func (cl *Client) End() error { return cl.Call(&pat.ReqLayerEnd{}, &pat.AnsLayerEnd{}) }

// CreateCity creates city n of the hunter's gate with options opt and
// stands in it as host.
func (cl *Client) CreateCity(n uint16, opt pat.Opt) error {
	if err := cl.Call(&pat.ReqLayerCreateHead{Number: n}, &pat.AnsLayerCreateHead{}); err != nil {
		return err
	}
	if err := cl.Call(&pat.ReqLayerCreateSet{Number: n, Opt: opt}, &pat.AnsLayerCreateSet{}); err != nil {
		return err
	}
	return cl.Call(&pat.ReqLayerCreateFoot{Number: n}, &pat.AnsLayerCreateFoot{})
}

// JoinCity enters city n of the hunter's gate and asks who hosts it (the
// hunters inside then see the newcomer). It returns the host's Capcom ID.
func (cl *Client) JoinCity(server uint32, gate, n uint16) (string, error) {
	if err := cl.Down(n); err != nil {
		return "", err
	}
	var a pat.AnsLayerHost
	if err := cl.Call(pat.NewReqLayerHost(pat.LayerPath{Server: server, Gate: gate, City: n}), &a); err != nil {
		return "", err
	}
	return string(a.CapcomID), nil
}

// Users is the synchronised user list of the hunter's layer.
func (cl *Client) Users() ([]string, error) {
	var a pat.AnsLayerUserList
	if err := cl.Call(&pat.ReqLayerUserList{Fields: []byte{1, 2, 7}}, &a); err != nil {
		return nil, err
	}
	var out []string
	for _, u := range a.Users {
		out = append(out, string(u.Bytes(pat.LayerUserCapcomID)))
	}
	return out, nil
}

// Chat says text to the hunter's layer.
func (cl *Client) Chat(text string) error {
	var info pat.Data
	info.SetLong(pat.MessageColor, 0).SetLong(pat.MessageUnknown02, 0).
		SetString(pat.MessageSenderID, nil).SetString(pat.MessageSenderName, nil)
	_, err := cl.Send(&pat.NtcLayerChat{Info: info, Text: []byte(text)})
	return err
}

// Position sends a position update of the hunter.
func (cl *Client) Position(payload []byte) error {
	_, err := cl.Send(&pat.NtcLayerUserPositionFromClient{Payload: payload})
	return err
}

// Heard waits for a layer chat line and returns its sender and text.
func (cl *Client) Heard() (string, string, error) {
	var m pat.NtcLayerChat
	if _, err := cl.Notice(pat.IDNtcLayerChat, &m); err != nil {
		return "", "", err
	}
	return string(m.Info.Bytes(pat.MessageSenderID)), string(m.Text), nil
}

// ErrAlert is an AnsAlert received instead of an answer.
type ErrAlert struct {
	ID      pat.ID
	Message string
}

func (e *ErrAlert) Error() string { return fmt.Sprintf("%s: alert %q", e.ID, e.Message) }

// ReserveCity is LayerCreateHead alone: city n of the hunter's gate is
// held for it while it fills in the settings (an alert when the city
// exists or someone else holds it).
func (cl *Client) ReserveCity(n uint16) error {
	return cl.Call(&pat.ReqLayerCreateHead{Number: n}, &pat.AnsLayerCreateHead{})
}

// FmpList2 reads the server list in game (the 0x63 family the
// server-select screen uses): every server with its live population.
func (cl *Client) FmpList2() ([]pat.Data, error) {
	var v pat.AnsFmpListVersion2
	if err := cl.Call(&pat.ReqFmpListVersion2{}, &v); err != nil {
		return nil, err
	}
	var h pat.AnsFmpListHead2
	if err := cl.Call(&pat.ReqFmpListHead2{Version: v.Version, First: 1, Count: 12, Fields: []byte{1, 2, 3, 7, 8, 9, 0x0a, 0x0b, 0x0c}}, &h); err != nil {
		return nil, err
	}
	var d pat.AnsFmpListData2
	if err := cl.Call(&pat.ReqFmpListData2{First: 1, Count: h.Count}, &d); err != nil {
		return nil, err
	}
	if err := cl.Call(&pat.ReqFmpListFoot2{}, &pat.AnsFmpListFoot2{}); err != nil {
		return nil, err
	}
	return d.Servers, nil
}

// FmpInfo2 picks server index in game and returns the FMP address the
// game is sent to.
func (cl *Client) FmpInfo2(index int) (string, error) {
	var a pat.AnsFmpInfo2
	if err := cl.Call(&pat.ReqFmpInfo2{Index: uint32(index), Fields: []byte{pat.FmpAddress, pat.FmpPort}}, &a); err != nil {
		return "", err
	}
	return Addr(a.Data.Bytes(pat.FmpAddress), uint16(a.Data.Num(pat.FmpPort))), nil
}

// ServerChange moves the hunter to server index as the game does from the
// server-select screen: FmpInfo2, LayerEnd, ReqShut(2), then a new FMP
// connection showing the console's ticket, to fmpAddr or, when "", to the
// address the server sent. It returns that connection, greeted (NtcLogin
// 3), and the address the server sent; the caller plays the arrival.
func (cl *Client) ServerChange(con *Console, index int, fmpAddr string) (*Client, string, error) {
	sent, err := cl.FmpInfo2(index)
	if err != nil {
		return nil, "", err
	}
	if err := cl.End(); err != nil {
		return nil, "", err
	}
	if err := cl.Shut(2); err != nil {
		return nil, "", err
	}
	if fmpAddr == "" {
		fmpAddr = sent
	}
	f, err := Dial(fmpAddr)
	if err != nil {
		return nil, sent, err
	}
	if st, err := f.Greet(con, true); err != nil || st != 3 {
		f.Close()
		return nil, sent, fmt.Errorf("FMP after the server change: status %d, %v", st, err)
	}
	return f, sent, nil
}
