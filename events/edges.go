package events

// EdgeStream is the stream of one edge process: what happened when it
// was taken for dead.
func EdgeStream(edge string) string { return "edge." + edge }

// EdgeSwept: an edge's lease lapsed and everything naming it was swept.
type EdgeSwept struct {
	Edge      string   `json:"edge"`
	Reason    string   `json:"reason"`
	CapcomIDs []string `json:"capcom_ids,omitempty"` // presences removed
	Hunters   int      `json:"hunters,omitempty"`    // hunters moved out of the world
}

func (EdgeSwept) EventType() string  { return "EdgeSwept" }
func (EdgeSwept) SchemaVersion() int { return 1 }

func init() { Register(EdgeSwept{}) }
