package udp

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"time"
)

// Config describes a client. Every field is optional; the zero Config is an
// exclusive-transport client with 8 sockets and a 1s timeout.
type Config struct {
	// MaxSockets bounds the sockets the client opens. Default 8 for the
	// exclusive transport, 2 for the multiplexed one.
	MaxSockets int

	// Timeout bounds each attempt's wait for its reply; the caller's
	// context, if it ends sooner, bounds it too, and bounds the whole call.
	// Waiting for a free socket (or, multiplexed, for room among the
	// requests in flight) ends with the context, or after Timeout when the
	// context has no deadline. Default 1s; there is no way to wait forever.
	Timeout time.Duration

	// Retries is how many times a request that timed out (or found the
	// device unreachable) is sent again. Default 0.
	Retries int

	// RetryBackoff is the pause before a retry, doubled per retry up to
	// MaxRetryBackoff, with jitter. Defaults 10ms and 1s.
	RetryBackoff    time.Duration
	MaxRetryBackoff time.Duration

	// Match, if set, checks that a reply answers a request. Replies that
	// fail it are dropped and counted as stale. With Match set, the
	// exclusive transport may reuse a socket whose request timed out,
	// because a late reply arriving on it later will fail the check.
	//
	// Without Match, the exclusive transport closes a socket after a
	// timeout, but keeps it after a reply: if the device sends that reply
	// twice, the copy reaches the socket's next request. For devices that
	// duplicate replies, set Match, or use the multiplexed transport with
	// Assign. Match is called by the multiplexed transport's reader; a
	// panic in it drops the reply.
	Match func(req, reply []byte) bool

	// ID, if set, selects the multiplexed transport: requests share few
	// sockets and replies are matched to requests by this ID.
	ID *IDField

	// MaxInFlight bounds the requests in flight per socket of the
	// multiplexed transport; beyond it callers wait. Default 1024, and at
	// most a quarter of the ID space when the client assigns IDs.
	MaxInFlight int

	// MaxPacketSize bounds requests, and the replies Do returns. Default
	// and most: 65507, the largest UDP payload over IPv4.
	MaxPacketSize int

	// ReadBuffer and WriteBuffer ask the kernel for socket buffers of that
	// size (SO_RCVBUF, SO_SNDBUF); Stats reports what it granted.
	ReadBuffer, WriteBuffer int

	// LocalAddr is the local address to send from, e.g. "10.0.0.2:0".
	LocalAddr string

	// Unconnected uses unconnected sockets, for devices that reply from a
	// different address than they were sent to. Replies are then accepted
	// only from the device's IP or one of AcceptFrom; others are dropped and
	// counted as foreign.
	Unconnected bool
	AcceptFrom  []netip.Addr

	// Logger, if set, receives unexpected socket errors.
	Logger *slog.Logger
}

// IDField says where a request's ID is, for the multiplexed transport. Give
// either Offset and Len (a big-endian unsigned integer of 1 to 8 bytes, as
// in DNS, RADIUS and most binary protocols) or Get and Set.
type IDField struct {
	Offset, Len int

	// Get reads the ID from a packet; ok is false if the packet is too
	// short or malformed. Set writes an ID into a request (needed only with
	// Assign).
	Get func(packet []byte) (id uint64, ok bool)
	Set func(packet []byte, id uint64)

	// Assign makes the client write a fresh ID into every request (into a
	// copy: the caller's slice is not changed): unpredictable, unique among
	// the requests in flight on its socket, and none of the last IDs whose
	// requests ended (up to 16384, or half the ID space), since a late or
	// duplicate reply to them may still come.
	//
	// Without Assign the caller's IDs are used, and a second request with
	// an ID already in flight fails with ErrDuplicateID. An ID used again
	// soon after its request timed out may receive that request's late
	// reply: callers that choose IDs should set Match, or not reuse them
	// soon.
	Assign bool
}

const (
	defaultExclusiveSockets = 8
	defaultMuxSockets       = 2
	defaultTimeout          = time.Second
	defaultRetryBackoff     = 10 * time.Millisecond
	defaultMaxRetryBackoff  = time.Second
	defaultMaxInFlight      = 1024
	maxUDPPayload           = 65507
)

func (c *Config) validate() error {
	bad := func(field, problem string, v any) error {
		return &ConfigError{Field: field, Problem: problem, Value: v}
	}
	switch {
	case c.MaxSockets < 0:
		return bad("MaxSockets", "must not be negative", c.MaxSockets)
	case c.Timeout < 0:
		return bad("Timeout", "must not be negative (zero means 1s)", c.Timeout)
	case c.Retries < 0:
		return bad("Retries", "must not be negative", c.Retries)
	case c.RetryBackoff < 0:
		return bad("RetryBackoff", "must not be negative", c.RetryBackoff)
	case c.MaxRetryBackoff < 0:
		return bad("MaxRetryBackoff", "must not be negative", c.MaxRetryBackoff)
	case c.MaxInFlight < 0:
		return bad("MaxInFlight", "must not be negative", c.MaxInFlight)
	case c.MaxInFlight > 0 && c.ID == nil:
		return bad("MaxInFlight", "applies to the multiplexed transport: needs ID", c.MaxInFlight)
	case c.MaxPacketSize < 0 || c.MaxPacketSize > maxUDPPayload:
		return bad("MaxPacketSize", fmt.Sprintf("must be in [1, %d]", maxUDPPayload), c.MaxPacketSize)
	case c.ReadBuffer < 0:
		return bad("ReadBuffer", "must not be negative", c.ReadBuffer)
	case c.WriteBuffer < 0:
		return bad("WriteBuffer", "must not be negative", c.WriteBuffer)
	case len(c.AcceptFrom) > 0 && !c.Unconnected:
		return bad("AcceptFrom", "needs Unconnected: a connected socket only hears from the device", nil)
	}
	if c.LocalAddr != "" {
		if err := c.validateLocalAddr(); err != nil {
			return err
		}
	}
	if c.ID != nil {
		return c.ID.validate()
	}
	return nil
}

// validateLocalAddr rejects a malformed LocalAddr, and a fixed local port
// where a socket must be replaced after a timeout: the new socket would get
// the same port, and the late reply to the old request.
func (c *Config) validateLocalAddr() error {
	_, port, err := net.SplitHostPort(c.LocalAddr)
	if err != nil {
		return &ConfigError{Field: "LocalAddr", Problem: "must be host:port, e.g. \"10.0.0.2:0\"", Value: c.LocalAddr}
	}
	if port != "" && port != "0" && c.Match == nil && c.ID == nil {
		return &ConfigError{Field: "LocalAddr", Problem: "a fixed port needs Match or ID: a socket replaced after a timeout would get the late reply", Value: c.LocalAddr}
	}
	return nil
}

func (f *IDField) validate() error {
	bad := func(field, problem string, v any) error {
		return &ConfigError{Field: "ID." + field, Problem: problem, Value: v}
	}
	custom := f.Get != nil || f.Set != nil
	switch {
	case custom && (f.Offset != 0 || f.Len != 0):
		return bad("Get", "give either Offset and Len or Get and Set, not both", nil)
	case custom && f.Get == nil:
		return bad("Get", "is required with Set", nil)
	case custom && f.Assign && f.Set == nil:
		return bad("Set", "is required to Assign IDs", nil)
	case !custom && (f.Len < 1 || f.Len > 8):
		return bad("Len", "must be 1 to 8 bytes", f.Len)
	case !custom && f.Offset < 0:
		return bad("Offset", "must not be negative", f.Offset)
	}
	return nil
}

// withDefaults returns c with defaults applied; c is valid.
func (c Config) withDefaults() Config {
	if c.MaxSockets == 0 {
		c.MaxSockets = defaultExclusiveSockets
		if c.ID != nil {
			c.MaxSockets = defaultMuxSockets
		}
	}
	if c.Timeout == 0 {
		c.Timeout = defaultTimeout
	}
	if c.RetryBackoff == 0 {
		c.RetryBackoff = defaultRetryBackoff
	}
	if c.MaxRetryBackoff == 0 {
		c.MaxRetryBackoff = max(defaultMaxRetryBackoff, c.RetryBackoff)
	}
	if c.MaxPacketSize == 0 {
		c.MaxPacketSize = maxUDPPayload
	}
	if c.ID != nil && c.MaxInFlight == 0 {
		c.MaxInFlight = defaultMaxInFlight
	}
	return c
}
