package gameclient

import (
	"errors"

	"github.com/mh3net/mh3net/pat"
)

// Tells, friends, the blacklist and the player search, as the game plays
// them on FMP.

// Friend is an entry of the friend list or the blacklist.
type Friend struct {
	Index    uint32
	CapcomID string
	Name     string
}

// message is the MessageInfo the client sends with tells and friend
// requests (the server stamps the sender).
func message() pat.Data {
	var info pat.Data
	info.SetLong(pat.MessageColor, 0xFFFFFFFF).SetLong(pat.MessageUnknown02, 0).
		SetString(pat.MessageSenderID, nil).SetString(pat.MessageSenderName, nil)
	return info
}

// Tell sends a line to any online hunter by Capcom ID.
func (cl *Client) Tell(to, text string) error {
	return cl.Call(&pat.ReqTell{CapcomID: []byte(to), Info: message(), Text: []byte(text)}, &pat.AnsTell{})
}

// Told waits for a tell and returns its sender's Capcom ID and name and
// its text.
func (cl *Client) Told() (from, name, text string, err error) {
	var m pat.NtcTell
	if _, err := cl.Notice(pat.IDNtcTell, &m); err != nil {
		return "", "", "", err
	}
	return string(m.Info.Bytes(pat.MessageSenderID)), string(m.Info.Bytes(pat.MessageSenderName)), string(m.Text), nil
}

// FriendAdd sends a friend request with a message. A refusal comes back
// as an *ErrAlert.
func (cl *Client) FriendAdd(to, text string) error {
	return cl.Call(&pat.ReqFriendAdd{CapcomID: []byte(to), Info: message(), Text: []byte(text)}, &pat.AnsFriendAdd{})
}

// FriendRequest waits for a friend request (NtcFriendAccept) and returns
// its sender's Capcom ID and name and its message.
func (cl *Client) FriendRequest() (from, name, text string, err error) {
	var m pat.NtcFriendAccept
	if _, err := cl.Notice(pat.IDNtcFriendAccept, &m); err != nil {
		return "", "", "", err
	}
	return string(m.Info.Bytes(pat.MessageSenderID)), string(m.Info.Bytes(pat.MessageSenderName)), string(m.Text), nil
}

// FriendAccept answers the friend request of from. On acceptance the
// server's NtcFriendAdd follows (see FriendAdded).
func (cl *Client) FriendAccept(from string, accept bool) error {
	var a uint8
	if accept {
		a = 1
	}
	return cl.Call(&pat.ReqFriendAccept{RequesterID: []byte(from), Accepted: a}, &pat.AnsFriendAccept{})
}

// FriendAdded waits for NtcFriendAdd and returns the new friend.
func (cl *Client) FriendAdded() (Friend, error) {
	var m pat.NtcFriendAdd
	if _, err := cl.Notice(pat.IDNtcFriendAdd, &m); err != nil {
		return Friend{}, err
	}
	return friendOf(m.Friend), nil
}

// FriendDelete takes a friend off the list.
func (cl *Client) FriendDelete(id string) error {
	return cl.Call(&pat.ReqFriendDelete{CapcomID: []byte(id)}, &pat.AnsFriendDelete{})
}

// Friends is the friend list (the first 100, with the fields the game
// asks for).
func (cl *Client) Friends() ([]Friend, error) {
	var a pat.AnsFriendList
	if err := cl.Call(&pat.ReqFriendList{First: 1, Count: 100, Fields: []byte{pat.FriendIndex, pat.FriendCapcomID, pat.FriendHunterName}}, &a); err != nil {
		return nil, err
	}
	return friendsOf(a.Friends), nil
}

// BlackAdd blacklists a hunter.
func (cl *Client) BlackAdd(id, name string) error {
	var d pat.Data
	d.SetString(pat.FriendCapcomID, []byte(id)).SetString(pat.FriendHunterName, []byte(name))
	return cl.Call(&pat.ReqBlackAdd{CapcomID: []byte(id), User: d}, &pat.AnsBlackAdd{})
}

// BlackDelete takes a hunter off the blacklist.
func (cl *Client) BlackDelete(id string) error {
	return cl.Call(&pat.ReqBlackDelete{CapcomID: []byte(id)}, &pat.AnsBlackDelete{})
}

// BlackList is the blacklist (the first 100).
func (cl *Client) BlackList() ([]Friend, error) {
	var a pat.AnsBlackList
	fields := []byte{3, pat.FriendIndex, pat.FriendCapcomID, pat.FriendHunterName}
	if err := cl.Call(&pat.ReqBlackList{First: 1, Count: 100, Rest: fields}, &a); err != nil {
		return nil, err
	}
	return friendsOf(a.Friends), nil
}

// SearchUsers searches online hunters everywhere by Capcom ID and/or
// name and returns what the search shows of each (UserSearchInfo and
// options).
func (cl *Client) SearchUsers(id, name string) ([]pat.DataOpt, error) {
	var h pat.AnsUserSearchHead
	fields := []byte{pat.SearchCapcomID, pat.SearchHunterName, pat.SearchStats, pat.SearchHost}
	if err := cl.Call(&pat.ReqUserSearchHead{CapcomID: []byte(id), HunterName: []byte(name), Offset: 1, Limit: 30, Fields: fields}, &h); err != nil {
		return nil, err
	}
	var d pat.AnsUserSearchData
	if err := cl.Call(&pat.ReqUserSearchData{First: 1, Count: h.Count}, &d); err != nil {
		return nil, err
	}
	if err := cl.Call(&pat.ReqUserSearchFoot{}, &pat.AnsUserSearchFoot{}); err != nil {
		return nil, err
	}
	return d.Users, nil
}

// SearchInfo asks for one hunter's details, as the friend list does for
// each friend. online is false when the server answered with its
// "OFFLINE" alert (info then holds what the alert carries).
func (cl *Client) SearchInfo(id string) (info pat.DataOpt, online bool, err error) {
	var a pat.AnsUserSearchInfo
	err = cl.Call(&pat.ReqUserSearchInfo{CapcomID: []byte(id)}, &a)
	var alert *ErrAlert
	if errors.As(err, &alert) {
		r := pat.NewReader([]byte(alert.Message))
		info = r.DataOpt()
		return info, false, r.Done()
	}
	return a.Info, err == nil, err
}

// DenyFriendRequests sets the hunter's status to refuse friend requests
// (UserStatusSet 0x09 = 4), or to accept them again.
func (cl *Client) DenyFriendRequests(deny bool) error {
	var status pat.Data
	status.SetByte(pat.StatusUnknown01, 1)
	if deny {
		status.SetByte(pat.StatusFriendRequests, pat.StatusDenyFriendRequests)
	} else {
		status.SetByte(pat.StatusFriendRequests, 0)
	}
	return cl.Call(&pat.ReqUserStatusSet{Status: status}, &pat.AnsUserStatusSet{})
}

func friendOf(d pat.Data) Friend {
	return Friend{Index: uint32(d.Num(pat.FriendIndex)), CapcomID: string(d.Bytes(pat.FriendCapcomID)), Name: string(d.Bytes(pat.FriendHunterName))}
}

func friendsOf(ds []pat.Data) []Friend {
	out := make([]Friend, 0, len(ds))
	for _, d := range ds {
		out = append(out, friendOf(d))
	}
	return out
}
