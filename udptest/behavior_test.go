package udptest

import (
	"errors"
	"testing"
	"time"
)

// Every field out of range is named, so that callers (a command's flags)
// can say which of their own settings is wrong.
func TestBehaviorErrorsNameTheField(t *testing.T) {
	for _, tc := range []struct {
		b            Behavior
		field, needs string
	}{
		{Behavior{ReplyLoss: 1.5}, "ReplyLoss", ""},
		{Behavior{Jitter: -time.Second}, "Jitter", ""},
		{Behavior{Workers: -1}, "Workers", ""},
		{Behavior{QueueLen: 4}, "QueueLen", "Workers"},
		{Behavior{LateShare: 0.1}, "LateShare", "LateDelay"},
	} {
		var be *BehaviorError
		if err := tc.b.Validate(); !errors.As(err, &be) || be.Field != tc.field || be.Needs != tc.needs {
			t.Errorf("%+v: got %v, want field %s (needs %q)", tc.b, err, tc.field, tc.needs)
		}
	}
	if err := (Behavior{ReplyLoss: 0.5, Workers: 2, QueueLen: 4}).Validate(); err != nil {
		t.Errorf("a valid behavior: %v", err)
	}
}
