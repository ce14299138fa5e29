package udp

import (
	"math/rand/v2"
)

// idCodec reads and writes request IDs.
type idCodec struct {
	offset, size int
	get          func([]byte) (uint64, bool)
	set          func([]byte, uint64)
	mask         uint64 // the ID space, for drawing IDs
}

func newIDCodec(f *IDField) idCodec {
	c := idCodec{offset: f.Offset, size: f.Len, get: f.Get, set: f.Set, mask: ^uint64(0)}
	if f.Get == nil && f.Len < 8 {
		c.mask = 1<<(8*f.Len) - 1
	}
	return c
}

// read returns the ID in p.
func (c *idCodec) read(p []byte) (uint64, bool) {
	if c.get != nil {
		return c.get(p)
	}
	if len(p) < c.offset+c.size {
		return 0, false
	}
	var id uint64
	for _, b := range p[c.offset : c.offset+c.size] {
		id = id<<8 | uint64(b)
	}
	return id, true
}

// write puts id into p, which must be long enough (read(p) succeeded).
func (c *idCodec) write(p []byte, id uint64) {
	if c.set != nil {
		c.set(p, id)
		return
	}
	for i := c.offset + c.size - 1; i >= c.offset; i-- {
		p[i] = byte(id)
		id >>= 8
	}
}

// draw returns an unpredictable ID: the runtime's ChaCha8 generator, seeded
// from the system, so an off-path attacker cannot guess the next ID.
func (c *idCodec) draw() uint64 { return rand.Uint64() & c.mask }

// space is the number of distinct IDs (0 means 2^64).
func (c *idCodec) space() uint64 { return c.mask + 1 }
