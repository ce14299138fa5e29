package pool

import (
	"context"
	"math/rand/v2"
	"time"
)

// A queue is the shared FIFO of idle items that waiters block on: a buffered
// channel, so the runtime keeps the waiters in arrival order and a send hands
// an item straight to the oldest of them.
//
// Capacity invariant: a send into a queue never blocks. Each live item is in
// at most one queue at a time and there are at most MaxSize live items (the
// largest MaxSize the queue was made for), plus at most queueSlack sentinels:
// one closedSignal, one movedSignal and maxFailedSentinels failedSignals.
// When Resize grows the pool past a queue's capacity, a bigger queue replaces
// it (see migrate).
type queue[T any] struct {
	ch chan *item[T]
}

const (
	maxFailedSentinels = 4
	queueSlack         = maxFailedSentinels + 2
)

func newQueue[T any](size int) *queue[T] {
	return &queue[T]{ch: make(chan *item[T], size+queueSlack)}
}

// fits reports whether the queue can hold a pool of the given size.
func (q *queue[T]) fits(size int64) bool { return size+queueSlack <= int64(cap(q.ch)) }

// signal passes a closed or moved signal on to the next waiter.
func (q *queue[T]) signal(s *item[T]) {
	select {
	case q.ch <- s:
	default: // cannot happen (capacity invariant); never block a caller on it
	}
}

// enqueue puts an item the pool holds into the shared queue, where the oldest
// waiter, if any, receives it at once.
func (p *Pool[T]) enqueue(it *item[T]) {
	it.setOwned(stQueued)
	q := p.queue.Load()
	q.ch <- it
	p.settle(q)
}

// settle repairs the race between a send into q and Close or a queue
// replacement that the sender did not see: the item would sit where nobody
// looks for it.
func (p *Pool[T]) settle(q *queue[T]) {
	if p.closing.Load() {
		p.drainClosed(q)
	}
	if p.queue.Load() != q {
		p.recycle(q)
	}
}

// drainClosed closes every idle item in q after Close.
func (p *Pool[T]) drainClosed(q *queue[T]) {
	p.drain(q, func(it *item[T]) { p.retire(it, causeClosed) })
}

// recycle takes every item out of q and makes it idle again: in the current
// queue (q may have been replaced) or the cache, or destroyed if the pool
// shrank. Signals stay in q for the waiters still blocked on it.
func (p *Pool[T]) recycle(q *queue[T]) {
	p.drain(q, p.putIdle)
}

// drain takes what q holds right now. Each resource goes to take, held by
// the pool; create-failure signals, which nobody was waiting for when they
// were sent, are dropped; closed and moved signals are put back for the
// waiters still blocked on q.
func (p *Pool[T]) drain(q *queue[T], take func(*item[T])) {
	var signals []*item[T]
loop:
	for n := len(q.ch); n > 0; n-- {
		var it *item[T]
		select {
		case it = <-q.ch:
		default:
			break loop
		}
		switch it.kind {
		case realItem:
			it.setOwned(stHeld)
			take(it)
		case failedSignal:
			p.sentinels.Add(-1)
		default:
			signals = append(signals, it)
		}
	}
	for _, s := range signals {
		q.signal(s)
	}
}

// deliverFailure sends a create failure to the waiter that has waited
// longest, so that it learns why instead of sleeping until its deadline.
func (p *Pool[T]) deliverFailure(err error) {
	f := &createFailure{err: err, seq: p.failSeq.Add(1)}
	p.lastFail.Store(f)
	if p.mode.Load()>>waiterShift == 0 {
		return
	}
	if p.sentinels.Add(1) > maxFailedSentinels {
		p.sentinels.Add(-1)
		return
	}
	q := p.queue.Load()
	select {
	case q.ch <- &item[T]{kind: failedSignal, err: f}:
	default:
		p.sentinels.Add(-1)
	}
	p.settle(q)
}

// waitState is what one acquire keeps across its waits.
type waitState struct {
	timer  *time.Timer
	waited bool
	weight int64 // how many waits this one's time stands for; 0: not timed
	start  int64 // pool time of the first wait
}

// waitSampling: with many callers waiting, only every waitSampling-th wait
// reads the clock, and its time counts for waitSampling waits. Two clock
// reads cost as much as the rest of a contended acquire; with few waiters
// every wait is timed exactly.
const waitSampling = 8

// wait blocks on q until an item arrives, ctx ends or AcquireTimeout passes.
// waiters is the number of callers waiting, this one included.
func (p *Pool[T]) wait(ctx context.Context, q *queue[T], w *waitState, waiters int64) (*item[T], error) {
	if !w.waited {
		w.waited = true
		switch {
		case waiters <= 2:
			w.weight = 1
		case rand.Uint32()%waitSampling == 0:
			w.weight = waitSampling
		}
		if w.weight != 0 {
			w.start = p.now()
		}
	}
	done := ctx.Done()
	if done == nil && p.set.AcquireTimeout == 0 {
		return <-q.ch, nil
	}
	var expired <-chan time.Time
	if p.set.AcquireTimeout > 0 {
		if _, ok := ctx.Deadline(); !ok {
			if w.timer == nil {
				w.timer = p.startTimer(p.set.AcquireTimeout)
			}
			expired = w.timer.C
		}
	}
	select {
	case it := <-q.ch:
		return it, nil
	case <-done:
		return nil, p.contextError(ctx, false)
	case <-expired:
		return nil, p.contextError(ctx, true)
	}
}

// finishWait counts the wait and its time, and recycles the timer. A wait
// that ends with a resource is counted on the resource, whose memory the
// waiter is writing anyway, so that waiting writes no shared counter; Stats
// adds them up.
func (p *Pool[T]) finishWait(w *waitState, got *item[T]) {
	if w.waited {
		c := &p.counters.waited
		if got != nil {
			c = &got.waited
		}
		c.waits.Add(1)
		if w.weight != 0 {
			c.nanos.Add((p.now() - w.start) * w.weight)
		}
	}
	if w.timer != nil {
		w.timer.Stop()
		p.timers.Put(w.timer)
	}
}

func (p *Pool[T]) startTimer(d time.Duration) *time.Timer {
	if t, _ := p.timers.Get().(*time.Timer); t != nil {
		t.Reset(d)
		return t
	}
	return time.NewTimer(d)
}

// errAcquireTimeout is returned when AcquireTimeout passes.
var errAcquireTimeout error = acquireTimeoutError{}

type acquireTimeoutError struct{}

func (acquireTimeoutError) Error() string { return "pool: acquire timed out (AcquireTimeout)" }

// Is makes errors.Is(err, context.DeadlineExceeded) hold.
func (acquireTimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// waitError is a context or timeout error of an acquire that waited while
// creates were failing; it names the last create error.
type waitError struct {
	err        error
	lastCreate error
}

func (e *waitError) Error() string {
	return e.err.Error() + " (last create error: " + e.lastCreate.Error() + ")"
}

func (e *waitError) Unwrap() []error { return []error{e.err, &CreateError{Err: e.lastCreate}} }
