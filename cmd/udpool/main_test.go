package main

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestDemoRunsAndCleansUp(t *testing.T) {
	var out, errs bytes.Buffer
	code := run([]string{"demo", "-requests", "300", "-concurrency", "8", "-loss", "0.2", "-timeout", "20ms"}, &out, &errs)
	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, errs.String())
	}
	text := out.String()
	for _, want := range []string{"naive (socket per request, no deadline)", "pooled (8 sockets, 20ms deadline)", "peak fds"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	// The pooled row: peak fds never above the 8 sockets, none left.
	for _, line := range strings.Split(text, "\n") {
		if !strings.Contains(line, "pooled (") {
			continue
		}
		f := strings.Fields(line[strings.Index(line, "deadline)")+len("deadline)"):])
		if len(f) < 8 {
			t.Fatalf("pooled row %q", line)
		}
		wrong, _ := strconv.Atoi(f[2])
		peak, _ := strconv.Atoi(f[3])
		left, _ := strconv.Atoi(f[4])
		if peak < 1 || peak > 8 || left != 0 || wrong != 0 {
			t.Errorf("pooled row: peak fds %d (max 8), fds left %d, wrong replies %d", peak, left, wrong)
		}
	}
}

func TestUsageAndBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "Usage"},
		{[]string{"help"}, 0, "udpool demo"},
		{[]string{"nope"}, 2, `unknown command "nope"`},
		{[]string{"demo", "-loss", "1.5"}, 2, "-loss must be in [0, 1)"},
		{[]string{"demo", "-sockets", "0"}, 2, "-sockets must be positive"},
		{[]string{"demo", "-bogus"}, 2, "flag provided but not defined"},
		{[]string{"demo", "-h"}, 0, "Usage: udpool demo"},
	}
	for _, tt := range tests {
		var out, errs bytes.Buffer
		code := run(tt.args, &out, &errs)
		if code != tt.code || !strings.Contains(out.String()+errs.String(), tt.want) {
			t.Errorf("%v: exit %d, output %q; want exit %d and %q", tt.args, code, out.String()+errs.String(), tt.code, tt.want)
		}
	}
}
