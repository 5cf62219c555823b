package bus

// Operator subjects: the admin API and the status page of any process
// (--http) ask the handlers over these; any handler instance answers
// (micro endpoints in the handlers' queue group).
const (
	// OpsStatus: request with an empty body, answered with the JSON
	// status snapshot (ops.Status). Read-only: edges may ask it too.
	OpsStatus = "mh3.ops.status"
	// OpsAdminPrefix + action: an admin action (JSON in, JSON out).
	// Only the handlers role may send these: an edge's credentials
	// cannot administer the deployment.
	OpsAdminPrefix = "mh3.ops.admin."
)

// OpsReload: a request every handler process answers (no queue group):
// reload the quest directory and the world file now. Each answers a
// ReloadResult; the admin API gathers them.
const OpsReload = "mh3.ops.reload"

// ReloadResult is one handler process's answer to OpsReload. An empty
// error field means reloaded; "not configured" means the process serves
// the embedded set.
type ReloadResult struct {
	Process     string `json:"process"`
	Quests      string `json:"quests"`
	QuestsError string `json:"quests_error,omitempty"`
	World       string `json:"world"`
	WorldError  string `json:"world_error,omitempty"`
}
