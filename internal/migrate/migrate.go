package migrate

import (
	"fmt"
	"regexp"
	"strconv"
)

// Migration is one versioned step of a schema.
type Migration struct {
	Version int
	Name    string
	// Up is the list of statements, run in order.
	Up []string
	// UpFunc, when set, overrides Up: it returns the statements for the given server version.
	UpFunc func(ServerVersion) []string
}

// Statements returns the statements of m for the server.
func (m Migration) Statements(v ServerVersion) []string {
	if m.UpFunc != nil {
		return m.UpFunc(v)
	}
	return m.Up
}

// ServerVersion is a database server's version.
type ServerVersion struct {
	Major, Minor int
	Raw          string
}

// AtLeast reports whether v is major.minor or newer.
func (v ServerVersion) AtLeast(major, minor int) bool {
	return v.Major > major || (v.Major == major && v.Minor >= minor)
}

func (v ServerVersion) String() string { return v.Raw }

var versionRE = regexp.MustCompile(`^(\d+)\.(\d+)`)

// ParseServerVersion reads "major.minor[.…]".
func ParseServerVersion(raw string) (ServerVersion, error) {
	m := versionRE.FindStringSubmatch(raw)
	if m == nil {
		return ServerVersion{Raw: raw}, fmt.Errorf("unrecognised server version %q", raw)
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	return ServerVersion{Major: major, Minor: minor, Raw: raw}, nil
}

func validate(ms []Migration) error {
	last := 0
	for _, m := range ms {
		if m.Version <= last {
			return fmt.Errorf("migration %d (%s): versions must be positive and strictly increasing (previous %d)", m.Version, m.Name, last)
		}
		last = m.Version
	}
	return nil
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func checkIdent(kind, s string) error {
	if !identRE.MatchString(s) {
		return fmt.Errorf("%s name %q: want letters, digits and underscores", kind, s)
	}
	return nil
}
