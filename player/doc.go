// Package player is a headless HLS player in Go: a real client that plays what a viewer's
// player would, measures it, and reports quality of experience. It proves the edge end to end
// (the load generator plays viewer sessions with it) and measures the session-start budget.
package player
