//go:build !unix

package loadtest

import "time"

func processCPU() (time.Duration, bool) { return 0, false }
