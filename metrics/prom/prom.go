// Package prom exports the statistics of udpool's pools and UDP clients as
// Prometheus metrics. Each collector reads Stats when Prometheus scrapes,
// so nothing is counted twice and nothing runs between scrapes:
//
//	reg := prometheus.NewRegistry()
//	reg.MustRegister(prom.NewClientCollector("dns", client))
//	reg.MustRegister(prom.NewPoolCollector("conns", p))
//	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
//
// Metric names follow Prometheus conventions (udpool_ prefix, _total for
// counters, base units: seconds and bytes); each collector labels its
// metrics with the name it is given.
package prom

import (
	"github.com/prometheus/client_golang/prometheus"
)

const namespace = "udpool"

// metric is one metric's description and how to read its value.
type metric[S any] struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(*S) float64
}

// collector collects a fixed set of metrics from one Stats snapshot.
type collector[S any] struct {
	stats   func() S
	metrics []metric[S]
	extra   func(S, chan<- prometheus.Metric) // metrics with variable labels or histograms
	descs   []*prometheus.Desc                // of extra
}

func (c *collector[S]) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range c.metrics {
		ch <- m.desc
	}
	for _, d := range c.descs {
		ch <- d
	}
}

func (c *collector[S]) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	for _, m := range c.metrics {
		ch <- prometheus.MustNewConstMetric(m.desc, m.kind, m.value(&s))
	}
	if c.extra != nil {
		c.extra(s, ch)
	}
}

// describer makes the metrics of one collector: named in its subsystem and
// labelled label=value.
type describer[S any] struct {
	subsystem, label, value string
}

func (d describer[S]) desc(name, help string, variable ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(namespace, d.subsystem, name), help, variable,
		prometheus.Labels{d.label: d.value})
}

func (d describer[S]) gauge(name, help string, v func(*S) float64) metric[S] {
	return metric[S]{d.desc(name, help), prometheus.GaugeValue, v}
}

func (d describer[S]) counter(name, help string, v func(*S) float64) metric[S] {
	return metric[S]{d.desc(name, help), prometheus.CounterValue, v}
}
