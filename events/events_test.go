package events

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// renamed is a test event at schema 2; schema 1 called the field "nick".
type renamed struct {
	Name string `json:"name"`
}

func (renamed) EventType() string  { return "TestRenamed" }
func (renamed) SchemaVersion() int { return 2 }

func TestUpcastOldSchema(t *testing.T) {
	Register(renamed{})
	RegisterUpcaster("TestRenamed", 1, func(old json.RawMessage) (json.RawMessage, error) {
		var v1 struct {
			Nick string `json:"nick"`
		}
		if err := json.Unmarshal(old, &v1); err != nil {
			return nil, err
		}
		return json.Marshal(renamed{Name: v1.Nick})
	})
	old := Envelope{ID: "e1", Stream: "s", Version: 1, Position: 7, Type: "TestRenamed", Schema: 1, Data: json.RawMessage(`{"nick":"Aptonoth"}`)}
	ev, err := Decode(old)
	if err != nil {
		t.Fatal(err)
	}
	if ev.(renamed).Name != "Aptonoth" {
		t.Fatalf("upcast gave %+v", ev)
	}
	cur, _ := Encode("e2", renamed{Name: "Kelbi"})
	if cur.Schema != 2 {
		t.Fatalf("schema %d", cur.Schema)
	}
	back, err := Decode(cur)
	if err != nil || back.(renamed).Name != "Kelbi" {
		t.Fatalf("%v %v", back, err)
	}
	future := old
	future.Schema = 3
	if _, err := Decode(future); err == nil {
		t.Error("a schema newer than the build was accepted")
	}
}

func TestDecodeErrorsNameTheEvent(t *testing.T) {
	_, err := Decode(Envelope{Stream: "console.X", Version: 3, Position: 42, Type: "Nope"})
	var de *DecodeError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), `"console.X"`) || !strings.Contains(err.Error(), "position 42") {
		t.Fatalf("unknown type: %v", err)
	}
	_, err = Decode(Envelope{Stream: "console.X", Version: 1, Position: 1, Type: "ProfileCreated", Schema: 1, Data: json.RawMessage(`{"slot":"x"}`)})
	if !errors.As(err, &de) {
		t.Fatalf("corrupt data: %v", err)
	}
}

func TestHunterNamesKeepTheirBytes(t *testing.T) {
	name := []byte{0x82, 0xA0, 'H', 0xFF} // not UTF-8
	env, err := Encode(NewID(), ProfileCreated{Slot: 1, CapcomID: "ABCDEF", Name: name})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := Decode(env)
	if err != nil || string(ev.(ProfileCreated).Name) != string(name) {
		t.Fatalf("%v %v", ev, err)
	}
}
