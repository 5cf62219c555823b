package events

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzDecode feeds arbitrary stored bytes (an envelope as the store keeps
// it, JSON) to the envelope and event decoders. Nothing may panic, and an
// event that decodes must survive Encode and Decode unchanged.
func FuzzDecode(f *testing.F) {
	for _, e := range []Event{
		ConsoleCreated{SupportCode: "0A1B2C3D4E5"},
		ProfileCreated{Slot: 1, CapcomID: "QWERTY", Name: []byte("Gobul")},
		ProfileCreated{Slot: 6, CapcomID: "ZXCVBN"},
		HunterNamed{Slot: 2, CapcomID: "QWERTY", Name: []byte{0xE3, 0x81, 0x82}},
		CapcomIDClaimed{CapcomID: "QWERTY", SupportCode: "0A1B2C3D4E5", Slot: 1},
		AnnouncementSet{Text: "<BODY>Hi<END>", By: AdminActor{Remote: "127.0.0.1:1", Via: "up"}},
		MaintenanceSet{On: true, Text: "later"},
		BroadcastSent{Server: 1, Gate: 2, Text: "hello", Rooms: 3},
		HunterKicked{CapcomID: "QWERTY", Conn: "c", Edge: "e"},
	} {
		env, err := Encode("req.1/console-0", e)
		if err != nil {
			f.Fatal(err)
		}
		env.Stream, env.Version, env.Position = "console.0A1B2C3D4E5", 1, 7
		b, err := json.Marshal(env)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"type":"ProfileCreated","schema":0,"data":{}}`))
	f.Add([]byte(`{"type":"HunterNamed","schema":1,"data":{"name":"!!"}}`))
	f.Add([]byte(`{"type":"Nope","schema":1,"data":null}`))
	f.Add([]byte(`{"type":"MaintenanceSet","schema":1,"data":{"on":"yes"}}`))
	f.Add([]byte(`{"type":"BroadcastSent","schema":2,"data":{}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var env Envelope
		if json.Unmarshal(b, &env) != nil {
			return
		}
		ev, err := Decode(env)
		if err != nil {
			if ev != nil {
				t.Fatalf("an event and an error: %v", err)
			}
			return
		}
		again, err := Encode(env.ID, ev)
		if err != nil {
			t.Fatalf("%T decodes but does not encode: %v", ev, err)
		}
		back, err := Decode(again)
		if err != nil {
			t.Fatalf("%T: its own encoding %s does not decode: %v", ev, again.Data, err)
		}
		if !reflect.DeepEqual(ev, back) {
			t.Fatalf("%#v comes back as %#v", ev, back)
		}
	})
}
