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

// Validate reports the first field that is out of range, as a
// *BehaviorError.
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
			return &BehaviorError{Field: s.name, Problem: "must be in [0, 1]", Value: s.v}
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
			return &BehaviorError{Field: d.name, Problem: "must not be negative", Value: d.v}
		}
	}
	switch {
	case b.Workers < 0:
		return &BehaviorError{Field: "Workers", Problem: "must not be negative", Value: b.Workers}
	case b.QueueLen < 0:
		return &BehaviorError{Field: "QueueLen", Problem: "must not be negative", Value: b.QueueLen}
	case b.QueueLen > 0 && b.Workers == 0:
		return &BehaviorError{Field: "QueueLen", Needs: "Workers", Problem: "without a worker limit nothing queues"}
	case b.Rate < 0 || b.Rate != b.Rate:
		return &BehaviorError{Field: "Rate", Problem: "must not be negative", Value: b.Rate}
	case b.LateShare > 0 && b.LateDelay == 0:
		return &BehaviorError{Field: "LateShare", Needs: "LateDelay", Problem: "a late reply needs a delay"}
	}
	return nil
}

// BehaviorError names a Behavior field out of range, or one that needs
// another field set.
type BehaviorError struct {
	Field   string
	Needs   string // the field this one needs, if that is the problem
	Problem string
	Value   any // the value out of range, if that is the problem
}

func (e *BehaviorError) Error() string {
	if e.Needs != "" {
		return fmt.Sprintf("udptest: Behavior.%s needs Behavior.%s: %s", e.Field, e.Needs, e.Problem)
	}
	return fmt.Sprintf("udptest: Behavior.%s %s, got %v", e.Field, e.Problem, e.Value)
}
