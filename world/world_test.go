package world

import "testing"

func TestDefaultIsMH3SPWorld(t *testing.T) {
	w := Default()
	if len(w.Servers) != 12 {
		t.Fatalf("servers = %d, want 12", len(w.Servers))
	}
	want := map[int]int{TypeOpen: 4, TypeRookie: 2, TypeExpert: 2, TypeRecruiting: 4}
	got := map[int]int{}
	for _, s := range w.Servers {
		got[s.Type]++
		if s.Capacity != 2000 || s.Gates != 40 {
			t.Errorf("%s: capacity %d gates %d", s.Name, s.Capacity, s.Gates)
		}
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("type %d: %d servers, want %d", k, got[k], v)
		}
	}
	if s, ok := w.Server(9); !ok || s.Name != "Greed1" {
		t.Errorf("Server(9) = %v %v", s, ok)
	}
	if _, ok := w.Server(0); ok {
		t.Error("Server(0) exists")
	}
}

func TestParseRejectsBadWorlds(t *testing.T) {
	for _, in := range []string{
		`{}`,
		`{"gates_per_server":1,"cities_per_gate":1,"server_capacity":1,"gate_capacity":1,"city_capacity":1,"servers":[{"name":"A","type":9}]}`,
		`{"gates_per_server":0,"cities_per_gate":1,"server_capacity":1,"gate_capacity":1,"city_capacity":1,"servers":[{"name":"A","type":1}]}`,
		`{"gates_per_server":1,"cities_per_gate":1,"server_capacity":1,"gate_capacity":1,"city_capacity":1,"gate_name":"G%d","city_name":"C%d","servers":[{"name":"A","type":1,"gates":300}]}`,
		`{"gates_per_server":1,"cities_per_gate":1,"server_capacity":1,"gate_capacity":1,"city_capacity":1,"gate_name":"G%d","city_name":"C%d","servers":[{"index":5,"name":"A","type":1},{"index":5,"name":"B","type":1}]}`,
		`{"gates_per_server":1,"cities_per_gate":1,"server_capacity":1,"gate_capacity":1,"city_capacity":1,"gate_name":"G%d","city_name":"C%d","servers":[{"index":1000,"name":"A","type":1}]}`,
		`not json`,
	} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%s) accepted", in)
		}
	}
}
