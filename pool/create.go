package pool

import (
	"context"
	"math/rand/v2"
	"runtime/debug"
	"time"
)

// reserve takes a slot for a new resource if the pool has room. The slot
// counts in total from now until the resource is destroyed or the create
// fails, which is what keeps total within MaxSize with no lock. The create
// is counted first, so that total never counts a resource that Stats
// cannot place.
func (p *Pool[T]) reserve() bool {
	p.creating.Add(1)
	for {
		t := p.total.Load()
		if t >= p.maxSize.Load() {
			p.creating.Add(-1)
			return false
		}
		if p.total.CompareAndSwap(t, t+1) {
			return true
		}
	}
}

// growForWaiters starts as many creates as waiters outnumber the creates
// running and the idle items queued for them, as far as the pool has room.
// The need is counted once: a create finishing meanwhile would otherwise be
// counted in neither. It starts none while a failed create is backing off:
// the retry comes after the pause.
func (p *Pool[T]) growForWaiters(ctx context.Context) {
	if p.total.Load() >= p.maxSize.Load() || p.retryPending.Load() {
		return
	}
	need := p.mode.Load()>>waiterShift - p.creating.Load() - int64(len(p.queue.Load().ch))
	for ; need > 0 && p.reserve(); need-- {
		p.startCreate(ctx)
	}
}

// growInBackground starts one create for TryAcquire if none is running.
func (p *Pool[T]) growInBackground() {
	if p.creating.Load() == 0 && !p.retryPending.Load() && p.reserve() {
		p.startCreate(context.Background())
	}
}

// startCreate runs a create on a goroutine of the pool for a reserved slot.
// ctx supplies the values New sees (a trace ID, say), not its lifetime.
func (p *Pool[T]) startCreate(ctx context.Context) {
	p.mu.Lock()
	if p.closing.Load() {
		p.mu.Unlock()
		p.creating.Add(-1)
		p.releaseSlot()
		return
	}
	p.goroutines.Add(1)
	p.mu.Unlock()
	go p.create(context.WithoutCancel(ctx))
}

// create makes one resource for a reserved slot and makes it idle, which
// hands it to the oldest waiter if there is one. A failure frees the slot at
// once and goes to the oldest waiter; then creates pause for a backoff that
// grows with each consecutive failure, and this goroutine starts the retry
// if callers still wait.
func (p *Pool[T]) create(values context.Context) {
	defer p.goroutineDone()
	v, err := p.callNew(values)
	if err != nil {
		p.counters.createFailures.Add(1)
		streak := p.failStreak.Add(1)
		p.retryPending.Store(true)
		p.creating.Add(-1)
		p.releaseSlot()
		p.deliverFailure(err)
		if p.sleep(p.backoff(streak)) {
			p.retryPending.Store(false)
			p.growForWaiters(values)
			if p.set.MinIdle > 0 {
				p.kickMaintainer()
			}
		}
		return
	}
	p.failStreak.Store(0)
	p.retryPending.Store(false)
	p.counters.creates.Add(1)
	// Counted out of creating before it is handed over: the waiter that
	// receives it then sees the true count when it checks whether the
	// waiters behind it still need creates (see received).
	it := p.register(v)
	p.creating.Add(-1)
	p.putIdle(it)
}

// backoff is the pause before the create that follows streak consecutive
// failures: CreateBackoff doubled per failure, capped, with jitter in
// [50%, 100%] so that clients of one device do not retry in step.
func (p *Pool[T]) backoff(streak int64) time.Duration {
	d := p.set.CreateBackoff
	for i := int64(1); i < streak && d < p.set.MaxCreateBackoff; i++ {
		d *= 2
	}
	d = min(d, p.set.MaxCreateBackoff)
	return d/2 + rand.N(d/2+1)
}

// sleep waits for d unless the pool closes first.
func (p *Pool[T]) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-p.baseCtx.Done():
		return false
	}
}

// callNew calls Config.New with a context that carries the caller's values
// and ends when the pool closes or CreateTimeout passes. A panic becomes a
// *PanicError.
func (p *Pool[T]) callNew(values context.Context) (v T, err error) {
	ctx, cancel := context.WithCancel(values)
	defer cancel()
	stop := context.AfterFunc(p.baseCtx, cancel)
	defer stop()
	if p.set.CreateTimeout > 0 {
		var cancelTimeout context.CancelFunc
		ctx, cancelTimeout = context.WithTimeout(ctx, p.set.CreateTimeout)
		defer cancelTimeout()
	}
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Callback: "New", Value: r, Stack: debug.Stack()}
			p.logError("pool: New panicked", err)
		}
	}()
	return p.set.New(ctx)
}

// register adds a new resource to the registry, held by the pool.
func (p *Pool[T]) register(v T) *item[T] {
	now := max(p.now(), p.clock.Load())
	it := &item[T]{owner: p, value: v, createdAt: now}
	it.state.Store(packState(0, stHeld))
	it.idleSince.Store(now)
	if p.set.MaxLifetime > 0 {
		life := p.set.MaxLifetime
		if p.set.LifetimeJitter > 0 {
			life -= rand.N(p.set.LifetimeJitter)
		}
		it.expiresAt = now + int64(life)
	}
	p.mu.Lock()
	it.index = len(p.items)
	p.items = append(p.items, it)
	p.mu.Unlock()
	return it
}

// now reads the real clock as pool time: nanoseconds since New, monotonic.
func (p *Pool[T]) now() int64 { return int64(time.Since(p.epoch)) }
