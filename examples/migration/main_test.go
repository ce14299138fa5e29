package main

import (
	"fmt"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestBothWaysShareThreeSockets(t *testing.T) {
	var out strings.Builder
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("output:\n%s", out.String())
	}
	for _, line := range lines {
		var name string
		var ok, lost, seen int
		if _, err := fmt.Sscanf(strings.ReplaceAll(line, ";", ""), "%s %d answered, %d lost the device saw %d sockets", &name, &ok, &lost, &seen); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		// 20% of replies are lost; each lost one costs a socket, so the
		// device may see a few more than 3 in all, never 3 at once.
		if ok+lost != 10 || ok == 0 || seen < 1 {
			t.Errorf("%q", line)
		}
	}
}
