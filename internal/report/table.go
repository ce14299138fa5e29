// Package report presents load results: a text table for the terminal, JSON
// for programs, and a self-contained HTML page with charts for people.
package report

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/udpool/udpool/internal/load"
)

// Table writes one row per result.
func Table(w io.Writer, results []load.Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "client\trequests\tok\ttimeouts\twrong replies\tstuck\terrors\tpeak fds\tfds left\tgoroutines left\tsockets seen\treplies/s\tp50\tp99\t")
	for _, r := range results {
		seen := "-"
		if r.SocketsSeen >= 0 {
			seen = fmt.Sprint(r.SocketsSeen)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%.0f\t%s\t%s\t\n",
			r.Name, r.Requests, r.OK, r.Timeouts, r.Wrong, r.Stuck, r.Errors,
			r.PeakFDs, r.FDsLeft, r.GoroutinesLeft, seen, r.Throughput,
			roundDuration(r.P50), roundDuration(r.P99))
	}
	return tw.Flush()
}

// roundDuration keeps three significant digits or so.
func roundDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}
