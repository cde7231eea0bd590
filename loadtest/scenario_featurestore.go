package loadtest

import (
	"encoding/json"
	"fmt"
)

// FeatureStorePath is the feature store's batch read endpoint.
const FeatureStorePath = "/v1/features:batchGet"

// BatchGet is the body of a feature store batch read.
type BatchGet struct {
	EntityType string   `json:"entity_type"`
	IDs        []string `json:"ids"`
	Views      []string `json:"views"`
}

// FeatureStore builds batch reads, POST {target}/v1/features:batchGet with
// {"entity_type":"user","ids":[…],"views":[…]}: o.FeatureBatch distinct viewers per batch
// (default 200), drawn with Zipf popularity so the near-cache sees a realistic hit ratio.
func FeatureStore(target string, o Options) *Scenario {
	o = o.withDefaults()
	r := newRand(o.Seed, "featurestore")
	users := newPopulation(r, o.Users, o.ZipfS)
	uri := baseURL(target) + FeatureStorePath
	batch := min(o.FeatureBatch, o.Users)
	s := &Scenario{Name: "featurestore", Target: target, Requests: make([]Request, o.Pool)}
	seen := make(map[uint64]bool, batch)
	for i := range s.Requests {
		clear(seen)
		b := BatchGet{EntityType: "user", Views: o.FeatureViews, IDs: make([]string, 0, batch)}
		for len(b.IDs) < batch {
			u := users.draw()
			if !seen[u] {
				seen[u] = true
				b.IDs = append(b.IDs, userID(u))
			}
		}
		body, err := json.Marshal(b)
		if err != nil {
			panic(fmt.Sprintf("loadtest: encoding a batch: %v", err)) // strings only: cannot happen
		}
		s.Requests[i] = Request{Method: "POST", URI: uri, ContentType: "application/json", Body: body}
	}
	return s
}
