package bidder

import (
	"context"
	"errors"
	"sort"
	"sync"

	stdjson "encoding/json"
)

// ErrNotFound is returned by CampaignStore.Get for an unknown id.
var ErrNotFound = errors.New("campaign not found")

// MemoryStore is an in-process CampaignStore (dev without Cassandra, tests). Campaigns are
// deep-copied in and out, so callers never share them with the index.
type MemoryStore struct {
	mu  sync.RWMutex
	m   map[string][]byte
	gen uint64 // bumped by every Put and Delete
}

// Generation changes whenever a campaign is put or deleted, so the bidder's periodic reload can
// skip decoding and comparing every campaign when nothing changed (see generationStore).
func (s *MemoryStore) Generation() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.gen
}

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore { return &MemoryStore{m: map[string][]byte{}} }

// List returns every campaign, ordered by id.
func (s *MemoryStore) List(context.Context) ([]*Campaign, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := make([]string, 0, len(s.m))
	for id := range s.m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]*Campaign, 0, len(ids))
	for _, id := range ids {
		c, err := decodeCampaign(s.m[id])
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// Get returns the campaign or ErrNotFound.
func (s *MemoryStore) Get(_ context.Context, id string) (*Campaign, error) {
	s.mu.RLock()
	raw, ok := s.m[id]
	s.mu.RUnlock()
	if !ok {
		return nil, ErrNotFound
	}
	return decodeCampaign(raw)
}

// Put stores the campaign, replacing one with the same id.
func (s *MemoryStore) Put(_ context.Context, c *Campaign) error {
	raw, err := stdjson.Marshal(c)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.m[c.ID] = raw
	s.gen++
	s.mu.Unlock()
	return nil
}

// Delete removes the campaign (no error when absent).
func (s *MemoryStore) Delete(_ context.Context, id string) error {
	s.mu.Lock()
	delete(s.m, id)
	s.gen++
	s.mu.Unlock()
	return nil
}

func decodeCampaign(raw []byte) (*Campaign, error) {
	c := new(Campaign)
	if err := stdjson.Unmarshal(raw, c); err != nil {
		return nil, err
	}
	return c, nil
}
