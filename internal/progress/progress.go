// Package progress shows how far a run has got: a bar on a terminal, and
// plain lines (at most one a second) anywhere else, so that logs stay
// readable.
package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Reporter shows the progress of one run.
type Reporter struct {
	mu      sync.Mutex
	label   string
	out     io.Writer
	bar     *progressbar.ProgressBar // nil when out is not a terminal
	last    time.Time
	done    int
	printed int // done as last printed, -1 before the first line
}

// New makes a reporter for a run of total steps (0: unknown) writing to out.
func New(out io.Writer, label string, total int) *Reporter {
	r := &Reporter{label: label, out: out, last: time.Now(), printed: -1}
	if IsTerminal(out) {
		max := int64(total)
		if total <= 0 {
			max = -1 // a spinner
		}
		r.bar = progressbar.NewOptions64(max,
			progressbar.OptionSetWriter(out),
			progressbar.OptionSetDescription(fmt.Sprintf("%-28s", label)),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
		)
	}
	return r
}

// Update sets the steps done so far; it is safe to call from any goroutine.
func (r *Reporter) Update(done, total int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done = done
	if r.bar != nil {
		r.bar.Set(done)
		return
	}
	if time.Since(r.last) >= time.Second {
		r.last = time.Now()
		r.line(total)
	}
}

// Finish takes the bar off the terminal (where it stopped, for a run that
// ended early), or prints the last line unless it was just printed.
func (r *Reporter) Finish(total int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bar != nil {
		r.bar.Exit()
		r.bar.Clear()
		return
	}
	if r.printed != r.done {
		r.line(total)
	}
}

func (r *Reporter) line(total int) {
	r.printed = r.done
	if total > 0 {
		fmt.Fprintf(r.out, "%s: %d/%d requests\n", r.label, r.done, total)
	} else {
		fmt.Fprintf(r.out, "%s: %d requests\n", r.label, r.done)
	}
}

// IsTerminal reports whether w is a terminal (a character device).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
