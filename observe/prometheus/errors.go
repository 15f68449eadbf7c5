package hooksealprom

import "errors"

// Errors. Detail is wrapped with %w, so errors.Is finds the category and,
// for a failed registration, errors.As finds prometheus.AlreadyRegisteredError.
var (
	// ErrInvalidOption: New was given an option it cannot use (no
	// buckets, a route without a name, a timeout that is not positive).
	ErrInvalidOption = errors.New("hooksealprom: invalid option")
	// ErrRegister: the registerer refused a collector, most often because
	// another Metrics (or another library) registered the same series on
	// it.
	ErrRegister = errors.New("hooksealprom: registering the collectors")
	// ErrInvalidInbox: WatchInbox was given a nil inbox, an empty name, or
	// the name of an inbox it already watches.
	ErrInvalidInbox = errors.New("hooksealprom: invalid inbox")
)
