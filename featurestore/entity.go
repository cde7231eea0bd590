package featurestore

// Entity is one entity of a BatchGet answer: its id, how its values were served, and one
// Values per requested view, in request order. Every entity of a request is answered, in the
// order of the request's ids, whatever Cassandra does.
type Entity struct {
	ID     string
	Status Status
	Views  []Values
}

// Status says how an entity's values were served.
type Status uint8

const (
	// StatusFound: read within freshness (from the near-cache or Cassandra) and at least one
	// requested view is stored; others may be absent (Values.Present) and read as defaults.
	StatusFound Status = iota
	// StatusNotFound: read within freshness, and the entity has none of the requested views:
	// every value is a default.
	StatusNotFound
	// StatusStale: Cassandra failed or did not answer within the deadline, and the values are
	// the last ones read, older than their views' freshness but within Config.MaxStale of it.
	StatusStale
	// StatusDefault: Cassandra failed or did not answer within the deadline and nothing usable
	// was cached: every value is a default.
	StatusDefault
)

var statusNames = [...]string{StatusFound: "found", StatusNotFound: "not_found", StatusStale: "stale", StatusDefault: "default"}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "unknown"
}

// Degraded reports whether the values are not what a healthy store would have served.
func (s Status) Degraded() bool { return s == StatusStale || s == StatusDefault }

// View returns the entity's values of the view called name (the zero Values when it was not
// requested).
func (e *Entity) View(name string) Values {
	for _, v := range e.Views {
		if v.view != nil && v.view.Name == name {
			return v
		}
	}
	return Values{}
}

// foundStatus is StatusFound when any view is present, else StatusNotFound.
func foundStatus(vals []Values) Status {
	for i := range vals {
		if vals[i].present {
			return StatusFound
		}
	}
	return StatusNotFound
}
