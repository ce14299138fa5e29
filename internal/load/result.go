package load

import (
	"math"
	"slices"
	"time"
)

// Result is what one run measured.
type Result struct {
	Name string `json:"name"`

	Requests int `json:"requests"` // sent (started)
	OK       int `json:"ok"`       // answered with the caller's own reply
	Timeouts int `json:"timeouts"`
	Wrong    int `json:"wrong_replies"` // answered with another request's reply
	Errors   int `json:"errors"`        // other errors
	Stuck    int `json:"stuck"`         // never returned (the client stalled)

	ErrorTexts []string `json:"error_texts,omitempty"`

	PeakFDs        int `json:"peak_fds"`        // most descriptors over the baseline while it ran
	FDsLeft        int `json:"fds_left"`        // descriptors over the baseline when it ended
	GoroutinesLeft int `json:"goroutines_left"` // goroutines over the baseline when it ended
	SocketsSeen    int `json:"sockets_seen"`    // distinct client sockets the device saw (set by the caller; -1: unknown)

	Elapsed    time.Duration `json:"elapsed_ns"`
	Throughput float64       `json:"replies_per_second"`
	P50        time.Duration `json:"p50_ns"`
	P99        time.Duration `json:"p99_ns"`
	Max        time.Duration `json:"max_ns"`

	// Latency is the distribution of answered requests' latencies.
	Latency []Bucket `json:"latency"`
	// Series samples descriptors and goroutines over the run.
	Series []Sample `json:"series"`
}

// Bucket counts latencies up to UpTo (and above the previous bucket's).
type Bucket struct {
	UpTo  time.Duration `json:"up_to_ns"`
	Count int           `json:"count"`
}

// Sample is the process's descriptors and goroutines over the baseline, At
// after the start.
type Sample struct {
	At         time.Duration `json:"at_ns"`
	FDs        int           `json:"fds"`
	Goroutines int           `json:"goroutines"`
}

// latencyBounds are the buckets' upper bounds: 1-2-5 steps from 10µs to 10s.
var latencyBounds = func() []time.Duration {
	var b []time.Duration
	for d := 10 * time.Microsecond; d <= 10*time.Second; d *= 10 {
		b = append(b, d, 2*d, 5*d)
	}
	return b
}()

func (r *Result) setLatency(all []time.Duration) {
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	// The q-quantile is the ceil(q·n)-th smallest: p99 of 100 is the 99th.
	at := func(q float64) time.Duration {
		return all[min(max(int(math.Ceil(q*float64(len(all))))-1, 0), len(all)-1)]
	}
	r.P50, r.P99, r.Max = at(0.50), at(0.99), all[len(all)-1]
	i := 0
	for _, bound := range latencyBounds {
		n := 0
		for i < len(all) && all[i] <= bound {
			i++
			n++
		}
		r.Latency = append(r.Latency, Bucket{UpTo: bound, Count: n})
	}
	if i < len(all) {
		r.Latency = append(r.Latency, Bucket{UpTo: all[len(all)-1], Count: len(all) - i})
	}
	// Trim empty buckets at both ends, keeping the shape readable.
	for len(r.Latency) > 0 && r.Latency[0].Count == 0 {
		r.Latency = r.Latency[1:]
	}
	for len(r.Latency) > 0 && r.Latency[len(r.Latency)-1].Count == 0 {
		r.Latency = r.Latency[:len(r.Latency)-1]
	}
}

func peakOf(series []Sample) int {
	p := 0
	for _, s := range series {
		p = max(p, s.FDs)
	}
	return p
}
