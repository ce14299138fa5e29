package udptest

import (
	"net/netip"
	"sync/atomic"
)

type counters struct {
	received, replied                          atomic.Uint64
	droppedRequests, droppedReplies            atomic.Uint64
	droppedQueueFull, droppedRate, droppedDown atomic.Uint64
	duplicates, late, reordered, noReply       atomic.Uint64
}

// Stats counts what a device saw and did.
type Stats struct {
	Received uint64 // requests that reached the device's socket
	Replied  uint64 // datagrams sent, duplicates included

	DroppedRequests  uint64 // lost to RequestLoss
	DroppedReplies   uint64 // lost to ReplyLoss
	DroppedQueueFull uint64 // every worker busy and the queue full
	DroppedRate      uint64 // over Rate
	DroppedDown      uint64 // replies due while the device was down
	NoReply          uint64 // the Handler returned nil

	Late       uint64 // replies sent LateDelay late
	Duplicates uint64 // replies sent twice
	Reordered  uint64 // replies held back to be overtaken

	// Clients is the number of distinct client addresses (sockets) that
	// sent requests.
	Clients int
}

// Stats returns the device's counts since Start or the last Reset.
func (d *Device) Stats() Stats {
	c := &d.counts
	s := Stats{
		Received:         c.received.Load(),
		Replied:          c.replied.Load(),
		DroppedRequests:  c.droppedRequests.Load(),
		DroppedReplies:   c.droppedReplies.Load(),
		DroppedQueueFull: c.droppedQueueFull.Load(),
		DroppedRate:      c.droppedRate.Load(),
		DroppedDown:      c.droppedDown.Load(),
		NoReply:          c.noReply.Load(),
		Late:             c.late.Load(),
		Duplicates:       c.duplicates.Load(),
		Reordered:        c.reordered.Load(),
	}
	d.mu.Lock()
	s.Clients = len(d.clients)
	d.mu.Unlock()
	return s
}

// Reset zeroes the counts and forgets the clients seen.
func (d *Device) Reset() {
	c := &d.counts
	for _, v := range []*atomic.Uint64{&c.received, &c.replied, &c.droppedRequests, &c.droppedReplies,
		&c.droppedQueueFull, &c.droppedRate, &c.droppedDown, &c.duplicates, &c.late, &c.reordered, &c.noReply} {
		v.Store(0)
	}
	d.mu.Lock()
	d.clients = map[netip.AddrPort]struct{}{}
	d.mu.Unlock()
}
