package udp

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// socketCounts are the counts kept on one socket (or, for what happens
// without a socket, on the client).
type socketCounts struct {
	requests     atomic.Uint64 // calls of Do and DoInto
	replies      atomic.Uint64
	timeouts     atomic.Uint64 // calls that ended in ErrTimeout
	waitTimeouts atomic.Uint64 // attempts that timed out waiting for a socket or room in flight
	retries      atomic.Uint64
	stale        atomic.Uint64 // replies that failed Match or named no request in flight
	late         atomic.Uint64 // replies to a request that had timed out
	duplicates   atomic.Uint64 // second replies to a request already answered
	truncated    atomic.Uint64
	unreachable  atomic.Uint64
	foreign      atomic.Uint64 // datagrams from an address not accepted
	failed       atomic.Uint64 // calls that ended in another error
	latency      latencies
}

func (c *socketCounts) addTo(s *Stats) {
	s.Requests += c.requests.Load()
	s.Replies += c.replies.Load()
	s.Timeouts += c.timeouts.Load()
	s.WaitTimeouts += c.waitTimeouts.Load()
	s.Retries += c.retries.Load()
	s.Stale += c.stale.Load()
	s.Late += c.late.Load()
	s.Duplicates += c.duplicates.Load()
	s.Truncated += c.truncated.Load()
	s.Unreachable += c.unreachable.Load()
	s.Foreign += c.foreign.Load()
	s.Failed += c.failed.Load()
	c.latency.mergeInto(&s.Latency)
}

// addToCounts adds c's counts to o.
func (c *socketCounts) addToCounts(o *socketCounts) {
	for _, p := range [][2]*atomic.Uint64{
		{&c.requests, &o.requests}, {&c.replies, &o.replies}, {&c.timeouts, &o.timeouts}, {&c.waitTimeouts, &o.waitTimeouts},
		{&c.retries, &o.retries}, {&c.stale, &o.stale}, {&c.late, &o.late},
		{&c.duplicates, &o.duplicates}, {&c.truncated, &o.truncated},
		{&c.unreachable, &o.unreachable}, {&c.foreign, &o.foreign}, {&c.failed, &o.failed},
	} {
		p[1].Add(p[0].Load())
	}
	c.latency.merge(&o.latency)
}

// countAttempt counts attempt number n (0-based) of a call: the call
// itself, or a retry.
func (c *socketCounts) countAttempt(n int) {
	if n == 0 {
		c.requests.Add(1)
	} else {
		c.retries.Add(1)
	}
}

// record counts the outcome of one call that took d.
func (c *socketCounts) record(err error, d time.Duration) {
	switch {
	case err == nil:
		c.replies.Add(1)
		c.latency.Observe(d)
	case err == ErrTimeout:
		c.timeouts.Add(1)
	case isUnreachable(err):
		c.unreachable.Add(1)
	case err == ErrTruncated:
		c.truncated.Add(1)
	default:
		c.failed.Add(1)
	}
}

// Stats counts what a client did. Counters only grow.
type Stats struct {
	Requests uint64 // calls of Do and DoInto
	Replies  uint64 // calls answered
	Timeouts uint64 // calls that ended in ErrTimeout
	// WaitTimeouts counts attempts that timed out before anything was
	// sent: waiting for a free socket (or, multiplexed, for room among the
	// requests in flight) took longer than Timeout. A call that ends so is
	// also counted in Timeouts; many of them mean too few sockets for the
	// callers, not a silent device.
	WaitTimeouts uint64
	Retries      uint64 // attempts after the first
	Stale        uint64 // replies dropped: failed Match, or named no request in flight
	Late         uint64 // replies dropped: their request had timed out (multiplexed)
	Duplicates   uint64 // replies dropped: their request was already answered (multiplexed)
	Truncated    uint64 // calls that ended in ErrTruncated
	Unreachable  uint64 // calls or attempts that met ICMP unreachable
	Foreign      uint64 // datagrams dropped: not from the device (unconnected sockets)
	Failed       uint64 // calls that ended in another error (context, closed client, ...)

	SocketsOpen      int    // open now
	SocketsPeak      int    // most open at once
	SocketsCreated   uint64 // opened since Dial
	SocketsDestroyed uint64 // closed since Dial
	InFlight         int    // calls in progress

	// ReadBuffer and WriteBuffer are the socket buffer sizes the kernel
	// granted (0 if unknown).
	ReadBuffer, WriteBuffer int

	// Latency is the distribution of the time answered calls took.
	Latency Histogram
}

// Histogram is a distribution of durations in buckets about 19% wide (four
// per power of two), from 1ns to about 290 years: a snapshot, safe to copy.
type Histogram struct {
	Counts [numBuckets]uint64
	Sum    time.Duration
}

// latencies is the lock-free histogram the client writes; Stats copies it
// into a Histogram.
type latencies struct {
	counts [numBuckets]atomic.Uint64
	sum    atomic.Int64
}

const numBuckets = 4 * 64

// bucketOf maps a duration to its bucket: the position of its leading bit
// and the two bits after it.
func bucketOf(d time.Duration) int {
	v := uint64(max(d, 0))
	if v < 4 {
		return int(v)
	}
	e := bits.Len64(v) // v in [2^(e-1), 2^e)
	sub := (v >> (e - 3)) & 3
	return (e-2)*4 + int(sub)
}

// upperBound is the largest duration in bucket i.
func upperBound(i int) time.Duration {
	if i < 4 {
		return time.Duration(i)
	}
	e := i/4 + 2
	sub := uint64(i % 4)
	lo := (4 + sub) << (e - 3)
	return time.Duration(lo + 1<<(e-3) - 1)
}

// Observe adds one duration.
func (h *latencies) Observe(d time.Duration) {
	h.counts[bucketOf(d)].Add(1)
	h.sum.Add(int64(d))
}

// mergeInto adds h's counts to a snapshot.
func (h *latencies) mergeInto(o *Histogram) {
	for i := range h.counts {
		o.Counts[i] += h.counts[i].Load()
	}
	o.Sum += time.Duration(h.sum.Load())
}

// mergeInto adds h's counts to another live histogram.
func (h *latencies) merge(o *latencies) {
	for i := range h.counts {
		if v := h.counts[i].Load(); v != 0 {
			o.counts[i].Add(v)
		}
	}
	o.sum.Add(h.sum.Load())
}

// Bound is the largest duration counted in Counts[i].
func (h *Histogram) Bound(i int) time.Duration { return upperBound(i) }

// Count is the number of durations observed.
func (h *Histogram) Count() uint64 {
	var n uint64
	for _, c := range h.Counts {
		n += c
	}
	return n
}

// Mean is the average duration observed.
func (h *Histogram) Mean() time.Duration {
	n := h.Count()
	if n == 0 {
		return 0
	}
	return h.Sum / time.Duration(n)
}

// Quantile returns an upper bound of the q-quantile (0 < q <= 1), accurate
// to the bucket width: Quantile(0.99) is the p99 latency.
func (h *Histogram) Quantile(q float64) time.Duration {
	n := h.Count()
	if n == 0 {
		return 0
	}
	rank := uint64(q*float64(n) + 0.5)
	rank = min(max(rank, 1), n)
	var seen uint64
	for i, c := range h.Counts {
		seen += c
		if seen >= rank {
			return upperBound(i)
		}
	}
	return upperBound(numBuckets - 1)
}
