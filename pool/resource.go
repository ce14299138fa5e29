package pool

import "time"

// Resource is a loan of one resource from a Pool. End every loan with exactly
// one of Release, Destroy or Hijack.
//
// A Resource is a small value, not a pointer: it names the item and the loan
// (a counter the item keeps), so it costs no allocation, and a handle kept
// past the end of its loan is recognised as stale even after the item has
// been lent to someone else. Using a stale handle panics with a
// *MisuseError instead of silently sharing the resource with its new owner.
type Resource[T any] struct {
	it    *item[T]
	lease uint64
}

// owner returns the item, or panics if r does not own it any more.
func (r Resource[T]) owner(op string) *item[T] {
	if r.it == nil {
		panic(&MisuseError{Op: op, Reason: "is the zero Resource (was Acquire's error ignored?)"})
	}
	if r.it.state.Load() != packState(r.lease, stInUse) {
		panic(r.it.misuse(op, r.lease))
	}
	return r.it
}

// Value returns the resource. It panics if the loan has ended.
func (r Resource[T]) Value() T { return r.owner("Value").value }

// CreatedAt returns when the resource was created.
func (r Resource[T]) CreatedAt() time.Time {
	it := r.owner("CreatedAt")
	return it.pool().epoch.Add(time.Duration(it.createdAt))
}

// Release gives the resource back to the pool for reuse. The pool hands it
// to the oldest waiter, if any. Release panics if the loan has already ended.
func (r Resource[T]) Release() {
	it := r.owner("Release")
	it.pool().release(it, r.lease)
}

// Destroy closes the resource and frees its slot; use it for a resource that
// is broken or suspect. A waiter gets a fresh resource in its place.
// Destroy panics if the loan has already ended.
func (r Resource[T]) Destroy() {
	it := r.owner("Destroy")
	if !it.endLoan(r.lease, stHeld) {
		panic(it.misuse("Destroy", r.lease))
	}
	it.pool().retire(it, causeExplicit)
}

// Hijack ends the loan and takes the resource out of the pool: the caller
// now owns it and must close it. Its slot is freed for a new resource.
// Hijack panics if the loan has already ended.
func (r Resource[T]) Hijack() T {
	it := r.owner("Hijack")
	if !it.endLoan(r.lease, stDead) {
		panic(it.misuse("Hijack", r.lease))
	}
	p := it.pool()
	p.counters.hijacked.Add(1)
	p.unregister(it, r.lease)
	p.releaseSlot()
	return it.value
}
