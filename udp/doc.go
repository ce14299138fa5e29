// Package udp is a request/response client for UDP devices (network gear,
// DNS, RADIUS and SNMP-style servers, game and IoT endpoints) that cannot
// leak a socket and cannot hand a caller someone else's reply.
//
// UDP does not retransmit: under load a device loses requests and replies,
// answers late, sometimes twice. A client that reads with no deadline
// strands a goroutine and a socket on every lost reply; one that gives a
// timed-out socket to the next request hands it the late reply meant for
// the request before, and every reply on that socket is off by one from
// then on. A Client bounds its sockets, puts a deadline on every attempt,
// and never lets a reply reach a request it does not answer.
//
// # Transports
//
// The exclusive transport (the default) keeps a pool of connected sockets
// and sends one request at a time on each. A socket whose request timed out
// or failed is closed, because the device's late reply may still arrive on
// it; new sockets never get the port of one closed lately, for the same
// reason. With Config.Match set, a reply that fails the check is dropped
// (counted as stale) and a socket may be kept after a timeout. Without
// Match, a duplicate reply the device sends after the first cannot be told
// apart from the next request's reply: for devices that duplicate replies,
// set Match or use the multiplexed transport.
//
// The multiplexed transport, chosen by Config.ID, shares a few sockets among
// many requests in flight and matches replies to requests by an ID field in
// the payload (an offset and a length, as in DNS and RADIUS, or a pair of
// functions). With IDField.Assign the client writes a fresh unpredictable
// ID into each request, never one in flight on the socket nor one whose late
// or duplicate reply may still come; otherwise the caller's IDs are used and
// two requests in flight with one ID are refused. Replies that name no
// request in flight are dropped and counted as late, duplicate or stale.
// Each socket has one reader goroutine and no other descriptor.
//
// # Deadlines and errors
//
// Every attempt has a deadline: Config.Timeout (1s by default) or the
// context's deadline if sooner. Retries are off by default. Errors work with
// errors.Is: ErrTimeout (which also matches os.ErrDeadlineExceeded),
// ErrTruncated, ErrUnreachable (ICMP port unreachable), ErrClosed, and the
// context's errors.
package udp
