package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// observeFlags are the flags every command has for logs and metrics, and
// those of the commands that write results to files.
type observeFlags struct {
	metrics   string
	logLevel  string
	logFormat string

	jsonPath, reportPath string
}

// defineOutputs defines -json and -report.
func (o *observeFlags) defineOutputs(fs *flag.FlagSet) {
	fs.StringVar(&o.jsonPath, "json", "", "also write the results as JSON to this file")
	fs.StringVar(&o.reportPath, "report", "", "also write a self-contained HTML report with charts to this file")
}

func (o *observeFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&o.metrics, "metrics", "", "serve Prometheus metrics at http://ADDR/metrics (a bare :port binds to loopback)")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&o.logFormat, "log-format", "text", "log format: text or json")
}

// logger makes the slog logger the flags describe, writing to w.
func (o *observeFlags) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return nil, fmt.Errorf("-log-level must be debug, info, warn or error, got %q", o.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch o.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("-log-format must be text or json, got %q", o.logFormat)
}

// metricsAddr is the address to serve metrics on: loopback unless a host
// is given.
func (o *observeFlags) metricsAddr() (string, error) {
	return loopbackUnlessTold("-metrics", o.metrics)
}

// metricsServer serves Prometheus metrics while a command runs.
type metricsServer struct {
	reg  *prometheus.Registry // nil: metrics are off
	addr string               // where it listens
	stop func()
}

// register adds a collector; a no-op when metrics are off.
func (m *metricsServer) register(c prometheus.Collector) {
	if m.reg != nil {
		m.reg.MustRegister(c)
	}
}

// serveMetrics serves the Go runtime's and the process's metrics (open
// descriptors among them), and those registered later, until ctx ends or
// stop is called.
func (o *observeFlags) serveMetrics(ctx context.Context, log *slog.Logger) (*metricsServer, error) {
	if o.metrics == "" {
		return &metricsServer{stop: func() {}}, nil
	}
	addr, err := o.metricsAddr()
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("-metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelError)}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return ctx }}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server", "err", err)
		}
	}()
	log.Info("serving metrics", "url", "http://"+ln.Addr().String()+"/metrics")
	stop := func() {
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
		<-done
	}
	return &metricsServer{reg: reg, addr: ln.Addr().String(), stop: stop}, nil
}

// setUp makes the logger and starts the metrics server; on error it says
// what is wrong on stderr and returns the exit code.
func (o *observeFlags) setUp(ctx context.Context, command string, stderr io.Writer) (*slog.Logger, *metricsServer, int) {
	log, err := o.logger(stderr)
	if err == nil && o.metrics != "" {
		_, err = o.metricsAddr()
	}
	if err != nil {
		fmt.Fprintf(stderr, "udpool %s: %v\n", command, err)
		return nil, nil, 2
	}
	m, err := o.serveMetrics(ctx, log)
	if err != nil {
		fmt.Fprintf(stderr, "udpool %s: %v\n", command, err)
		return nil, nil, 1
	}
	return log, m, 0
}

// runEnv is what a command's run writes to and reports through.
type runEnv struct {
	command        string // for messages
	log            *slog.Logger
	metrics        *metricsServer
	stdout, stderr io.Writer // results; progress
	json, report   *output   // files to write at the end, if asked for
}

// start sets up what a run writes to and reports through: the logger, the
// metrics server, and the -json and -report files (created now, so that a
// bad path fails before the run). A non-zero code means the command ends
// with it; otherwise the caller stops env.metrics when done.
func (o *observeFlags) start(ctx context.Context, command string, stdout, stderr io.Writer) (runEnv, int) {
	env := runEnv{command: command, stdout: stdout, stderr: stderr}
	var code int
	if env.log, env.metrics, code = o.setUp(ctx, command, stderr); code != 0 {
		return env, code
	}
	var err error
	if env.json, err = createOutput("-json", o.jsonPath); err == nil {
		if env.report, err = createOutput("-report", o.reportPath); err != nil {
			env.json.discard()
		}
	}
	if err != nil {
		env.metrics.stop()
		fmt.Fprintf(stderr, "udpool %s: %v\n", command, err)
		return env, 2
	}
	return env, 0
}

// exitCode reports a run's error, if any, and returns the exit code.
func (e runEnv) exitCode(err error) int {
	if err != nil {
		fmt.Fprintf(e.stderr, "udpool %s: %v\n", e.command, err)
		return 1
	}
	return 0
}
