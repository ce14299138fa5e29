package udp

// How a request ended, remembered by ID to tell late and duplicate replies
// apart; outcomeNone is an ID not remembered.
const (
	outcomeNone = iota
	outcomeAnswered
	outcomeTimedOut
)

// recentSize is how many finished IDs a socket remembers, to classify late
// and duplicate replies and, with Assign, to keep those IDs out of use while
// such replies may still come (fewer for small ID spaces).
const recentSize = 16384

// recentKeys remembers the last n keys added, each with a small outcome: the
// IDs of finished requests, or the ports of closed sockets. Adding the
// (n+1)th key forgets the oldest. It is not safe for concurrent use.
type recentKeys struct {
	outcomes map[uint64]recentEntry
	ring     []uint64 // keys in the order added
	seq      []uint64 // the sequence number of each ring entry
	next     int
	count    uint64
}

// recentEntry is a key's outcome and the sequence number of its latest
// addition: an older ring entry for the same key must not forget it.
type recentEntry struct {
	outcome uint8
	seq     uint64
}

func (r *recentKeys) init(n int) {
	r.outcomes = make(map[uint64]recentEntry, n)
	r.ring = make([]uint64, n)
	r.seq = make([]uint64, n)
}

func (r *recentKeys) add(key uint64, outcome uint8) {
	r.count++
	if old := r.seq[r.next]; old != 0 {
		if e, ok := r.outcomes[r.ring[r.next]]; ok && e.seq == old {
			delete(r.outcomes, r.ring[r.next])
		}
	}
	r.ring[r.next], r.seq[r.next] = key, r.count
	r.outcomes[key] = recentEntry{outcome: outcome, seq: r.count}
	r.next = (r.next + 1) % len(r.ring)
}

func (r *recentKeys) forget(key uint64) { delete(r.outcomes, key) }

func (r *recentKeys) outcome(key uint64) uint8 { return r.outcomes[key].outcome }
