package udp

import (
	"bytes"
	"testing"
)

// FuzzIDCodec: an ID written into a packet reads back (within the field's
// size), nothing outside the field changes, and a packet too short for the
// field has no ID.
func FuzzIDCodec(f *testing.F) {
	f.Add(uint8(0), uint8(2), []byte("\x12\x34rest"), uint64(0xBEEF))
	f.Add(uint8(3), uint8(8), []byte("short"), uint64(1))
	f.Add(uint8(1), uint8(1), []byte("ab"), ^uint64(0))
	f.Fuzz(func(t *testing.T, offset, size uint8, packet []byte, id uint64) {
		field := &IDField{Offset: int(offset % 32), Len: int(size%8) + 1}
		if err := field.validate(); err != nil {
			t.Fatalf("valid field rejected: %v", err)
		}
		c := newIDCodec(field)
		_, ok := c.read(packet)
		if fits := len(packet) >= field.Offset+field.Len; ok != fits {
			t.Fatalf("read ok=%v for a %d-byte packet and field %+v", ok, len(packet), field)
		}
		if !ok {
			return
		}
		p := bytes.Clone(packet)
		c.write(p, id)
		got, _ := c.read(p)
		if want := id & c.mask; got != want {
			t.Fatalf("wrote %x, read %x", want, got)
		}
		if !bytes.Equal(p[:field.Offset], packet[:field.Offset]) || !bytes.Equal(p[field.Offset+field.Len:], packet[field.Offset+field.Len:]) {
			t.Fatalf("bytes outside the field changed: %x → %x", packet, p)
		}
		if d := c.draw(); d&^c.mask != 0 {
			t.Fatalf("drew %x outside the %d-byte space", d, field.Len)
		}
	})
}
