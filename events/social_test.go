package events

import (
	"reflect"
	"testing"
)

// TestSocialEventsRoundTrip: every social event decodes to what was
// encoded, raw bytes (names, MessageInfo) included.
func TestSocialEventsRoundTrip(t *testing.T) {
	for _, e := range []Event{
		FriendRequested{From: "QWERTY", Name: []byte{0x82, 0xA0, 'G'}, Info: []byte{2, 1, 3, 0, 0, 0, 0}, Text: []byte("hunt?")},
		FriendRequestAnswered{From: "QWERTY", Accepted: true},
		FriendAdded{CapcomID: "QWERTY", Name: []byte("Gobul")},
		FriendDeleted{CapcomID: "QWERTY"},
		BlackListed{CapcomID: "QWERTY", Name: []byte("Gobul")},
		BlackListRemoved{CapcomID: "QWERTY"},
		FriendRequestsSet{Deny: true},
		FriendRequestsSet{},
	} {
		env, err := Encode(NewID(), e)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Decode(env)
		if err != nil || !reflect.DeepEqual(back, e) {
			t.Errorf("%s: %+v, %v", e.EventType(), back, err)
		}
	}
}
