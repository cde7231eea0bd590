package adserver_test

import (
	"testing"

	"github.com/cuepoint/cuepoint/internal/stack/stacktest"
)

// TestMain shares one Cassandra (and ClickHouse) among the package's tests that ask for one.
func TestMain(m *testing.M) { stacktest.Main(m) }
