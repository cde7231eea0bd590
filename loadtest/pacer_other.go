//go:build !linux

package loadtest

func newPacer() pacer { return sleepPacer{} }
