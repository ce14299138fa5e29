package prom

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/udpool/udpool/pool"
)

// PoolStats is what a pool.Pool of any type offers.
type PoolStats interface{ Stats() pool.Stats }

// NewPoolCollector exports p's Stats, labelled pool=name.
func NewPoolCollector(name string, p PoolStats) prometheus.Collector {
	d := describer[pool.Stats]{"pool", "pool", name}
	resources := d.desc("resources", "Resources of the pool by state: idle, in_use, creating, maintaining.", "state")
	destroyed := d.desc("destroyed_total", "Resources destroyed, by cause.", "cause")
	return &collector[pool.Stats]{
		stats: p.Stats,
		metrics: []metric[pool.Stats]{
			d.gauge("max_resources", "The pool's current bound on resources (MaxSize).", func(s *pool.Stats) float64 { return float64(s.MaxSize) }),
			d.gauge("waiting", "Callers waiting in Acquire.", func(s *pool.Stats) float64 { return float64(s.Waiting) }),
			d.counter("acquires_total", "Successful acquires.", func(s *pool.Stats) float64 { return float64(s.Acquires) }),
			d.counter("waits_total", "Acquires that had to wait.", func(s *pool.Stats) float64 { return float64(s.Waits) }),
			d.counter("wait_seconds_total", "Time spent waiting in Acquire.", func(s *pool.Stats) float64 { return s.WaitTime.Seconds() }),
			d.counter("acquires_canceled_total", "Acquires ended by their context's cancellation.", func(s *pool.Stats) float64 { return float64(s.CanceledAcquires) }),
			d.counter("acquires_timed_out_total", "Acquires that hit a deadline or AcquireTimeout.", func(s *pool.Stats) float64 { return float64(s.TimedOutAcquires) }),
			d.counter("creates_total", "Resources created.", func(s *pool.Stats) float64 { return float64(s.Creates) }),
			d.counter("create_failures_total", "Calls of New that failed or panicked.", func(s *pool.Stats) float64 { return float64(s.CreateFailures) }),
			d.counter("hijacked_total", "Resources taken out of the pool by Hijack.", func(s *pool.Stats) float64 { return float64(s.Hijacked) }),
			d.counter("checks_total", "Calls of Check.", func(s *pool.Stats) float64 { return float64(s.Checks) }),
			d.counter("close_errors_total", "Calls of Close that failed or panicked.", func(s *pool.Stats) float64 { return float64(s.CloseErrors) }),
			d.counter("leaks_total", "Loans held longer than LeakTimeout.", func(s *pool.Stats) float64 { return float64(s.LeaksReported) }),
		},
		descs: []*prometheus.Desc{resources, destroyed},
		extra: func(s pool.Stats, ch chan<- prometheus.Metric) {
			for state, n := range map[string]int{"idle": s.Idle, "in_use": s.InUse, "creating": s.Creating, "maintaining": s.Maintaining} {
				ch <- prometheus.MustNewConstMetric(resources, prometheus.GaugeValue, float64(n), state)
			}
			c := s.Destroyed
			for cause, n := range map[string]uint64{"explicit": c.Explicit, "idle_time": c.IdleTime, "lifetime": c.Lifetime,
				"check_failed": c.CheckFailed, "resize": c.Resize, "max_idle": c.MaxIdle, "closed": c.Closed} {
				ch <- prometheus.MustNewConstMetric(destroyed, prometheus.CounterValue, float64(n), cause)
			}
		},
	}
}
