package events

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestAdminEventsRoundTrip: every admin event decodes to what was
// encoded, and the stored shape of schema 1 keeps decoding (the log is
// never rewritten).
func TestAdminEventsRoundTrip(t *testing.T) {
	by := AdminActor{Remote: "127.0.0.1:5000", Via: "up"}
	for _, e := range []Event{
		AnnouncementSet{Text: "<BODY>Hunt on!<END>", By: by},
		AnnouncementSet{},
		MaintenanceSet{On: true, Text: "back at 10:00", By: by},
		MaintenanceSet{},
		BroadcastSent{Server: 1, Gate: 2, City: 3, Text: "restart in 5 min", Rooms: 4, By: by},
		HunterKicked{CapcomID: "QWERTY", Conn: "c1", Edge: "e1", Text: "bye", By: by},
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
	stored := []struct {
		typ, data string
		want      Event
	}{
		{"AnnouncementSet", `{"text":"hi","by":{"remote":"r"}}`, AnnouncementSet{Text: "hi", By: AdminActor{Remote: "r"}}},
		{"MaintenanceSet", `{"on":true}`, MaintenanceSet{On: true}},
		{"BroadcastSent", `{"server":3,"text":"x"}`, BroadcastSent{Server: 3, Text: "x"}},
		{"HunterKicked", `{"capcom_id":"ABCDEF","conn":"c"}`, HunterKicked{CapcomID: "ABCDEF", Conn: "c"}},
	}
	for _, s := range stored {
		got, err := Decode(Envelope{Stream: OpsStream, Version: 1, Type: s.typ, Schema: 1, Data: json.RawMessage(s.data)})
		if err != nil || !reflect.DeepEqual(got, s.want) {
			t.Errorf("%s %s: %+v, %v", s.typ, s.data, got, err)
		}
	}
}
