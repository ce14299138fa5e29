package load

import (
	"os"
	"runtime"
	"sync"
	"time"
)

// fdCount serializes counts, so that one count's descriptor is never seen
// by another.
var fdCount sync.Mutex

// OpenFDs counts the process's open descriptors (Linux /proc/self/fd), less
// the one used to count them.
func OpenFDs() (int, error) {
	fdCount.Lock()
	defer fdCount.Unlock()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0, err
	}
	return len(entries) - 1, nil
}

func goroutines() int { return runtime.NumGoroutine() }

// sampler records descriptors and goroutines over their baselines.
type sampler struct {
	done   chan struct{}
	result chan []Sample
}

func startSampler(every time.Duration, base Baseline) *sampler {
	s := &sampler{done: make(chan struct{}), result: make(chan []Sample, 1)}
	go func() {
		start := time.Now()
		var series []Sample
		take := func() {
			fds, gs := base.over()
			series = append(series, Sample{At: time.Since(start), FDs: fds, Goroutines: gs})
		}
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			take()
			select {
			case <-t.C:
			case <-s.done:
				take()
				s.result <- series
				return
			}
		}
	}()
	return s
}

func (s *sampler) stop() []Sample {
	close(s.done)
	return <-s.result
}

// Baseline is the process's descriptors and goroutines at one moment.
type Baseline struct {
	fds, goroutines int
}

// TakeBaseline records the descriptors and goroutines open now.
func TakeBaseline() Baseline {
	fds, _ := OpenFDs()
	return Baseline{fds: fds, goroutines: goroutines()}
}

// over returns the descriptors and goroutines over the baseline now.
func (b Baseline) over() (fds, gs int) {
	n, err := OpenFDs()
	if err != nil {
		n = b.fds
	}
	return n - b.fds, goroutines() - b.goroutines
}

// Left returns the descriptors and goroutines over the baseline once they
// have settled: goroutines that were told to end take a moment, so it waits
// up to a second for the count to come down to the baseline.
func (b Baseline) Left() (fds, gs int) {
	deadline := time.Now().Add(time.Second)
	for {
		fds, gs = b.over()
		if (fds <= 0 && gs <= 0) || time.Now().After(deadline) {
			return max(fds, 0), max(gs, 0)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
