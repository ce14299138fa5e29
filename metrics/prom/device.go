package prom

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/udpool/udpool/udptest"
)

// DeviceStats is what a simulated device (udptest.Device) offers.
type DeviceStats interface{ Stats() udptest.Stats }

// NewDeviceCollector exports a simulated device's counts, labelled
// device=name.
func NewDeviceCollector(name string, device DeviceStats) prometheus.Collector {
	d := describer[udptest.Stats]{"device", "device", name}
	dropped := d.desc("dropped_total", "Requests or replies the device dropped, by cause.", "cause")
	return &collector[udptest.Stats]{
		stats: device.Stats,
		metrics: []metric[udptest.Stats]{
			d.counter("requests_total", "Requests that reached the device.", func(s *udptest.Stats) float64 { return float64(s.Received) }),
			d.counter("replies_total", "Datagrams the device sent, duplicates included.", func(s *udptest.Stats) float64 { return float64(s.Replied) }),
			d.counter("late_replies_total", "Replies sent late.", func(s *udptest.Stats) float64 { return float64(s.Late) }),
			d.counter("duplicate_replies_total", "Replies sent twice.", func(s *udptest.Stats) float64 { return float64(s.Duplicates) }),
			d.counter("reordered_replies_total", "Replies held back to be overtaken.", func(s *udptest.Stats) float64 { return float64(s.Reordered) }),
			d.gauge("clients", "Distinct client sockets seen.", func(s *udptest.Stats) float64 { return float64(s.Clients) }),
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
