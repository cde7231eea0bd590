package catalog

import (
	"context"
	"errors"
	"sort"
	"sync"
)

// ErrNotFound means no entry has the id.
var ErrNotFound = errors.New("catalog: not found")

// Store keeps the catalog durably: creatives and line items. The catalog holds everything in
// memory and writes through; several adserver instances share one store and reload from it.
type Store interface {
	ListCreatives(ctx context.Context) ([]*Creative, error)
	PutCreative(ctx context.Context, c *Creative) error
	DeleteCreative(ctx context.Context, id string) error
	ListLineItems(ctx context.Context) ([]*LineItem, error)
	PutLineItem(ctx context.Context, l *LineItem) error
	DeleteLineItem(ctx context.Context, id string) error
}

// MemoryStore is a Store in process memory (tests, and `cuepoint adserver` without Cassandra).
type MemoryStore struct {
	mu        sync.Mutex
	creatives map[string]Creative
	lineItems map[string]LineItem
}

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{creatives: map[string]Creative{}, lineItems: map[string]LineItem{}}
}

func (m *MemoryStore) ListCreatives(context.Context) ([]*Creative, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*Creative, 0, len(m.creatives))
	for _, c := range m.creatives {
		c := c
		out = append(out, &c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (m *MemoryStore) PutCreative(_ context.Context, c *Creative) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.creatives[c.ID] = *c
	return nil
}

func (m *MemoryStore) DeleteCreative(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.creatives[id]; !ok {
		return ErrNotFound
	}
	delete(m.creatives, id)
	return nil
}

func (m *MemoryStore) ListLineItems(context.Context) ([]*LineItem, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*LineItem, 0, len(m.lineItems))
	for _, l := range m.lineItems {
		l := l
		out = append(out, &l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (m *MemoryStore) PutLineItem(_ context.Context, l *LineItem) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lineItems[l.ID] = *l
	return nil
}

func (m *MemoryStore) DeleteLineItem(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.lineItems[id]; !ok {
		return ErrNotFound
	}
	delete(m.lineItems, id)
	return nil
}
