package prom

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/udpool/udpool/udptest"
)

// DeviceStats is what a simulated device (udptest.Device) offers.
type DeviceStats interface{ Stats() udptest.Stats }

// NewDeviceCollector exports a simulated device's counts, labelled
// device=name.
func NewDeviceCollector(name string, d DeviceStats) prometheus.Collector {
	desc := func(metricName, help string, variable ...string) *prometheus.Desc {
		return newDesc("device", metricName, help, "device", name, variable...)
	}
	counter := func(metricName, help string, v func(*udptest.Stats) float64) metric[udptest.Stats] {
		return metric[udptest.Stats]{desc(metricName, help), prometheus.CounterValue, v}
	}
	dropped := desc("dropped_total", "Requests or replies the device dropped, by cause.", "cause")
	return &collector[udptest.Stats]{
		stats: d.Stats,
		metrics: []metric[udptest.Stats]{
			counter("requests_total", "Requests that reached the device.", func(s *udptest.Stats) float64 { return float64(s.Received) }),
			counter("replies_total", "Datagrams the device sent, duplicates included.", func(s *udptest.Stats) float64 { return float64(s.Replied) }),
			counter("late_replies_total", "Replies sent late.", func(s *udptest.Stats) float64 { return float64(s.Late) }),
			counter("duplicate_replies_total", "Replies sent twice.", func(s *udptest.Stats) float64 { return float64(s.Duplicates) }),
			counter("reordered_replies_total", "Replies held back to be overtaken.", func(s *udptest.Stats) float64 { return float64(s.Reordered) }),
			{desc("clients", "Distinct client sockets seen."), prometheus.GaugeValue, func(s *udptest.Stats) float64 { return float64(s.Clients) }},
		},
		descs: []*prometheus.Desc{dropped},
		extra: func(s udptest.Stats, ch chan<- prometheus.Metric) {
			for cause, n := range map[string]uint64{"request_loss": s.DroppedRequests, "reply_loss": s.DroppedReplies,
				"queue_full": s.DroppedQueueFull, "rate": s.DroppedRate, "down": s.DroppedDown, "no_reply": s.NoReply} {
				ch <- prometheus.MustNewConstMetric(dropped, prometheus.CounterValue, float64(n), cause)
			}
		},
	}
}
