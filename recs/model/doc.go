// Package model is the recs model artifact: what `cuepoint train` learns and every recs
// instance serves, in one versioned, checksummed file.
//
// A Model holds, for the items it was trained on:
//
//   - item embeddings (implicit-feedback ALS) and their Gram matrix VᵀV, with the ALS
//     regularisation and confidence, so a server can fold a viewer in from a handful of
//     recently watched items (one small Cholesky solve) when the featurestore has no
//     embedding for them;
//   - item-to-item co-occurrence neighbours (CSR lists, best first);
//   - a popularity prior (decayed plays at training time), the trending list of last resort;
//   - the weights of the logistic-regression ranker, by feature name (recs/rank defines the
//     features; a weight whose name the server does not know is ignored, a feature the model
//     has no weight for gets 0, so models and servers can be upgraded in either order);
//   - metadata: version, creation time, seed, training window and the offline evaluation.
//
// # The file
//
//	magic "CPRECSMD" | format u32 | meta length u32 | meta (JSON)
//	section*: tag u32 | length u64 | payload (little-endian u32/f32 arrays, length-prefixed ids)
//	SHA-256 of everything above (32 bytes)
//
// Decode verifies the checksum before it reads a section, then checks every count, offset
// and float (finite), so a truncated, corrupted or hostile file is an error, never a panic or
// a half-loaded model (fuzz_test.go). Unknown section tags are skipped: a newer trainer can add
// sections that older servers ignore; a change older servers would misread bumps the format.
//
// # Publishing and hot reload
//
// Publish writes <dir>/<version>.recsmodel through a temporary file, fsync and rename, then
// points <dir>/CURRENT at it the same way, and prunes old versions. A Watcher polls CURRENT
// (no fsnotify) and hands each new, verified model to its callback; a bad file is logged and
// the previous model keeps serving. Rolling back is writing an older file name into CURRENT.
//
// Budget: loading is off the request path (tens of ms for 100k items); the request path only
// reads the immutable Model through an atomic pointer.
package model
