package pool

import (
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"time"
)

// Leak describes a resource held longer than Config.LeakTimeout.
type Leak struct {
	AcquiredAt time.Time     // when the loan started (to within MaintenanceInterval)
	HeldFor    time.Duration // how long it had been held when reported
	Stack      string        // where the borrower called Acquire
}

func (l Leak) String() string {
	return fmt.Sprintf("resource held for %v, acquired at:\n%s", l.HeldFor.Round(time.Millisecond), l.Stack)
}

// borrow records one loan for leak detection.
type borrow struct {
	at       int64 // pool clock when the loan started
	reported atomic.Bool
	n        int
	pcs      [maxLeakFrames]uintptr // inline: one allocation per loan
}

const maxLeakFrames = 32

func newBorrow(now int64) *borrow {
	b := &borrow{at: now}
	b.n = runtime.Callers(2, b.pcs[:])
	return b
}

// stack formats the borrower's stack from its call of Acquire outwards.
func (b *borrow) stack() string {
	frames := runtime.CallersFrames(b.pcs[:b.n])
	var lines []string
	for {
		f, more := frames.Next()
		lines = append(lines, fmt.Sprintf("%s\n\t%s:%d", f.Function, f.File, f.Line))
		if isAcquire(f.Function) {
			lines = lines[:0]
		}
		if !more {
			break
		}
	}
	return strings.Join(lines, "\n")
}

// isAcquire reports whether fn is one of the pool's acquire methods: the
// frames up to it are the pool's own.
func isAcquire(fn string) bool {
	const pkg = "github.com/udpool/udpool/pool.(*Pool["
	return strings.HasPrefix(fn, pkg) &&
		(strings.HasSuffix(fn, "]).Acquire") || strings.HasSuffix(fn, "]).TryAcquire"))
}

func (p *Pool[T]) leakOf(b *borrow, now int64) Leak {
	return Leak{
		AcquiredAt: p.epoch.Add(time.Duration(b.at)),
		HeldFor:    time.Duration(now - b.at),
		Stack:      b.stack(),
	}
}

// reportLeaks hands each new leak to OnLeak and the Logger.
func (p *Pool[T]) reportLeaks(now int64, leaks []*borrow) {
	for _, b := range leaks {
		p.counters.leaks.Add(1)
		l := p.leakOf(b, now)
		if p.set.OnLeak != nil {
			p.callOnLeak(l)
		}
		if p.set.Logger != nil {
			p.set.Logger.Warn("pool: resource leak suspected", "held_for", l.HeldFor, "acquired_at", l.AcquiredAt, "stack", l.Stack)
		}
	}
}

// callOnLeak calls Config.OnLeak, containing a panic so that the maintainer
// keeps running.
func (p *Pool[T]) callOnLeak(l Leak) {
	defer func() {
		if r := recover(); r != nil {
			p.logError("pool: OnLeak panicked", &PanicError{Callback: "OnLeak", Value: r})
		}
	}()
	p.set.OnLeak(l)
}
