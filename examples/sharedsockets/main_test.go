package main

import (
	"fmt"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestEveryGoroutineGetsItsReplyOverThreeSockets(t *testing.T) {
	var out strings.Builder
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		want := fmt.Sprintf("goroutine %d got \"echo: hello from goroutine %d\"", i, i)
		if !strings.Contains(out.String(), want) {
			t.Errorf("missing %q in:\n%s", want, out.String())
		}
	}
	var seen, opened int
	if _, err := fmt.Sscanf(out.String()[strings.Index(out.String(), "the device saw"):],
		"the device saw %d client sockets; the client opened %d", &seen, &opened); err != nil {
		t.Fatal(err)
	}
	if seen < 1 || seen > 3 || opened > 3 {
		t.Errorf("device saw %d sockets, client opened %d; want at most 3", seen, opened)
	}
}
