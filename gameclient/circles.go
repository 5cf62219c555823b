package gameclient

import "github.com/mh3net/mh3net/pat"

// Circles (quest parties) as the game uses them in a city.

// PostQuest creates a circle for quest with capacity members and returns
// its index; password empty = none.
func (cl *Client) PostQuest(quest uint32, capacity uint32, password string) (uint32, error) {
	var info pat.Data
	info.SetLong(pat.CircleCapacity, capacity)
	if password != "" {
		info.SetByte(pat.CircleHasPassword, 1).SetString(pat.CirclePassword, []byte(password))
	}
	var a pat.AnsCircleCreate
	err := cl.Call(&pat.ReqCircleCreate{Info: pat.DataOpt{Data: info, Opt: pat.Opt{
		{ID: pat.OptCircleCapacity, Has: true, Value: capacity}, {ID: pat.OptCircleQuestID, Has: true, Value: quest}}}}, &a)
	return a.Index, err
}

// JoinQuest joins circle index and returns the slot.
func (cl *Client) JoinQuest(index uint32, password string) (uint8, error) {
	var info pat.Data
	if password != "" {
		info.SetByte(pat.CircleHasPassword, 1).SetString(pat.CirclePassword, []byte(password))
	}
	var a pat.AnsCircleJoin
	err := cl.Call(&pat.ReqCircleJoin{Index: index, Info: info}, &a)
	return a.Slot, err
}

// Ready sets the member's standby flag.
func (cl *Client) Ready(ready bool) error {
	var v uint8
	if ready {
		v = 1
	}
	var d pat.Data
	d.SetByte(pat.CircleUserStandby, v)
	return cl.Call(&pat.ReqCircleMatchOptionSet{Options: d}, &pat.AnsCircleMatchOptionSet{})
}

// Depart starts the quest (leader).
func (cl *Client) Depart() error {
	return cl.Call(&pat.ReqCircleMatchStart{}, &pat.AnsCircleMatchStart{})
}

// LeaveQuest leaves circle index.
func (cl *Client) LeaveQuest(index uint32) error {
	return cl.Call(&pat.ReqCircleLeave{Index: index}, &pat.AnsCircleLeave{})
}

// Board is the city's quest board.
func (cl *Client) Board() ([]pat.DataOpt, error) {
	var a pat.AnsCircleListLayer
	err := cl.Call(&pat.ReqCircleListLayer{}, &a)
	return a.Circles, err
}

// Party lists the members of the hunter's circle (Capcom IDs).
func (cl *Client) Party() ([]string, error) {
	var a pat.AnsCircleUserList
	if err := cl.Call(&pat.ReqCircleUserList{}, &a); err != nil {
		return nil, err
	}
	var out []string
	for _, u := range a.Users {
		out = append(out, string(u.Bytes(pat.CircleUserCapcomID)))
	}
	return out, nil
}

// PartyChat says text to the hunter's circle.
func (cl *Client) PartyChat(text string) error {
	var info pat.Data
	info.SetLong(pat.MessageColor, 0).SetString(pat.MessageSenderID, nil).SetString(pat.MessageSenderName, nil)
	_, err := cl.Send(&pat.NtcCircleChat{Info: info, Text: []byte(text)})
	return err
}

// ChangeQuest is the leader's CircleInfoSet on circle index: a new quest,
// capacity (0: unchanged) and remarks ("" : none).
func (cl *Client) ChangeQuest(index, quest, capacity uint32, remarks string) error {
	var info pat.Data
	if capacity > 0 {
		info.SetLong(pat.CircleCapacity, capacity)
	}
	if remarks != "" {
		info.SetString(pat.CircleRemarks, []byte(remarks))
	}
	opt := pat.Opt{{ID: pat.OptCircleQuestID, Has: true, Value: quest}}
	if capacity > 0 {
		opt = append(pat.Opt{{ID: pat.OptCircleCapacity, Has: true, Value: capacity}}, opt...)
	}
	return cl.Call(&pat.ReqCircleInfoSet{Index: index, Info: pat.DataOpt{Data: info, Opt: opt}}, &pat.AnsCircleInfoSet{})
}

// QuestLeader asks who leads circle index: its slot and Capcom ID.
func (cl *Client) QuestLeader(index uint32) (uint8, string, error) {
	var a pat.AnsCircleHost
	err := cl.Call(&pat.ReqCircleHost{Index: index}, &a)
	return a.Slot, string(a.CapcomID), err
}

// EndQuest tells the server the quest is over.
func (cl *Client) EndQuest() error {
	return cl.Call(&pat.ReqCircleMatchEnd{}, &pat.AnsCircleMatchEnd{})
}

// PartyBinary sends a blob to the other members of circle index.
func (cl *Client) PartyBinary(index uint32, payload []byte) error {
	_, err := cl.Send(&pat.NtcCircleBinaryFromClient{Index: index, Sender: pat.Data{}, Payload: payload})
	return err
}

// PartyBinaryTo sends a blob to one member (partner's Capcom ID) of
// circle index.
func (cl *Client) PartyBinaryTo(index uint32, partner string, payload []byte) error {
	_, err := cl.Send(&pat.NtcCircleBinary2FromClient{Index: index, CapcomID: []byte(partner), Info: pat.Data{}, Payload: payload})
	return err
}
