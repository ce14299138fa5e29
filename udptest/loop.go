package udptest

import (
	"container/heap"
	"math/rand/v2"
	"net/netip"
	"time"
)

// The processing loop is one goroutine: a discrete-event simulation of the
// device. Requests arrive from the reader; each waits for a worker (or is
// dropped), is processed for Delay plus Jitter, and its reply is sent now,
// late, twice or held back. Pending events live in a heap ordered by time,
// so no goroutine or timer is spent per request, and every random choice is
// made here in arrival order.
func (d *Device) loop(rng *rand.Rand) {
	defer close(d.loopDone)
	s := &simulation{d: d, rng: rng}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		s.runDue(time.Now())
		if next, ok := s.events.next(); ok {
			timer.Reset(time.Until(next))
		} else {
			timer.Stop()
		}
		select {
		case <-d.stop:
			return
		case a := <-d.in:
			s.arrive(a, time.Now())
		case <-timer.C:
		}
	}
}

// reorderWait bounds how long a held-back reply waits for another reply to
// overtake it.
const reorderWait = 10 * time.Millisecond

type simulation struct {
	d      *Device
	rng    *rand.Rand
	events eventHeap
	seq    uint64

	busy  int
	queue []arrival

	tokens     float64
	lastRefill time.Time

	held []outgoing // replies held back to be overtaken
}

type outgoing struct {
	payload []byte
	to      netip.AddrPort
}

func (s *simulation) chance(p float64) bool { return p > 0 && s.rng.Float64() < p }

func (s *simulation) arrive(a arrival, now time.Time) {
	b := s.d.behavior.Load()
	if s.chance(b.RequestLoss) {
		s.d.counts.droppedRequests.Add(1)
		return
	}
	if b.Rate > 0 && !s.admit(b.Rate, now) {
		s.d.counts.droppedRate.Add(1)
		return
	}
	switch {
	case b.Workers == 0 || s.busy < b.Workers:
		s.serve(a, b, now)
	case len(s.queue) < b.QueueLen:
		s.queue = append(s.queue, a)
	default:
		s.d.counts.droppedQueueFull.Add(1)
	}
}

// admit takes a token from a bucket that refills at rate per second and
// holds 10ms worth (at least one).
func (s *simulation) admit(rate float64, now time.Time) bool {
	burst := max(1, rate/100)
	if s.lastRefill.IsZero() {
		s.tokens = burst
	} else {
		s.tokens = min(burst, s.tokens+now.Sub(s.lastRefill).Seconds()*rate)
	}
	s.lastRefill = now
	if s.tokens < 1 {
		return false
	}
	s.tokens--
	return true
}

// serve starts processing a request on a worker.
func (s *simulation) serve(a arrival, b *Behavior, now time.Time) {
	s.busy++
	service := b.Delay
	if b.Jitter > 0 {
		service += time.Duration(s.rng.Int64N(int64(b.Jitter)))
	}
	if service == 0 {
		s.finish(a, now)
		return
	}
	s.schedule(event{at: now.Add(service), kind: evFinish, arrival: a})
}

// finish completes a request: its reply goes out, maybe lost, late, twice or
// held back, and the worker takes the next queued request.
func (s *simulation) finish(a arrival, now time.Time) {
	s.busy--
	b := s.d.behavior.Load()
	if reply := s.d.respond(a.data); reply == nil {
		s.d.counts.noReply.Add(1)
	} else if s.chance(b.ReplyLoss) {
		s.d.counts.droppedReplies.Add(1)
	} else {
		out := outgoing{payload: reply, to: a.from}
		at := now
		if s.chance(b.LateShare) {
			s.d.counts.late.Add(1)
			at = now.Add(b.LateDelay)
		}
		if s.chance(b.DuplicateShare) {
			s.d.counts.duplicates.Add(1)
			s.schedule(event{at: at.Add(b.DuplicateDelay), kind: evSend, out: out})
		}
		switch {
		case s.chance(b.ReorderShare):
			s.d.counts.reordered.Add(1)
			s.held = append(s.held, out)
			s.schedule(event{at: now.Add(reorderWait), kind: evFlush})
		case at.After(now):
			s.schedule(event{at: at, kind: evSend, out: out})
		default:
			s.transmit(out)
		}
	}
	if len(s.queue) > 0 && (b.Workers == 0 || s.busy < b.Workers) {
		next := s.queue[0]
		s.queue = s.queue[1:]
		s.serve(next, b, now)
	}
}

// transmit sends a reply, then the replies held back for it to overtake.
func (s *simulation) transmit(out outgoing) {
	s.d.send(out.payload, out.to)
	s.flush()
}

func (s *simulation) flush() {
	for _, h := range s.held {
		s.d.send(h.payload, h.to)
	}
	s.held = s.held[:0]
}

func (s *simulation) schedule(e event) {
	s.seq++
	e.seq = s.seq
	heap.Push(&s.events, e)
}

// runDue handles every event that is due.
func (s *simulation) runDue(now time.Time) {
	for len(s.events) > 0 && !s.events[0].at.After(now) {
		e := heap.Pop(&s.events).(event)
		switch e.kind {
		case evFinish:
			s.finish(e.arrival, now)
		case evSend:
			s.transmit(e.out)
		case evFlush:
			s.flush()
		}
	}
}

type eventKind uint8

const (
	evFinish eventKind = iota // a worker finished a request
	evSend                    // a late or duplicate reply is due
	evFlush                   // held-back replies have waited long enough
)

type event struct {
	at      time.Time
	seq     uint64 // ties go in scheduling order
	kind    eventKind
	arrival arrival
	out     outgoing
}

// eventHeap orders events by time, then by the order they were scheduled.
type eventHeap []event

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].seq < h[j].seq
	}
	return h[i].at.Before(h[j].at)
}
func (h eventHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)   { *h = append(*h, x.(event)) }
func (h *eventHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

func (h eventHeap) next() (time.Time, bool) {
	if len(h) == 0 {
		return time.Time{}, false
	}
	return h[0].at, true
}
