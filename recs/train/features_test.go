package train

import (
	"context"
	"testing"
	"time"

	"github.com/cuepoint/cuepoint/featurestore"
)

func TestWriteFeaturesMergesIntoTheViews(t *testing.T) {
	cat, ds, _ := world(t, 300, 120, 3)
	res, err := Train(context.Background(), ds, cat, Config{Seed: 1, Now: end, Iterations: 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	store, err := featurestore.OpenMemory(featurestore.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	viewer := res.Users[0]
	// Features the trainer does not own, written before it runs, must survive it.
	if err := store.Put(ctx, featurestore.EntityUser, viewer, featurestore.ViewProfile,
		featurestore.Fields{"country": "DE", "tenure_days": int64(42)}, end.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := store.Put(ctx, featurestore.EntityItem, cat.ID(0), featurestore.ViewMeta,
		featurestore.Fields{"quality": 0.9}, end.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	var calls int
	users, items, err := WriteFeatures(ctx, store, res, cat, WriteOptions{Progress: func(int, int) { calls++ }})
	if err != nil {
		t.Fatal(err)
	}
	if users != len(res.Users) || items != cat.Len() || calls == 0 {
		t.Fatalf("wrote %d viewers, %d titles (progress %d calls)", users, items, calls)
	}
	u, _ := store.Get(ctx, featurestore.EntityUser, viewer, featurestore.ViewProfile)
	p := u.Views[0]
	if p.Str("country") != "DE" || p.Int("tenure_days") != 42 {
		t.Fatalf("the profile lost its other features: %v", p.Fields())
	}
	got := p.Vector("embedding")
	for d, v := range res.UserEmbedding(0) {
		if got[d] != v {
			t.Fatalf("embedding[%d] = %v, want %v", d, got[d], v)
		}
	}
	it, _ := store.Get(ctx, featurestore.EntityItem, cat.ID(0), featurestore.ViewMeta)
	m := it.Views[0]
	if m.Float("quality") != 0.9 || m.Str("genre") != cat.Item(0).PrimaryGenre() || m.Int("duration_s") != int64(cat.Item(0).DurationS) {
		t.Fatalf("item meta: %v", m.Fields())
	}
}
