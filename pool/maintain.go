package pool

import (
	"context"
	"runtime/debug"
	"slices"
	"time"
)

// The maintainer is one goroutine, started only when a feature needs it. It
// keeps the pool clock, closes resources that outlived MaxLifetime or
// MaxIdleTime or exceed MaxIdle, checks idle resources, keeps MinIdle warm
// and reports leaks. It never holds the lock while it calls user code.
func (p *Pool[T]) maintainLoop() {
	defer p.goroutineDone()
	t := time.NewTicker(p.set.MaintenanceInterval)
	defer t.Stop()
	for {
		select {
		case <-p.baseCtx.Done():
			return
		case <-t.C:
		case <-p.kick:
		}
		p.maintain(p.now())
	}
}

// kickMaintainer asks the maintainer to run soon.
func (p *Pool[T]) kickMaintainer() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// idleEntry is an idle item seen by the maintainer.
type idleEntry[T any] struct {
	it     *item[T]
	since  int64
	queued bool
}

// chore is what the maintainer does to an idle item.
type chore int

const (
	keep chore = iota
	check
	destroyLifetime
	destroyIdleTime
	destroyMaxIdle
)

func (c chore) cause() destroyCause {
	switch c {
	case destroyLifetime:
		return causeLifetime
	case destroyIdleTime:
		return causeIdleTime
	}
	return causeMaxIdle
}

// maintain does one round of maintenance at pool time now.
func (p *Pool[T]) maintain(now int64) {
	if now > p.clock.Load() {
		p.clock.Store(now)
	}
	if p.closing.Load() {
		return
	}
	idle, leaks := p.survey(now)
	p.reportLeaks(now, leaks)

	chores := p.plan(now, idle)
	held := map[*item[T]]chore{}
	drainQueue := false
	for i, e := range idle {
		switch {
		case chores[i] == keep:
		case e.queued:
			drainQueue = true
		case e.it.holdIdle():
			held[e.it] = chores[i]
		}
	}
	if drainQueue {
		p.drainForChores(idle, chores, held)
	}
	idleLeft := len(idle)
	for it, c := range held {
		if c == check {
			if p.checkIdle(it, now) {
				continue
			}
			idleLeft--
			continue
		}
		idleLeft--
		p.retire(it, c.cause())
	}
	p.fillMinIdle(idleLeft)
}

// survey snapshots the idle items, oldest first, and the loans that have
// become leaks.
func (p *Pool[T]) survey(now int64) (idle []idleEntry[T], leaks []*borrow) {
	p.mu.Lock()
	for _, it := range p.items {
		switch it.state.Load() & stateMask {
		case stIdle:
			idle = append(idle, idleEntry[T]{it: it, since: it.idleSince.Load()})
		case stQueued:
			idle = append(idle, idleEntry[T]{it: it, since: it.idleSince.Load(), queued: true})
		case stInUse:
			if p.set.LeakTimeout > 0 {
				if b := it.borrow.Load(); b != nil && now-b.at >= int64(p.set.LeakTimeout) && b.reported.CompareAndSwap(false, true) {
					leaks = append(leaks, b)
				}
			}
		}
	}
	p.mu.Unlock()
	slices.SortFunc(idle, func(a, b idleEntry[T]) int { return int(a.since - b.since) })
	return idle, leaks
}

// plan decides what to do with each idle item (oldest first). MinIdle items
// are kept even when idle too long; beyond MaxIdle the oldest go.
func (p *Pool[T]) plan(now int64, idle []idleEntry[T]) []chore {
	chores := make([]chore, len(idle))
	remaining := len(idle)
	maxIdle := int(p.maxIdle.Load())
	for i, e := range idle {
		switch {
		case e.it.expiresAt != 0 && now >= e.it.expiresAt:
			chores[i] = destroyLifetime
		case p.set.MaxIdleTime > 0 && now-e.since >= int64(p.set.MaxIdleTime) && remaining > p.set.MinIdle:
			chores[i] = destroyIdleTime
		case remaining > maxIdle:
			chores[i] = destroyMaxIdle
		case p.set.CheckIdleEvery > 0 && now-e.since >= int64(p.set.CheckIdleEvery):
			chores[i] = check
		default:
			continue
		}
		if chores[i] != check {
			remaining--
		}
	}
	return chores
}

// drainForChores takes the queued items that have chores out of the queue
// and puts the others back.
func (p *Pool[T]) drainForChores(idle []idleEntry[T], chores []chore, held map[*item[T]]chore) {
	want := map[*item[T]]chore{}
	for i, e := range idle {
		if e.queued && chores[i] != keep {
			want[e.it] = chores[i]
		}
	}
	var back []*item[T]
	p.drain(p.queue.Load(), func(it *item[T]) {
		if c, ok := want[it]; ok {
			held[it] = c
		} else {
			back = append(back, it)
		}
	})
	for _, it := range back {
		p.putIdle(it)
	}
}

// checkIdle runs Check on a held idle item. It returns true if the item
// passed and is idle again; otherwise the item has been destroyed.
func (p *Pool[T]) checkIdle(it *item[T], now int64) bool {
	if err := p.runCheck(p.baseCtx, it); err != nil {
		p.retire(it, causeCheckFailed)
		return false
	}
	it.idleSince.Store(now)
	p.putIdle(it)
	return true
}

// runCheck calls Config.Check with CheckTimeout, containing a panic.
func (p *Pool[T]) runCheck(ctx context.Context, it *item[T]) (err error) {
	p.counters.checks.Add(1)
	ctx, cancel := context.WithTimeout(ctx, p.set.CheckTimeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Callback: "Check", Value: r, Stack: debug.Stack()}
			p.logError("pool: Check panicked", err)
		}
	}()
	return p.set.Check(ctx, it.value)
}

// fillMinIdle starts creates until idle plus creating reaches MinIdle. The
// deficit is counted once: creates that finish meanwhile must not be
// counted twice.
func (p *Pool[T]) fillMinIdle(idle int) {
	deficit := int64(p.set.MinIdle-idle) - p.creating.Load()
	for ; deficit > 0 && !p.closing.Load() && !p.retryPending.Load() && p.reserve(); deficit-- {
		p.startCreate(p.baseCtx)
	}
}
