package pool

import (
	"context"
	"runtime/debug"
)

// destroyCause says why the pool destroyed a resource; Stats counts each.
type destroyCause int

const (
	causeExplicit destroyCause = iota
	causeIdleTime
	causeLifetime
	causeCheckFailed
	causeResize
	causeMaxIdle
	causeClosed
	numCauses
)

// retire closes an item the caller owns (stHeld) and frees its slot. Close
// runs first, with no lock held, and the slot is freed only after it returns,
// so the number of open handles never exceeds MaxSize even for a moment.
func (p *Pool[T]) retire(it *item[T], cause destroyCause) {
	lease := it.state.Load() >> stateBits
	it.state.Store(packState(lease, stDead))
	p.closeValue(it.value)
	p.counters.destroyed[cause].Add(1)
	p.unregister(it, lease)
	p.releaseSlot()
}

// unregister removes an item from the registry.
func (p *Pool[T]) unregister(it *item[T], lease uint64) {
	p.mu.Lock()
	last := len(p.items) - 1
	moved := p.items[last]
	p.items[it.index] = moved
	moved.index = it.index
	p.items[last] = nil
	p.items = p.items[:last]
	p.retired += lease
	p.counters.waited.waits.Add(it.waited.waits.Load())
	p.counters.waited.nanos.Add(it.waited.nanos.Load())
	p.mu.Unlock()
}

// releaseSlot gives back a slot of total and lets whoever needs it know:
// waiters get a create, a shrinking pool may reach its new size, a closing
// pool may be finished.
func (p *Pool[T]) releaseSlot() {
	t := p.total.Add(-1)
	m := p.mode.Load()
	if m&(flagClosing|flagShrinking) != 0 {
		p.mu.Lock()
		if m&flagShrinking != 0 && t <= p.maxSize.Load() && p.total.Load() <= p.maxSize.Load() {
			p.mode.And(^flagShrinking)
		}
		p.checkFinishedLocked()
		p.mu.Unlock()
		if m&flagClosing != 0 {
			return
		}
	}
	if m>>waiterShift != 0 {
		p.growForWaiters(context.Background())
	}
	if p.set.MinIdle > 0 {
		p.kickMaintainer()
	}
}

// goroutineDone is the last thing a goroutine of the pool does.
func (p *Pool[T]) goroutineDone() {
	if p.goroutines.Add(-1) == 0 && p.closing.Load() {
		p.mu.Lock()
		p.checkFinishedLocked()
		p.mu.Unlock()
	}
}

// checkFinishedLocked ends Close once no resource and no goroutine is left.
func (p *Pool[T]) checkFinishedLocked() {
	if p.closing.Load() && !p.finished && p.total.Load() == 0 && p.goroutines.Load() == 0 {
		p.finished = true
		close(p.done)
	}
}

// closeValue calls Config.Close, containing errors and panics.
func (p *Pool[T]) closeValue(v T) {
	if p.set.Close == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			p.counters.closeErrors.Add(1)
			p.logError("pool: Close panicked", &PanicError{Callback: "Close", Value: r, Stack: debug.Stack()})
		}
	}()
	if err := p.set.Close(v); err != nil {
		p.counters.closeErrors.Add(1)
		p.logError("pool: Close failed", err)
	}
}

func (p *Pool[T]) logError(msg string, err error) {
	if p.set.Logger != nil {
		p.set.Logger.Error(msg, "err", err)
	}
}
