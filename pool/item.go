package pool

import (
	"sync/atomic"
)

// An item is one resource made by Config.New, with the state that decides who
// owns it. Exactly one party owns an item at any time; ownership moves only
// by compare-and-swap on state, so no lock is needed on the hot path and a
// stale or duplicated pointer to an item (in the per-CPU cache, say) can
// never give it a second owner.
//
// The state word is lease<<stateBits | st. The lease counts the loans of the
// item: it is incremented every time the item is lent, and a Resource handle
// remembers the lease it was lent under, which is how misuse of an old handle
// is caught even after the item has been lent to someone else.
type item[T any] struct {
	state atomic.Uint64

	// idleSince is the pool clock reading when the item last became idle or
	// passed a check.
	idleSince atomic.Int64
	// borrow describes the current loan when leak detection is on.
	borrow atomic.Pointer[borrow]
	// waited counts the acquires that waited and then got this item.
	waited waitCounts

	owner     *Pool[T]
	value     T
	createdAt int64 // pool clock at creation
	expiresAt int64 // pool clock at which the lifetime ends; 0 means never

	// index is the item's position in Pool.items; guarded by Pool.mu.
	index int

	// Sentinel items travel through the shared queue to carry a message to
	// waiters instead of a resource. Both fields are set before the sentinel
	// is sent and never change.
	kind sentinelKind
	err  *createFailure
}

// Item states, the low stateBits bits of item.state.
const (
	// stIdle: idle and reachable through the per-CPU cache (or a registry
	// scan). Anyone may claim it by CAS.
	stIdle = iota
	// stQueued: idle in the shared queue. Whoever receives it from the queue
	// owns it.
	stQueued
	// stInUse: lent to a caller under the lease in the high bits.
	stInUse
	// stHeld: owned by the pool itself while it checks, moves, or closes it.
	stHeld
	// stDead: closed or hijacked. Never used again.
	stDead
)

func (it *item[T]) pool() *Pool[T] { return it.owner }

const (
	stateBits = 3
	stateMask = 1<<stateBits - 1
)

func packState(lease uint64, st uint64) uint64 { return lease<<stateBits | st }

// claimIdle takes an stIdle item for a new loan. It fails if someone else
// claimed it first or the item is not idle in the cache.
func (it *item[T]) claimIdle() (lease uint64, ok bool) {
	s := it.state.Load()
	if s&stateMask != stIdle {
		return 0, false
	}
	lease = s>>stateBits + 1
	return lease, it.state.CompareAndSwap(s, packState(lease, stInUse))
}

// lendOwned starts a loan of an item the caller owns (queued or held).
func (it *item[T]) lendOwned() (lease uint64) {
	s := it.state.Load()
	lease = s>>stateBits + 1
	it.state.Store(packState(lease, stInUse))
	return lease
}

// holdIdle moves an stIdle item to stHeld, for the pool's own use.
func (it *item[T]) holdIdle() bool {
	s := it.state.Load()
	return s&stateMask == stIdle && it.state.CompareAndSwap(s, s&^stateMask|stHeld)
}

// setOwned changes the state of an item the caller owns, keeping the lease.
func (it *item[T]) setOwned(st uint64) {
	it.state.Store(it.state.Load()&^stateMask | st)
}

// endLoan moves an item from the loan identified by lease to st. It fails if
// the loan already ended, which is how double Release is caught even when
// two goroutines race to release the same handle.
func (it *item[T]) endLoan(lease uint64, st uint64) bool {
	return it.state.CompareAndSwap(packState(lease, stInUse), packState(lease, st))
}

// misuse explains why a handle with lease no longer owns the item.
func (it *item[T]) misuse(op string, lease uint64) *MisuseError {
	s := it.state.Load()
	reason := "was already released"
	switch {
	case s&stateMask == stDead && s>>stateBits == lease:
		reason = "was already destroyed or hijacked"
	case s>>stateBits > lease:
		reason = "was already released (the resource has since been lent again)"
	}
	return &MisuseError{Op: op, Reason: reason}
}

// sentinelKind says what a sentinel item tells a waiter.
type sentinelKind uint8

const (
	realItem     sentinelKind = iota
	closedSignal              // the pool is closed: fail, and pass the signal on
	movedSignal               // the queue was replaced: pass the signal on and wait on the new one
	failedSignal              // a create failed: the waiter receiving it gets the error
)

// createFailure is the message of a failedSignal sentinel.
type createFailure struct {
	err error
	seq uint64 // value of Pool.failSeq after this failure
}
