package pool

import (
	"context"
	"fmt"
)

// Resize changes MaxSize at run time. Growing starts creates for the callers
// waiting. Shrinking closes surplus idle resources at once and surplus lent
// ones as they are released; until the pool is within the new bound no
// resource is created or handed to a waiter, so the number of resources only
// falls. Resize returns a *ConfigError for a size Config would reject, and
// ErrClosed after Close.
func (p *Pool[T]) Resize(size int) error {
	switch {
	case size <= 0:
		return &ConfigError{Field: "MaxSize", Problem: "must be positive", Value: size}
	case size > maxSizeLimit:
		return &ConfigError{Field: "MaxSize", Problem: fmt.Sprintf("must be at most %d", maxSizeLimit), Value: size}
	case size < p.set.MinIdle:
		return &ConfigError{Field: "MaxSize", Problem: fmt.Sprintf("must not be below MinIdle (%d)", p.set.MinIdle), Value: size}
	}
	p.mu.Lock()
	if p.closing.Load() {
		p.mu.Unlock()
		return ErrClosed
	}
	old := p.maxSize.Load()
	p.maxSize.Store(int64(size))
	if p.set.Config.MaxIdle == 0 || p.set.Config.MaxIdle > size {
		p.maxIdle.Store(int64(size))
	} else {
		p.maxIdle.Store(int64(p.set.Config.MaxIdle))
	}
	oldQueue := p.queue.Load()
	replaced := !oldQueue.fits(int64(size))
	if replaced {
		p.queue.Store(newQueue[T](max(size, 2*int(old))))
	}
	shrinking := p.total.Load() > int64(size)
	if shrinking {
		p.mode.Or(flagShrinking)
	} else {
		p.mode.And(^flagShrinking)
	}
	p.mu.Unlock()

	if replaced {
		// Wake the waiters blocked on the old queue; each passes the signal
		// on and moves to the new one.
		oldQueue.signal(&item[T]{kind: movedSignal})
		p.recycle(oldQueue)
	}
	if shrinking {
		p.harvest()
		p.recycle(p.queue.Load())
	}
	p.growForWaiters(context.Background())
	return nil
}
