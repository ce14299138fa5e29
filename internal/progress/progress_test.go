package progress

import (
	"strings"
	"testing"
)

// Off a terminal, progress is plain lines, at most one a second, and a last
// one at the end.
func TestPlainLines(t *testing.T) {
	var out strings.Builder
	r := New(&out, "exclusive", 100)
	for i := range 100 {
		r.Update(i+1, 100)
	}
	r.Finish(100)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) > 2 || lines[len(lines)-1] != "exclusive: 100/100 requests" {
		t.Errorf("lines %q", lines)
	}
	if IsTerminal(&out) {
		t.Error("a strings.Builder is not a terminal")
	}
}
