package loadgen

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Scenarios lists every scenario, in the order "all" runs them.
var Scenarios = []string{"baseline", "startup", "status", "submit", "flow", "hold"}

// Config is what to measure and how hard. `ferry bench` fills it from its
// flags; the defaults below are theirs. It is written into the results
// file as it is, so its fields keep their names.
type Config struct {
	// Scenarios is a comma-separated list of Scenarios, or "all". Default: all.
	Scenarios string
	// DB is "sqlite" (a new file per scenario) or a postgres:// DSN (a new
	// schema per scenario, dropped afterwards). Default: sqlite.
	DB string
	// Instances is how many `ferry serve` processes run on the database;
	// more than one needs PostgreSQL. Default: 1.
	Instances int
	// Concurrency is how many clients send requests at once. Default: 32.
	Concurrency int
	// Duration is how long each timed scenario runs. Default: 10s.
	Duration time.Duration
	// Requests is the number of submissions in the submit scenario, each to
	// a device of its own. Default: 50000.
	Requests int
	// Devices is the number of simulated devices in the flow scenario (at
	// least Concurrency are used). Default: 64.
	Devices int
	// Polls is the number of long-polls held at once in the hold scenario.
	// Default: 10000.
	Polls int
	// Out is the file the results are written to as JSON. Default:
	// bench-results.json.
	Out string
	// Target, if set, is the API base URL of another server to measure
	// instead (such as a Prism mock of Payroc's OpenAPI file); only
	// baseline, status and submit run against it. Default: none.
	Target string
	// Token is the bearer token sent to Target. Default: bench.
	Token string
	// ServeArgs are extra arguments for every `ferry serve`, split at
	// spaces. Default: none.
	ServeArgs string
}

// Validate reports the first setting at fault: an unknown scenario, or
// several instances on a database that is not PostgreSQL.
func (c Config) Validate() error {
	for _, s := range c.scenarios() {
		if !slices.Contains(Scenarios, s) {
			return fmt.Errorf("unknown scenario %q; use %s", s, strings.Join(Scenarios, ","))
		}
	}
	if c.Instances < 1 || (c.Instances > 1 && !c.postgres()) {
		return fmt.Errorf("--instances must be 1, or more on PostgreSQL")
	}
	return nil
}

// scenarios returns the scenarios to run, in order.
func (c Config) scenarios() []string {
	if c.Scenarios == "all" {
		return Scenarios
	}
	return strings.Split(c.Scenarios, ",")
}

func (c Config) postgres() bool { return strings.HasPrefix(c.DB, "postgres") }

// store names the database kind in the results: sqlite or postgres.
func (c Config) store() string {
	if c.postgres() {
		return "postgres"
	}
	return "sqlite"
}
