package udptest

import (
	"fmt"
	"time"
)

// Behavior is what a device does with the requests it receives. A running
// device's behavior can be changed with SetBehavior.
type Behavior struct {
	// RequestLoss and ReplyLoss are the shares, in [0, 1], of requests the
	// device never sees and of replies it never sends.
	RequestLoss, ReplyLoss float64

	// Delay is how long the device takes to process a request, plus a
	// uniformly random Jitter in [0, Jitter).
	Delay, Jitter time.Duration

	// LateShare of replies are sent LateDelay after they are ready, e.g.
	// past the client's timeout.
	LateShare float64
	LateDelay time.Duration

	// DuplicateShare of replies are sent twice, the second copy DuplicateDelay
	// after the first (zero: right after it).
	DuplicateShare float64
	DuplicateDelay time.Duration

	// ReorderShare of replies are held back until the next reply has been
	// sent (or 10ms have passed), so that a later reply overtakes them.
	ReorderShare float64

	// Workers is how many requests the device processes at once; 0 means
	// no limit. A request that finds every worker busy waits in a queue of
	// QueueLen; when the queue is full it is dropped, which is how real
	// devices lose replies under bursts.
	Workers  int
	QueueLen int

	// Rate is how many requests per second the device admits; the rest are
	// dropped. 0 means no limit.
	Rate float64
}

// Validate reports the first field that is out of range.
func (b Behavior) Validate() error {
	shares := []struct {
		name string
		v    float64
	}{
		{"RequestLoss", b.RequestLoss}, {"ReplyLoss", b.ReplyLoss}, {"LateShare", b.LateShare},
		{"DuplicateShare", b.DuplicateShare}, {"ReorderShare", b.ReorderShare},
	}
	for _, s := range shares {
		if s.v < 0 || s.v > 1 || s.v != s.v {
			return fmt.Errorf("udptest: Behavior.%s must be in [0, 1], got %v", s.name, s.v)
		}
	}
	durations := []struct {
		name string
		v    time.Duration
	}{
		{"Delay", b.Delay}, {"Jitter", b.Jitter}, {"LateDelay", b.LateDelay}, {"DuplicateDelay", b.DuplicateDelay},
	}
	for _, d := range durations {
		if d.v < 0 {
			return fmt.Errorf("udptest: Behavior.%s must not be negative, got %v", d.name, d.v)
		}
	}
	switch {
	case b.Workers < 0:
		return fmt.Errorf("udptest: Behavior.Workers must not be negative, got %d", b.Workers)
	case b.QueueLen < 0:
		return fmt.Errorf("udptest: Behavior.QueueLen must not be negative, got %d", b.QueueLen)
	case b.QueueLen > 0 && b.Workers == 0:
		return fmt.Errorf("udptest: Behavior.QueueLen needs Workers: without a worker limit nothing queues")
	case b.Rate < 0 || b.Rate != b.Rate:
		return fmt.Errorf("udptest: Behavior.Rate must not be negative, got %v", b.Rate)
	case b.LateShare > 0 && b.LateDelay == 0:
		return fmt.Errorf("udptest: Behavior.LateShare needs LateDelay")
	}
	return nil
}
