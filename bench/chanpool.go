// Package bench measures udpool side by side with its peers: puddle,
// go-commons-pool, a hand-made channel pool and sync.Pool. It is a separate
// module so that the peers never enter udpool's own go.mod.
package bench

import (
	"errors"
	"sync"
)

// ChanPool is the hand-made pool of the reference write-up: a buffered
// channel of idle objects, a factory, and max, min and current counts under
// a mutex. The write-up's version waits on the channel while holding the
// mutex (so one lost object stalls every caller); this one releases the
// mutex first, which makes it the fastest honest form of the design: waiters
// block on the channel, served in order, and a Put hands the object straight
// to the oldest of them.
type ChanPool[T any] struct {
	objects chan T
	factory func() (T, error)

	mu      sync.Mutex
	max     int
	min     int
	current int
}

// NewChanPool makes a pool of at most max objects and creates min of them.
func NewChanPool[T any](min, max int, factory func() (T, error)) (*ChanPool[T], error) {
	if max <= 0 || min < 0 || min > max {
		return nil, errors.New("chanpool: need 0 <= min <= max and max > 0")
	}
	p := &ChanPool[T]{objects: make(chan T, max), factory: factory, max: max, min: min}
	for range min {
		o, err := factory()
		if err != nil {
			return nil, err
		}
		p.current++
		p.objects <- o
	}
	return p, nil
}

// GetObject returns an idle object, creates one if there is room, or waits.
func (p *ChanPool[T]) GetObject() (T, error) {
	select {
	case o := <-p.objects:
		return o, nil
	default:
	}
	p.mu.Lock()
	if p.current < p.max {
		p.current++
		p.mu.Unlock()
		o, err := p.factory()
		if err != nil {
			p.mu.Lock()
			p.current--
			p.mu.Unlock()
		}
		return o, err
	}
	p.mu.Unlock()
	return <-p.objects, nil
}

// ReturnObject gives an object back.
func (p *ChanPool[T]) ReturnObject(o T) { p.objects <- o }
