package pool

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Pool is a bounded pool of resources of type T. It is safe for concurrent
// use. Create it with New and give it back with Close.
//
// # How it is fast
//
// While nobody is waiting, an idle resource sits in a per-CPU cache (a
// sync.Pool of pointers to items) and its ownership is decided by one
// compare-and-swap on the item itself: acquire and release on the same CPU
// touch no shared memory at all, so the pool scales with cores instead of
// bouncing one lock between them. The cache is only a hint. The item's state
// word is the truth, so a stale or duplicated cache entry is simply skipped,
// and a registry of all items lets the pool find idle items the cache forgot
// (a GC empties it).
//
// When callers must wait, the pool switches to a shared queue, a buffered
// channel of idle items. Waiters block on it, so the runtime serves them
// first come, first served, and a release hands its item straight to the
// oldest waiter. The switch is announced in one atomic word (mode) that the
// fast path reads; the first waiter moves every cached idle item into the
// queue, and a release that raced with the switch moves its own item there,
// so no idle item is ever stranded while someone waits.
//
// Creation, checks, closing and maintenance run outside every lock, on the
// caller's goroutine or a goroutine of the pool, never on the fast path.
type Pool[T any] struct {
	// Read by every acquire and release; written only by waiters.
	mode atomic.Int64 // waiters<<waiterShift | flags; zero opens the fast path
	_    [64 - 8]byte

	// Read by every acquire and release; written rarely.
	cache sync.Pool // per-CPU hints: *item[T] that were idle when put
	set   settings[T]
	clock atomic.Int64 // coarse pool clock (ns since epoch), kept by the maintainer
	// closing is set once by Close. The slow paths read it rather than
	// mode, whose line the waiters keep writing.
	closing atomic.Bool
	queue   atomic.Pointer[queue[T]]
	epoch   time.Time

	_ [64]byte // keep the slow path's counters off the lines above

	total      atomic.Int64 // idle + in use + being created + held by the pool
	maxSize    atomic.Int64
	maxIdle    atomic.Int64
	creating   atomic.Int64
	goroutines atomic.Int64 // running create and maintainer goroutines
	failSeq    atomic.Uint64
	failStreak atomic.Int64
	// retryPending is set while creates pause after a failure.
	retryPending atomic.Bool
	lastFail     atomic.Pointer[createFailure]
	sentinels    atomic.Int64 // failedSignal sentinels sitting in a queue

	counters counters

	baseCtx    context.Context // canceled by Close: stops creates and the maintainer
	cancelBase context.CancelFunc
	kick       chan struct{} // wakes the maintainer early
	closed     *item[T]      // the closedSignal sentinel
	timers     sync.Pool     // *time.Timer for AcquireTimeout

	mu       sync.Mutex
	items    []*item[T] // every item not yet dead; guarded by mu
	retired  uint64     // sum of the leases of retired items; guarded by mu
	finished bool       // done has been closed; guarded by mu
	done     chan struct{}
}

// mode word: flags in the low bits, the number of waiters above them.
const (
	flagClosing   = 1 << 0
	flagShrinking = 1 << 1
	waiterShift   = 8
	waiterUnit    = 1 << waiterShift
)

// New validates cfg and returns a pool. It creates no resource itself: with
// MinIdle set, the maintainer starts warming the pool in the background.
func New[T any](cfg Config[T]) (*Pool[T], error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	p := &Pool[T]{
		set:   newSettings(cfg),
		epoch: time.Now(),
		kick:  make(chan struct{}, 1),
		done:  make(chan struct{}),
	}
	p.closed = &item[T]{kind: closedSignal}
	p.maxSize.Store(int64(cfg.MaxSize))
	p.maxIdle.Store(int64(p.set.MaxIdle))
	p.queue.Store(newQueue[T](cfg.MaxSize))
	p.baseCtx, p.cancelBase = context.WithCancel(context.Background())
	if p.set.maintained {
		p.goroutines.Add(1)
		go p.maintainLoop()
		p.kickMaintainer()
	}
	return p, nil
}

// Acquire returns a resource, waiting if none is idle and the pool is full.
// Waiters are served first come, first served. It fails with ctx's error
// (wrapped, so errors.Is works) when ctx ends first, with an error matching
// context.DeadlineExceeded when AcquireTimeout passes, with a *CreateError
// when creating a resource for it failed, and with ErrClosed once the pool
// is closed. A caller that gives up never costs the pool a resource.
func (p *Pool[T]) Acquire(ctx context.Context) (Resource[T], error) {
	return p.acquire(ctx, true)
}

// TryAcquire returns an idle resource if there is one, and ErrExhausted
// otherwise. It never waits: when the pool has room it starts creating a
// resource in the background, so a later call may succeed.
func (p *Pool[T]) TryAcquire(ctx context.Context) (Resource[T], error) {
	return p.acquire(ctx, false)
}

// acquire is Acquire (block) and TryAcquire: the per-CPU cache while nobody
// waits, the shared queue otherwise.
func (p *Pool[T]) acquire(ctx context.Context, block bool) (Resource[T], error) {
	if done := ctx.Done(); done != nil {
		select {
		case <-done:
			return Resource[T]{}, p.contextError(ctx, false)
		default:
		}
	}
	for !p.set.fifo && p.mode.Load() == 0 {
		it, lease := p.takeCached()
		if it == nil {
			break
		}
		if ok, err := p.checkout(ctx, it, lease); ok {
			return Resource[T]{it, lease}, nil
		} else if err != nil {
			return Resource[T]{}, err
		}
	}
	return p.acquireSlow(ctx, block)
}

// takeCached claims an idle item from the per-CPU cache, skipping stale hints.
func (p *Pool[T]) takeCached() (*item[T], uint64) {
	for {
		x := p.cache.Get()
		if x == nil {
			return nil, 0
		}
		it := x.(*item[T])
		if lease, ok := it.claimIdle(); ok {
			return it, lease
		}
	}
}

// acquireSlow takes an item from the shared queue, waiting for one if block
// is set and starting creates when the pool has room.
func (p *Pool[T]) acquireSlow(ctx context.Context, block bool) (r Resource[T], err error) {
	var w waitState
	defer func() { p.finishWait(&w, r.it) }()
	for {
		if p.closing.Load() {
			return Resource[T]{}, ErrClosed
		}
		q := p.queue.Load()
		// Without waiters, try the queue before registering as one: the
		// item may be there, and registering writes the line every fast
		// path reads. With waiters blocked the queue is empty (a release
		// hands its item straight to one), so the try would only lock the
		// channel once more: queue behind them at once.
		if !block || p.mode.Load()>>waiterShift == 0 {
			select {
			case it := <-q.ch:
				if r, err, done := p.received(ctx, q, it, nil); done {
					return r, err
				}
				continue
			default:
			}
		}

		if !block {
			if it, lease := p.claimScanned(); it != nil {
				if ok, err := p.checkout(ctx, it, lease); ok {
					return Resource[T]{it, lease}, nil
				} else if err != nil {
					return Resource[T]{}, err
				}
				continue
			}
			p.growInBackground()
			return Resource[T]{}, ErrExhausted
		}

		// Create failures from here on are news to this waiter: noted
		// before it registers, since the create it starts may fail before
		// it begins to wait.
		seq := p.failSeq.Load()
		prev := p.mode.Add(waiterUnit) - waiterUnit
		if prev&flagClosing != 0 {
			p.mode.Add(-waiterUnit)
			return Resource[T]{}, ErrClosed
		}
		if prev>>waiterShift == 0 {
			// First waiter: from here on releases go to the queue, and
			// whatever is idle in the per-CPU cache must go there too.
			p.harvest()
		}
		p.growForWaiters(ctx)
		it, err := p.wait(ctx, q, &w, prev>>waiterShift+1)
		p.mode.Add(-waiterUnit)
		if err != nil {
			return Resource[T]{}, err
		}
		if r, err, done := p.received(ctx, q, it, &seq); done {
			return r, err
		}
	}
}

// received handles what came out of queue q. done reports that the acquire
// is over, with a resource or an error; otherwise the caller tries again.
// waitSeq is the failSeq the caller saw before it started waiting, or nil if
// it did not wait (then no create failure can be meant for it).
func (p *Pool[T]) received(ctx context.Context, q *queue[T], it *item[T], waitSeq *uint64) (r Resource[T], err error, done bool) {
	switch it.kind {
	case realItem:
		// The item may have been meant for a waiter (a create's result);
		// if waiters remain, make sure they are still covered.
		if p.mode.Load()>>waiterShift != 0 {
			p.growForWaiters(ctx)
		}
		lease := it.lendOwned()
		ok, err := p.checkout(ctx, it, lease)
		if !ok {
			return Resource[T]{}, err, err != nil
		}
		return Resource[T]{it, lease}, nil, true
	case closedSignal:
		q.signal(it)
		return Resource[T]{}, ErrClosed, true
	case movedSignal:
		q.signal(it)
		return Resource[T]{}, nil, false
	default: // failedSignal
		p.sentinels.Add(-1)
		if waitSeq != nil && it.err.seq > *waitSeq {
			return Resource[T]{}, &CreateError{Err: it.err.err}, true
		}
		return Resource[T]{}, nil, false
	}
}

// checkout finishes a loan that was just started (the item is in use under
// lease): it applies lifetime, idle time and health checks and records the
// borrower for leak detection. ok means the caller may have the item. If the
// item had to be discarded, ok and err are both zero and the caller tries
// again; err is set only when ctx ended during a check.
func (p *Pool[T]) checkout(ctx context.Context, it *item[T], lease uint64) (ok bool, err error) {
	if !p.set.timed && !p.set.checkOnAcquire {
		return true, nil
	}
	now := p.clock.Load()
	if p.set.timed {
		if it.expiresAt != 0 && now >= it.expiresAt {
			p.discard(it, lease, causeLifetime)
			return false, nil
		}
		if p.set.MaxIdleTime > 0 && now-it.idleSince.Load() >= int64(p.set.MaxIdleTime) {
			p.discard(it, lease, causeIdleTime)
			return false, nil
		}
	}
	// A resource on its first loan is fresh from New: it needs no check,
	// and never checking it keeps a device that fails every check from
	// looping Acquire through create and destroy forever.
	if p.set.checkOnAcquire && lease > 1 &&
		(p.set.CheckAfterIdle == 0 || now-it.idleSince.Load() >= int64(p.set.CheckAfterIdle)) {
		if err := p.runCheck(ctx, it); err != nil {
			if ctx.Err() != nil {
				// The caller gave up; that says nothing about the resource.
				p.counters.unlent.Add(1)
				p.release(it, lease)
				return false, p.contextError(ctx, false)
			}
			p.discard(it, lease, causeCheckFailed)
			return false, nil
		}
		it.idleSince.Store(now)
	}
	if p.set.LeakTimeout > 0 {
		it.borrow.Store(newBorrow(now))
	}
	return true, nil
}

// discard destroys an item whose loan was started but must not be handed out.
func (p *Pool[T]) discard(it *item[T], lease uint64, cause destroyCause) {
	p.counters.unlent.Add(1)
	it.endLoan(lease, stHeld)
	p.retire(it, cause)
}

// release ends the loan lease of it and makes the item idle again.
func (p *Pool[T]) release(it *item[T], lease uint64) {
	if p.set.timed {
		if it.state.Load() != packState(lease, stInUse) {
			panic(it.misuse("Release", lease))
		}
		now := p.clock.Load()
		it.idleSince.Store(now)
		if p.set.LeakTimeout > 0 {
			it.borrow.Store(nil)
		}
		if it.expiresAt != 0 && now >= it.expiresAt {
			if !it.endLoan(lease, stHeld) {
				panic(it.misuse("Release", lease))
			}
			p.retire(it, causeLifetime)
			return
		}
	}
	m := p.mode.Load()
	if m == 0 && !p.set.fifo {
		if !it.endLoan(lease, stIdle) {
			panic(it.misuse("Release", lease))
		}
		p.cache.Put(it)
		if p.mode.Load() != 0 {
			// A waiter or Close arrived meanwhile and may not see the cache.
			p.rescue(it)
		}
		return
	}
	if !it.endLoan(lease, stHeld) {
		panic(it.misuse("Release", lease))
	}
	p.putIdleIn(it, m)
}

// rescue moves it from the cache to wherever idle items belong now, unless
// someone claimed it first.
func (p *Pool[T]) rescue(it *item[T]) {
	if it.holdIdle() {
		p.putIdle(it)
	}
}

// putIdle makes an item the pool holds (stHeld) idle, or destroys it when the
// pool is closing, shrinking or the item has expired.
func (p *Pool[T]) putIdle(it *item[T]) { p.putIdleIn(it, p.mode.Load()) }

// putIdleIn is putIdle with the mode word already read. A stale mode is
// harmless: at worst the item goes to the queue, and settle catches Close.
func (p *Pool[T]) putIdleIn(it *item[T], m int64) {
	if m&flagClosing != 0 {
		p.retire(it, causeClosed)
		return
	}
	if m&flagShrinking != 0 && p.total.Load() > p.maxSize.Load() {
		p.retire(it, causeResize)
		return
	}
	if it.expiresAt != 0 && p.clock.Load() >= it.expiresAt {
		p.retire(it, causeLifetime)
		return
	}
	if m == 0 && !p.set.fifo {
		it.setOwned(stIdle)
		p.cache.Put(it)
		if p.mode.Load() != 0 {
			p.rescue(it)
		}
		return
	}
	p.enqueue(it)
}

// claimScanned claims an idle item found by scanning the registry: the cache
// may have forgotten idle items (a GC empties sync.Pool).
func (p *Pool[T]) claimScanned() (*item[T], uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, it := range p.items {
		if lease, ok := it.claimIdle(); ok {
			return it, lease
		}
	}
	return nil, 0
}

// harvest moves every item idle in the cache into the shared queue.
func (p *Pool[T]) harvest() {
	for _, it := range p.holdCached() {
		p.putIdle(it)
	}
}

// holdCached takes every item idle in the cache (or forgotten by it) for
// the pool's own use.
func (p *Pool[T]) holdCached() []*item[T] {
	var held []*item[T]
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, it := range p.items {
		if it.holdIdle() {
			held = append(held, it)
		}
	}
	return held
}

// contextError returns ctx's error and counts it. timedOut reports an
// AcquireTimeout rather than the context's own end.
func (p *Pool[T]) contextError(ctx context.Context, timedOut bool) error {
	err := ctx.Err()
	if timedOut || err == context.DeadlineExceeded {
		p.counters.timeouts.Add(1)
	} else {
		p.counters.canceled.Add(1)
	}
	if timedOut {
		err = errAcquireTimeout
	}
	if f := p.lastFail.Load(); f != nil && p.failStreak.Load() > 0 {
		return &waitError{err: err, lastCreate: f.err}
	}
	return err
}
