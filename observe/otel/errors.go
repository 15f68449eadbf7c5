package hooksealotel

import "errors"

// Errors. Detail is wrapped with %w, so errors.Is finds the category and
// the OpenTelemetry SDK's own error.
var (
	// ErrInvalidOption: New was given an option it cannot use (a nil
	// provider, no buckets, a timeout that is not positive).
	ErrInvalidOption = errors.New("hooksealotel: invalid option")
	// ErrInstrument: the meter refused to create an instrument or to
	// register the inbox callback.
	ErrInstrument = errors.New("hooksealotel: creating the instruments")
	// ErrInvalidInbox: WatchInbox was given a nil inbox, an empty name, or
	// the name of an inbox it already watches.
	ErrInvalidInbox = errors.New("hooksealotel: invalid inbox")
)
