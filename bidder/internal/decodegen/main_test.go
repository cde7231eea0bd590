package main

import (
	"bytes"
	"os"
	"testing"
)

// TestGeneratedFileIsCurrent: bidder/request_decode.go is what the generator makes from the
// openrtb2 types in go.mod (after a version bump: go generate ./bidder).
func TestGeneratedFileIsCurrent(t *testing.T) {
	want, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../request_decode.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("bidder/request_decode.go is stale: run go generate ./bidder")
	}
}
