package pool

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Order is the order in which idle resources are handed out.
type Order int

const (
	// LIFO prefers recently released resources: each CPU keeps reusing the
	// ones it released last (its slice of a sync.Pool), so a hot working set
	// stays warm and surplus resources sit untouched and age out, and
	// MaxIdleTime can shrink the pool after a burst. It is the default and
	// the fastest order: releases and acquires on the same CPU touch no
	// shared memory. The order is a preference, not a strict stack.
	LIFO Order = iota
	// FIFO hands out the resource that has been idle longest, spreading use
	// evenly over all resources. Every acquire and release then goes through
	// the shared queue, which is slower than LIFO.
	FIFO
)

func (o Order) String() string {
	switch o {
	case LIFO:
		return "LIFO"
	case FIFO:
		return "FIFO"
	}
	return fmt.Sprintf("Order(%d)", int(o))
}

// Config describes a pool. New is required and MaxSize must be positive;
// every other field is optional, and its zero value switches the feature off
// or picks the documented default. New rejects an invalid Config with a
// *ConfigError naming the field.
type Config[T any] struct {
	// New creates a resource. It is called on a goroutine of the pool, never
	// with a lock held. Its context carries the values of the context of the
	// Acquire that asked for the resource, and is canceled when the pool is
	// closed or CreateTimeout passes. A panic in New is recovered and
	// reported to a waiting caller as a *PanicError.
	New func(ctx context.Context) (T, error)

	// Close releases a resource's underlying handle. The pool calls it
	// exactly once for every resource New made, unless the resource was
	// hijacked. A panic or error in Close is recovered, counted and logged.
	Close func(T) error

	// Check reports whether an idle resource is still usable. It runs on
	// acquire when the resource has been idle for CheckAfterIdle or longer
	// (on every acquire when CheckAfterIdle is zero; never on a resource's
	// first acquire, as New just made it) and, with
	// CheckIdleEvery set, in the background while the resource is idle.
	// A resource that fails its check (error or panic) is destroyed.
	Check func(ctx context.Context, v T) error

	// MaxSize bounds the number of resources: idle, in use and being
	// created. Required; must be positive. Resize changes it at run time.
	MaxSize int

	// MinIdle is the number of idle resources the pool keeps warm in the
	// background. It must not exceed MaxSize (or MaxIdle, when set).
	MinIdle int

	// MaxIdle bounds the number of idle resources; the maintainer closes the
	// surplus, oldest first. Zero means MaxSize (no separate bound).
	MaxIdle int

	// MaxLifetime is how long a resource may live. An expired resource is
	// destroyed when it is released or found idle, never handed out.
	// Zero means forever.
	MaxLifetime time.Duration

	// LifetimeJitter shortens each resource's lifetime by a random amount
	// in [0, LifetimeJitter), drawn once when the resource is created, so
	// that resources created together do not all expire together.
	// It must be less than MaxLifetime.
	LifetimeJitter time.Duration

	// MaxIdleTime is how long a resource may stay idle before the
	// maintainer closes it (MinIdle resources are kept). Zero means forever.
	MaxIdleTime time.Duration

	// AcquireTimeout bounds how long Acquire waits when its context has no
	// deadline. A timed-out Acquire returns an error that matches
	// context.DeadlineExceeded. Zero means the context alone decides.
	AcquireTimeout time.Duration

	// CreateTimeout bounds each call to New. Zero means no bound other than
	// the pool's own life.
	CreateTimeout time.Duration

	// CreateBackoff is the pause before a create that follows a failed one;
	// it doubles with each consecutive failure up to MaxCreateBackoff, with
	// jitter, so a failing device is not stormed. Defaults: 10ms and 1s.
	CreateBackoff    time.Duration
	MaxCreateBackoff time.Duration

	// CheckAfterIdle is how long a resource must have been idle before
	// Acquire runs Check on it. Zero checks on every acquire. Requires Check.
	CheckAfterIdle time.Duration

	// CheckIdleEvery runs Check in the background on resources that have
	// been idle that long since their last use or check. Zero disables
	// background checks. Requires Check.
	CheckIdleEvery time.Duration

	// CheckTimeout bounds each call to Check. Default 1s.
	CheckTimeout time.Duration

	// LeakTimeout reports a resource held longer than this, once per loan,
	// with the stack of the goroutine that acquired it (to OnLeak and to
	// Logger). Capturing the stack costs about a third of a microsecond and
	// one allocation per acquire, so it is only done when LeakTimeout is set.
	LeakTimeout time.Duration

	// OnLeak receives leak reports. It runs on the maintainer goroutine and
	// must not block for long.
	OnLeak func(Leak)

	// Order is the order in which idle resources are handed out.
	// Default LIFO.
	Order Order

	// MaintenanceInterval is how often the background maintainer runs when
	// a feature needs it (MinIdle, MaxIdle, MaxIdleTime, MaxLifetime,
	// CheckAfterIdle, CheckIdleEvery, LeakTimeout). Zero picks a quarter of
	// the shortest of those durations, between 10ms and 1s. The maintainer
	// also keeps the pool's clock, so time-based decisions are accurate to
	// within one interval; without these features there is no maintainer
	// and the hot path never reads the clock.
	MaintenanceInterval time.Duration

	// Logger receives leak reports, Close errors and recovered panics.
	// Nil logs nothing.
	Logger *slog.Logger
}

const (
	defaultCreateBackoff    = 10 * time.Millisecond
	defaultMaxCreateBackoff = time.Second
	defaultCheckTimeout     = time.Second
	minMaintenanceInterval  = 10 * time.Millisecond
	maxMaintenanceInterval  = time.Second
)

// validate checks every field and returns the first problem found, naming the
// field. It does not modify c.
func (c *Config[T]) validate() error {
	bad := func(field, problem string, got any) error {
		return &ConfigError{Field: field, Problem: problem, Value: got}
	}
	switch {
	case c.New == nil:
		return bad("New", "is required", nil)
	case c.MaxSize <= 0:
		return bad("MaxSize", "must be positive", c.MaxSize)
	case c.MaxSize > maxSizeLimit:
		return bad("MaxSize", fmt.Sprintf("must be at most %d", maxSizeLimit), c.MaxSize)
	case c.MinIdle < 0:
		return bad("MinIdle", "must not be negative", c.MinIdle)
	case c.MinIdle > c.MaxSize:
		return bad("MinIdle", fmt.Sprintf("must not exceed MaxSize (%d)", c.MaxSize), c.MinIdle)
	case c.MaxIdle < 0:
		return bad("MaxIdle", "must not be negative (zero means MaxSize)", c.MaxIdle)
	case c.MaxIdle > c.MaxSize:
		return bad("MaxIdle", fmt.Sprintf("must not exceed MaxSize (%d)", c.MaxSize), c.MaxIdle)
	case c.MaxIdle > 0 && c.MinIdle > c.MaxIdle:
		return bad("MinIdle", fmt.Sprintf("must not exceed MaxIdle (%d)", c.MaxIdle), c.MinIdle)
	case c.MaxLifetime < 0:
		return bad("MaxLifetime", "must not be negative", c.MaxLifetime)
	case c.LifetimeJitter < 0:
		return bad("LifetimeJitter", "must not be negative", c.LifetimeJitter)
	case c.LifetimeJitter > 0 && c.LifetimeJitter >= c.MaxLifetime:
		return bad("LifetimeJitter", fmt.Sprintf("must be less than MaxLifetime (%v)", c.MaxLifetime), c.LifetimeJitter)
	case c.MaxIdleTime < 0:
		return bad("MaxIdleTime", "must not be negative", c.MaxIdleTime)
	case c.AcquireTimeout < 0:
		return bad("AcquireTimeout", "must not be negative", c.AcquireTimeout)
	case c.CreateTimeout < 0:
		return bad("CreateTimeout", "must not be negative", c.CreateTimeout)
	case c.CreateBackoff < 0:
		return bad("CreateBackoff", "must not be negative", c.CreateBackoff)
	case c.MaxCreateBackoff < 0:
		return bad("MaxCreateBackoff", "must not be negative", c.MaxCreateBackoff)
	case c.MaxCreateBackoff > 0 && c.MaxCreateBackoff < c.CreateBackoff:
		return bad("MaxCreateBackoff", fmt.Sprintf("must not be less than CreateBackoff (%v)", c.CreateBackoff), c.MaxCreateBackoff)
	case c.CheckAfterIdle < 0:
		return bad("CheckAfterIdle", "must not be negative", c.CheckAfterIdle)
	case c.CheckAfterIdle > 0 && c.Check == nil:
		return bad("CheckAfterIdle", "needs Check to be set", c.CheckAfterIdle)
	case c.CheckIdleEvery < 0:
		return bad("CheckIdleEvery", "must not be negative", c.CheckIdleEvery)
	case c.CheckIdleEvery > 0 && c.Check == nil:
		return bad("CheckIdleEvery", "needs Check to be set", c.CheckIdleEvery)
	case c.CheckTimeout < 0:
		return bad("CheckTimeout", "must not be negative", c.CheckTimeout)
	case c.LeakTimeout < 0:
		return bad("LeakTimeout", "must not be negative", c.LeakTimeout)
	case c.OnLeak != nil && c.LeakTimeout == 0:
		return bad("OnLeak", "needs LeakTimeout to be set", nil)
	case c.Order != LIFO && c.Order != FIFO:
		return bad("Order", "must be LIFO or FIFO", c.Order)
	case c.MaintenanceInterval < 0:
		return bad("MaintenanceInterval", "must not be negative", c.MaintenanceInterval)
	case c.MaintenanceInterval > 0 && c.MaintenanceInterval < time.Millisecond:
		return bad("MaintenanceInterval", "must be at least 1ms (zero picks one)", c.MaintenanceInterval)
	}
	return nil
}

// maxSizeLimit keeps sizes within what the pool's bookkeeping (and any
// sensible deployment) can hold.
const maxSizeLimit = 1 << 24

// settings is a validated Config with defaults applied and the derived
// switches the hot path tests.
type settings[T any] struct {
	Config[T]

	// timed is set when any decision needs the clock: lifetimes, idle times,
	// check thresholds, leaks. The maintainer then keeps the coarse clock.
	timed bool
	// maintained is set when the background maintainer has work to do.
	maintained bool
	// checkOnAcquire is set when Check runs on acquire.
	checkOnAcquire bool
	// fifo disables the per-CPU cache so that idle order is strict FIFO.
	fifo bool
}

func newSettings[T any](c Config[T]) settings[T] {
	s := settings[T]{Config: c}
	if s.CreateBackoff == 0 {
		s.CreateBackoff = defaultCreateBackoff
	}
	if s.MaxCreateBackoff == 0 {
		s.MaxCreateBackoff = max(defaultMaxCreateBackoff, s.CreateBackoff)
	}
	if s.CheckTimeout == 0 {
		s.CheckTimeout = defaultCheckTimeout
	}
	if s.MaxIdle == 0 {
		s.MaxIdle = s.MaxSize
	}
	s.fifo = s.Order == FIFO
	s.checkOnAcquire = s.Check != nil
	s.timed = s.MaxLifetime > 0 || s.MaxIdleTime > 0 || s.CheckAfterIdle > 0 ||
		s.CheckIdleEvery > 0 || s.LeakTimeout > 0
	s.maintained = s.timed || s.MinIdle > 0 || c.MaxIdle > 0
	if s.MaintenanceInterval == 0 {
		s.MaintenanceInterval = derivedInterval(s.MaxLifetime, s.MaxIdleTime,
			s.CheckAfterIdle, s.CheckIdleEvery, s.LeakTimeout)
	}
	return s
}

// derivedInterval is a quarter of the shortest positive duration, clamped to
// [minMaintenanceInterval, maxMaintenanceInterval].
func derivedInterval(ds ...time.Duration) time.Duration {
	shortest := time.Duration(0)
	for _, d := range ds {
		if d > 0 && (shortest == 0 || d < shortest) {
			shortest = d
		}
	}
	if shortest == 0 {
		return maxMaintenanceInterval
	}
	return min(max(shortest/4, minMaintenanceInterval), maxMaintenanceInterval)
}
