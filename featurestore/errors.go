package featurestore

import (
	"errors"
	"fmt"
)

// RequestError is a request the caller must fix: an unknown entity type, view or feature, a
// value of the wrong type, an invalid id, an oversized batch. The HTTP API answers it with 400
// and its Reason.
type RequestError struct {
	Reason string
}

func (e *RequestError) Error() string { return e.Reason }

// IsRequestError reports whether err is (or wraps) a *RequestError.
func IsRequestError(err error) bool {
	var re *RequestError
	return errors.As(err, &re)
}

func badRequest(format string, args ...any) error {
	return &RequestError{Reason: fmt.Sprintf(format, args...)}
}

// ErrUnavailable means the backend (Cassandra) did not answer in time or refused. Reads never
// return it (they degrade to cached values or defaults, see Status); writes do.
var ErrUnavailable = errors.New("featurestore: backend unavailable")

// ErrConflict means a Modify lost its compare-and-set race too many times in a row.
var ErrConflict = errors.New("featurestore: concurrent modification, retries exhausted")
