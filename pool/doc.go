// Package pool is a generic, bounded, context-aware pool of resources: UDP
// sockets, clients, connections, buffers — any handle that is costly to make
// and must not be made without limit.
//
// A classic failure motivates it. A service sends each request to a device on
// a fresh socket and reads the reply with no deadline; under load the device
// drops replies, every lost reply parks a goroutine and its socket forever,
// and the process runs out of file descriptors. A pool bounds the handles,
// and a pool that can destroy a suspect handle, wait with a deadline, and
// close everything on shutdown fixes the rest.
//
// # Use
//
//	p, err := pool.New(pool.Config[*net.UDPConn]{
//		New:     func(ctx context.Context) (*net.UDPConn, error) { ... },
//		Close:   func(c *net.UDPConn) error { return c.Close() },
//		MaxSize: 8,
//	})
//	...
//	r, err := p.Acquire(ctx)
//	if err != nil {
//		return err // ctx ended, the pool is closed, or creating failed
//	}
//	if err := use(r.Value()); err != nil {
//		r.Destroy() // suspect: close it, a waiter gets a fresh one
//		return err
//	}
//	r.Release()
//
// # Guarantees
//
// These hold under any load and are tested:
//
//   - Idle + in use + being created never exceeds MaxSize, during Resize too.
//   - Every resource New made is closed exactly once (unless hijacked), none
//     after Close returns, and no goroutine of the pool outlives Close.
//   - Waiters are served first come, first served, and a released resource
//     goes straight to the oldest waiter. A waiter that gives up never
//     consumes or loses a resource.
//   - A failed create frees its slot, and the longest waiter receives the
//     error; consecutive failures back off.
//   - Context errors match errors.Is(err, context.DeadlineExceeded) or
//     context.Canceled; other failures are ErrClosed, ErrExhausted or typed
//     errors (*CreateError, *PanicError, *CloseError, *ConfigError).
//   - New, Close and Check never run while a lock of the pool is held, and a
//     panic in one of them is contained.
//   - A Resource used after its loan ended (double Release, Value after
//     Release, ...) panics with a *MisuseError; it never becomes a silent
//     second owner.
//   - New rejects an invalid Config with a *ConfigError naming the field.
//
// # Features
//
// MinIdle keeps resources warm; MaxIdle and MaxIdleTime shrink an idle pool;
// MaxLifetime (with LifetimeJitter) retires old resources; Check validates
// resources on acquire after CheckAfterIdle and in the background every
// CheckIdleEvery; LeakTimeout reports loans held too long with the
// borrower's stack; AcquireTimeout and CreateTimeout bound waiting; Resize
// changes the bound at run time; Stats reports gauges and counters; Hijack
// takes a resource out of the pool.
//
// # Cost
//
// Acquire and Release of an idle resource take one compare-and-swap on the
// resource and no lock, allocation or clock read: a per-CPU cache holds idle
// resources while nobody waits. When callers wait they queue on a channel,
// so waiting costs what a channel costs. Time-based features read a clock
// kept by the background maintainer instead of the system clock. See
// docs/benchmarks.md for measurements side by side with other pools.
package pool
