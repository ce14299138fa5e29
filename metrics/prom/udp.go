package prom

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/udpool/udpool/udp"
)

// ClientStats is what a udp.Client offers.
type ClientStats interface{ Stats() udp.Stats }

// latencyBounds are the buckets of the exported latency histogram, in
// seconds: 1-2-5 steps from 50µs to 10s.
var latencyBounds = []float64{
	50e-6, 100e-6, 200e-6, 500e-6, 1e-3, 2e-3, 5e-3, 10e-3, 20e-3, 50e-3,
	100e-3, 200e-3, 500e-3, 1, 2, 5, 10,
}

// NewClientCollector exports c's Stats, labelled client=name.
func NewClientCollector(name string, c ClientStats) prometheus.Collector {
	d := describer[udp.Stats]{"udp", "client", name}
	dropped := d.desc("replies_dropped_total", "Replies dropped: stale (failed Match or named no request), late (their request had timed out), duplicate, foreign (not from the device).", "reason")
	latency := d.desc("request_duration_seconds", "Time answered requests took, from the call to the reply (bucket bounds are accurate to the client's own 19% buckets).")
	return &collector[udp.Stats]{
		stats: c.Stats,
		metrics: []metric[udp.Stats]{
			d.counter("requests_total", "Calls of Do and DoInto.", func(s *udp.Stats) float64 { return float64(s.Requests) }),
			d.counter("replies_total", "Calls answered.", func(s *udp.Stats) float64 { return float64(s.Replies) }),
			d.counter("timeouts_total", "Calls that ended without a reply in time.", func(s *udp.Stats) float64 { return float64(s.Timeouts) }),
			d.counter("retries_total", "Attempts after the first.", func(s *udp.Stats) float64 { return float64(s.Retries) }),
			d.counter("wait_timeouts_total", "Attempts that timed out waiting for a free socket or room in flight, before anything was sent.", func(s *udp.Stats) float64 { return float64(s.WaitTimeouts) }),
			d.counter("truncated_total", "Calls whose reply was larger than the buffer.", func(s *udp.Stats) float64 { return float64(s.Truncated) }),
			d.counter("unreachable_total", "Calls or attempts that met ICMP unreachable.", func(s *udp.Stats) float64 { return float64(s.Unreachable) }),
			d.counter("failed_total", "Calls that ended in another error.", func(s *udp.Stats) float64 { return float64(s.Failed) }),
			d.gauge("in_flight", "Calls in progress.", func(s *udp.Stats) float64 { return float64(s.InFlight) }),
			d.gauge("sockets_open", "Sockets open now.", func(s *udp.Stats) float64 { return float64(s.SocketsOpen) }),
			d.gauge("sockets_peak", "Most sockets open at once.", func(s *udp.Stats) float64 { return float64(s.SocketsPeak) }),
			d.counter("sockets_created_total", "Sockets opened.", func(s *udp.Stats) float64 { return float64(s.SocketsCreated) }),
			d.counter("sockets_closed_total", "Sockets closed.", func(s *udp.Stats) float64 { return float64(s.SocketsDestroyed) }),
			d.gauge("socket_receive_buffer_bytes", "The receive buffer the kernel granted a socket.", func(s *udp.Stats) float64 { return float64(s.ReadBuffer) }),
			d.gauge("socket_send_buffer_bytes", "The send buffer the kernel granted a socket.", func(s *udp.Stats) float64 { return float64(s.WriteBuffer) }),
		},
		descs: []*prometheus.Desc{dropped, latency},
		extra: func(s udp.Stats, ch chan<- prometheus.Metric) {
			for reason, n := range map[string]uint64{"stale": s.Stale, "late": s.Late, "duplicate": s.Duplicates, "foreign": s.Foreign} {
				ch <- prometheus.MustNewConstMetric(dropped, prometheus.CounterValue, float64(n), reason)
			}
			ch <- prometheus.MustNewConstHistogram(latency, s.Latency.Count(), s.Latency.Sum.Seconds(), cumulative(&s.Latency))
		},
	}
}

// cumulative maps the client's histogram onto latencyBounds: each bound
// counts the durations in the client's buckets that end at or below it.
func cumulative(h *udp.Histogram) map[float64]uint64 {
	out := make(map[float64]uint64, len(latencyBounds))
	var seen uint64
	i := 0
	for _, bound := range latencyBounds {
		limit := time.Duration(bound * float64(time.Second))
		for ; i < len(h.Counts) && h.Bound(i) <= limit; i++ {
			seen += h.Counts[i]
		}
		out[bound] = seen
	}
	return out
}
