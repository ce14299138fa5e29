package pool

import "context"

// Close shuts the pool down. At once, Acquire and TryAcquire fail with
// ErrClosed, waiters are woken with ErrClosed, running creates are canceled
// and idle resources are closed; lent resources are closed as they are
// released. Close returns nil when every resource is closed and every
// goroutine of the pool has ended, or a *CloseError (matching ctx's error)
// when ctx ends first, saying what is still out. Close may be called again,
// for example with a longer deadline, to keep waiting.
func (p *Pool[T]) Close(ctx context.Context) error {
	p.mu.Lock()
	first := !p.closing.Load()
	if first {
		p.closing.Store(true)
		p.mode.Or(flagClosing)
		p.cancelBase()
		p.checkFinishedLocked()
	}
	p.mu.Unlock()
	if first {
		q := p.queue.Load()
		q.signal(p.closed)
		p.closeIdle(q)
	}
	select {
	case <-p.done:
		return nil
	case <-ctx.Done():
		return p.closeError(ctx.Err())
	}
}

// closeIdle closes the idle resources, in the cache and in the queue.
func (p *Pool[T]) closeIdle(q *queue[T]) {
	for _, it := range p.holdCached() {
		p.retire(it, causeClosed)
	}
	p.drainClosed(q)
}

func (p *Pool[T]) closeError(err error) *CloseError {
	e := &CloseError{Err: err, Creating: int(p.creating.Load())}
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, it := range p.items {
		if it.state.Load()&stateMask == stInUse {
			e.InUse++
			if b := it.borrow.Load(); b != nil {
				e.Leaks = append(e.Leaks, p.leakOf(b, now))
			}
		}
	}
	return e
}
