package udp

import (
	"context"
	"errors"
	"fmt"
	"os"
)

var (
	// ErrTimeout: no reply came within Timeout (on every attempt). It
	// matches os.ErrDeadlineExceeded and is a net.Error whose Timeout() is
	// true. When the caller's context ends first, Do returns the context's
	// error instead.
	ErrTimeout error = timeoutError{}

	// ErrTruncated: the reply was larger than the buffer. The reply is not
	// returned cut short.
	ErrTruncated = errors.New("udp: reply larger than the buffer")

	// ErrUnreachable: the device's host answered with ICMP port unreachable
	// (nothing listens on the port), or the network is unreachable.
	ErrUnreachable = errors.New("udp: device unreachable")

	// ErrClosed: the client is closed.
	ErrClosed = errors.New("udp: client closed")

	// ErrEmptyRequest and ErrRequestTooLarge reject a request before it is
	// sent.
	ErrEmptyRequest    = errors.New("udp: empty request")
	ErrRequestTooLarge = errors.New("udp: request larger than MaxPacketSize")

	// ErrNoID: the request has no ID where Config.ID says it is.
	ErrNoID = errors.New("udp: request carries no ID")

	// ErrDuplicateID: another request with the same ID is in flight.
	ErrDuplicateID = errors.New("udp: a request with this ID is already in flight")

	// ErrInvalidConfig matches every *ConfigError.
	ErrInvalidConfig = errors.New("udp: invalid config")
)

type timeoutError struct{}

func (timeoutError) Error() string   { return "udp: no reply within the timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// Is makes errors.Is(err, os.ErrDeadlineExceeded) hold.
func (timeoutError) Is(target error) bool { return target == os.ErrDeadlineExceeded }

// ConfigError reports an invalid Config field.
type ConfigError struct {
	Field   string
	Problem string
	Value   any
}

func (e *ConfigError) Error() string {
	if e.Value == nil {
		return fmt.Sprintf("udp: invalid Config.%s: %s", e.Field, e.Problem)
	}
	return fmt.Sprintf("udp: invalid Config.%s: %s (got %v)", e.Field, e.Problem, e.Value)
}

// Is makes errors.Is(err, ErrInvalidConfig) hold.
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidConfig }

// ctxError is the context's error if ctx is done.
func ctxError(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	default:
		return nil
	}
}
