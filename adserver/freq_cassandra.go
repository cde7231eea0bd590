package adserver

import (
	"context"
	"fmt"
	"regexp"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// CassandraFrequency is the FrequencyStore of a deployment: table frequency of the adserver's
// keyspace (migration 2 of catalog.Schema). One partition per viewer, one row per impression
// (advertiser domain, ad serving id) written with a TTL of the cap's window, so a viewer's
// count is the rows of their partition: an exact sliding window, idempotent writes, nothing
// to clean up. Writes are LOCAL_QUORUM, reads LOCAL_ONE (a read on the request path; a
// viewer's next break comes minutes after an impression, long after its write reached every
// local replica).
type CassandraFrequency struct {
	s      *gocql.Session
	ks     string
	window time.Duration
}

var cqlNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,47}$`)

// maxFreqRows bounds one viewer's read: far more impressions than any cap lets through in
// a window.
const maxFreqRows = 5000

// NewCassandraFrequency returns the store on session s, table frequency of keyspace, for caps
// over window.
func NewCassandraFrequency(s *gocql.Session, keyspace string, window time.Duration) (*CassandraFrequency, error) {
	if !cqlNameRE.MatchString(keyspace) {
		return nil, fmt.Errorf("adserver keyspace %q: want letters, digits and underscores", keyspace)
	}
	if window < time.Second {
		return nil, fmt.Errorf("frequency window %s: want at least 1s", window)
	}
	return &CassandraFrequency{s: s, ks: keyspace, window: window}, nil
}

// Counts implements FrequencyStore.
func (c *CassandraFrequency) Counts(ctx context.Context, viewer string, now time.Time) (map[string]int, error) {
	it := c.s.Query(`SELECT key, at FROM `+c.ks+`.frequency WHERE viewer = ? LIMIT `+fmt.Sprint(maxFreqRows), viewer).
		WithContext(ctx).Consistency(gocql.LocalOne).Idempotent(true).Iter()
	since := now.Add(-c.window)
	counts := map[string]int{}
	var key string
	var at time.Time
	for it.Scan(&key, &at) {
		if at.After(since) { // rows written with a longer window by another configuration
			counts[key]++
		}
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("frequency: read %s: %w", viewer, err)
	}
	return counts, nil
}

// Add implements FrequencyStore.
func (c *CassandraFrequency) Add(ctx context.Context, viewer, key, adID string, at time.Time) error {
	ttl := int((c.window + time.Second - 1) / time.Second)
	err := c.s.Query(`INSERT INTO `+c.ks+`.frequency (viewer, key, ad, at) VALUES (?, ?, ?, ?) USING TTL ?`,
		viewer, key, adID, at.UTC().Truncate(time.Millisecond), ttl).
		WithContext(ctx).Consistency(gocql.LocalQuorum).Idempotent(true).Exec()
	if err != nil {
		return fmt.Errorf("frequency: write %s: %w", viewer, err)
	}
	return nil
}
