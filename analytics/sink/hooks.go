package sink

import "errors"

// hooks let the package's tests stop the sink at the exact point a crash would hurt most.
// They are nil in production.
type hooks struct {
	// afterInsert runs once a flush's rows are stored, before its offsets are committed;
	// returning true simulates a crash there: the sink stops at once, committing nothing
	// more and storing nothing more.
	afterInsert func() (crash bool)
}

// errCrashed ends a flush whose afterInsert hook simulated a crash.
var errCrashed = errors.New("sink: simulated crash")
