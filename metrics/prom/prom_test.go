package prom_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"github.com/udpool/udpool/metrics/prom"
	"github.com/udpool/udpool/pool"
	"github.com/udpool/udpool/udp"
	"github.com/udpool/udpool/udptest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// A real client and a real pool, scraped over HTTP on loopback: the values
// are their Stats, and the metrics pass Prometheus's own lint.
func TestCollectors(t *testing.T) {
	dev, err := udptest.Start(udptest.Config{Behavior: udptest.Behavior{ReplyLoss: 0.5}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	client, err := udp.Dial(context.Background(), dev.String(), udp.Config{MaxSockets: 2, Timeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	for range 20 {
		client.Do(context.Background(), []byte("hello"))
	}
	p, err := pool.New(pool.Config[int]{New: func(context.Context) (int, error) { return 1, nil }, MaxSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	r, _ := p.Acquire(context.Background())
	r.Destroy()
	r, _ = p.Acquire(context.Background())
	defer r.Release()

	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(prom.NewClientCollector("device", client), prom.NewPoolCollector("ints", p))
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}

	s := client.Stats()
	for metric, want := range map[string]float64{
		`udpool_udp_requests_total{client="device"}`:                 20,
		`udpool_udp_replies_total{client="device"}`:                  float64(s.Replies),
		`udpool_udp_timeouts_total{client="device"}`:                 float64(s.Timeouts),
		`udpool_udp_sockets_open{client="device"}`:                   float64(s.SocketsOpen),
		`udpool_udp_request_duration_seconds_count{client="device"}`: float64(s.Replies),
		`udpool_pool_resources{pool="ints",state="in_use"}`:          1,
		`udpool_pool_destroyed_total{cause="explicit",pool="ints"}`:  1,
		`udpool_pool_creates_total{pool="ints"}`:                     2,
		`udpool_pool_max_resources{pool="ints"}`:                     3,
	} {
		if got := scrapeValue(t, reg, metric); got != want {
			t.Errorf("%s = %v, want %v", metric, got, want)
		}
	}
	if s.Replies == 0 || s.Timeouts == 0 {
		t.Errorf("the device answered %d and dropped %d: not the intended mix", s.Replies, s.Timeouts)
	}
}

// scrapeValue serves reg on loopback, scrapes it, and returns the value of
// the sample named (with its labels) as in the text format.
func scrapeValue(t *testing.T, reg *prometheus.Registry, sample string) float64 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{})}
	go srv.Serve(ln)
	defer srv.Close()
	resp, err := http.Get("http://" + ln.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if rest, ok := strings.CutPrefix(line, sample+" "); ok {
			var v float64
			if _, err := fmt.Sscan(rest, &v); err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			return v
		}
	}
	t.Fatalf("no %s in:\n%s", sample, body)
	return 0
}
