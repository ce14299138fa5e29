package pool

import (
	"sync/atomic"
	"time"
)

// counters are the slow path's event counts. The fast path counts nothing
// here: acquires are the sum of the items' lease counters, so counting them
// costs no shared write.
type counters struct {
	waited         waitCounts // waits that ended without a resource, and those of retired items
	canceled       atomic.Uint64
	timeouts       atomic.Uint64
	unlent         atomic.Uint64 // loans started but not handed out
	creates        atomic.Uint64
	createFailures atomic.Uint64
	destroyed      [numCauses]atomic.Uint64
	hijacked       atomic.Uint64
	checks         atomic.Uint64
	closeErrors    atomic.Uint64
	leaks          atomic.Uint64
}

// waitCounts counts waits and their (partly sampled) time.
type waitCounts struct {
	waits atomic.Uint64
	nanos atomic.Int64
}

// Stats is a snapshot of a pool. The gauges are read one item at a time
// while the pool runs, so under load they are each exact but not taken at
// one instant; the counters only grow.
//
// WaitTime is exact while at most two callers wait at once. When more wait,
// every eighth wait is timed and counts for eight, because reading the clock
// twice would cost as much as the rest of a contended acquire; with that many
// waits the estimate is close.
type Stats struct {
	MaxSize int // the current bound (see Resize)

	Total       int // every resource: idle + in use + being created + being maintained
	Idle        int // waiting to be acquired
	InUse       int // lent out
	Creating    int // being created
	Maintaining int // held by the pool: being checked or closed
	Waiting     int // callers waiting in Acquire

	Acquires         uint64        // successful acquires
	Waits            uint64        // acquires that had to wait
	WaitTime         time.Duration // total time spent waiting (see below)
	CanceledAcquires uint64        // acquires that ended because their context was canceled
	TimedOutAcquires uint64        // acquires that hit a deadline or AcquireTimeout

	Creates        uint64 // resources created
	CreateFailures uint64 // calls of New that failed or panicked
	Destroyed      DestroyCounts
	Hijacked       uint64
	Checks         uint64 // calls of Check
	CloseErrors    uint64 // calls of Close that failed or panicked
	LeaksReported  uint64
}

// DestroyCounts counts destroyed resources by cause.
type DestroyCounts struct {
	Explicit    uint64 // Resource.Destroy
	IdleTime    uint64 // idle longer than MaxIdleTime
	Lifetime    uint64 // older than MaxLifetime
	CheckFailed uint64 // failed Check
	Resize      uint64 // surplus after Resize made the pool smaller
	MaxIdle     uint64 // idle beyond MaxIdle
	Closed      uint64 // closed by Close
}

// Total is the number of resources destroyed for any cause.
func (d DestroyCounts) Total() uint64 {
	return d.Explicit + d.IdleTime + d.Lifetime + d.CheckFailed + d.Resize + d.MaxIdle + d.Closed
}

// Stats returns a snapshot of the pool. It takes the pool's lock for one pass
// over the resources (no user code runs under it), so it is cheap enough to
// scrape every second.
func (p *Pool[T]) Stats() Stats {
	var s Stats
	p.mu.Lock()
	leases := p.retired
	waits, waitNanos := p.counters.waited.waits.Load(), p.counters.waited.nanos.Load()
	for _, it := range p.items {
		st := it.state.Load()
		leases += st >> stateBits
		waits += it.waited.waits.Load()
		waitNanos += it.waited.nanos.Load()
		switch st & stateMask {
		case stIdle, stQueued:
			s.Idle++
		case stInUse:
			s.InUse++
		default:
			s.Maintaining++
		}
	}
	p.mu.Unlock()
	c := &p.counters
	s.MaxSize = int(p.maxSize.Load())
	s.Total = int(p.total.Load())
	s.Creating = int(p.creating.Load())
	s.Waiting = int(p.mode.Load() >> waiterShift)
	s.Acquires = leases - c.unlent.Load()
	s.Waits = waits
	s.WaitTime = time.Duration(waitNanos)
	s.CanceledAcquires = c.canceled.Load()
	s.TimedOutAcquires = c.timeouts.Load()
	s.Creates = c.creates.Load()
	s.CreateFailures = c.createFailures.Load()
	s.Destroyed = DestroyCounts{
		Explicit:    c.destroyed[causeExplicit].Load(),
		IdleTime:    c.destroyed[causeIdleTime].Load(),
		Lifetime:    c.destroyed[causeLifetime].Load(),
		CheckFailed: c.destroyed[causeCheckFailed].Load(),
		Resize:      c.destroyed[causeResize].Load(),
		MaxIdle:     c.destroyed[causeMaxIdle].Load(),
		Closed:      c.destroyed[causeClosed].Load(),
	}
	s.Hijacked = c.hijacked.Load()
	s.Checks = c.checks.Load()
	s.CloseErrors = c.closeErrors.Load()
	s.LeaksReported = c.leaks.Load()
	return s
}
