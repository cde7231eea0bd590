package loadtest

import "time"

// A pacer puts the dispatcher to sleep until the next request is due. Precision matters: every
// microsecond the dispatcher wakes late is added to the latency of the requests it then sends
// (they are timed from their due time), so a coarse sleep inflates the low percentiles.
//
// time.Sleep below a millisecond wakes ~1 ms late on Linux (the netpoller waits in whole
// milliseconds); pacer_linux.go arms a timerfd instead, which wakes within tens of microseconds.
type pacer interface {
	sleep(d time.Duration)
	close()
}

// maxSleep bounds one sleep so that a slow schedule (rate below 1/s) still notices cancellation.
const maxSleep = 50 * time.Millisecond

// sleepPacer is the portable fallback.
type sleepPacer struct{}

func (sleepPacer) sleep(d time.Duration) { time.Sleep(d) }
func (sleepPacer) close()                {}
