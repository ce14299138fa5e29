package pool

import (
	"errors"
	"fmt"
)

var (
	// ErrClosed is returned by Acquire, TryAcquire and Resize once Close has
	// been called.
	ErrClosed = errors.New("pool: closed")

	// ErrExhausted is returned by TryAcquire when no idle resource is
	// available right now.
	ErrExhausted = errors.New("pool: no idle resource available")

	// ErrInvalidConfig matches every *ConfigError.
	ErrInvalidConfig = errors.New("pool: invalid config")

	// ErrMisuse matches every *MisuseError: a Resource used after it was
	// released, destroyed or hijacked.
	ErrMisuse = errors.New("pool: resource misuse")
)

// ConfigError reports an invalid Config field.
type ConfigError struct {
	Field   string // the Config field, e.g. "MaxSize"
	Problem string // what is wrong with it
	Value   any    // the offending value, if any
}

func (e *ConfigError) Error() string {
	if e.Value == nil {
		return fmt.Sprintf("pool: invalid Config.%s: %s", e.Field, e.Problem)
	}
	return fmt.Sprintf("pool: invalid Config.%s: %s (got %v)", e.Field, e.Problem, e.Value)
}

// Is makes errors.Is(err, ErrInvalidConfig) hold.
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidConfig }

// CreateError wraps an error returned by Config.New. The Acquire that was
// waiting longest when the create failed receives it.
type CreateError struct {
	Err error
}

func (e *CreateError) Error() string { return "pool: create failed: " + e.Err.Error() }
func (e *CreateError) Unwrap() error { return e.Err }

// PanicError reports a panic recovered from a user callback (New, Close or
// Check). The pool stays usable: the resource involved is discarded and its
// slot freed.
type PanicError struct {
	Callback string // "New", "Close" or "Check"
	Value    any    // the value passed to panic
	Stack    []byte // the stack of the panicking goroutine
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("pool: %s panicked: %v", e.Callback, e.Value)
}

// Unwrap returns the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// MisuseError is the panic value when a Resource is used after its loan
// ended: released twice, destroyed after release, Value after Release, and
// so on. A pool never lets two callers own one resource, so misuse is
// stopped where it happens rather than discovered later as corruption.
type MisuseError struct {
	Op     string // the method called: "Value", "Release", "Destroy", "Hijack"
	Reason string
}

func (e *MisuseError) Error() string {
	return fmt.Sprintf("pool: %s on a Resource that %s", e.Op, e.Reason)
}

// Is makes errors.Is(err, ErrMisuse) hold.
func (e *MisuseError) Is(target error) bool { return target == ErrMisuse }

// CloseError is returned by Close when its context ends before every
// resource was returned and closed.
type CloseError struct {
	Err      error  // the context's error
	InUse    int    // resources still lent out
	Creating int    // creates still running
	Leaks    []Leak // for lent resources, where they were acquired (with LeakTimeout set)
}

func (e *CloseError) Error() string {
	return fmt.Sprintf("pool: close: %v with %d resource(s) still in use and %d create(s) running",
		e.Err, e.InUse, e.Creating)
}

func (e *CloseError) Unwrap() error { return e.Err }
