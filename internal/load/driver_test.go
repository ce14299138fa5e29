package load

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func request(n uint64) []byte { return fmt.Appendf(nil, "req %d", n) }

// A client that answers, times out, errs and swaps replies in a known
// pattern: each outcome is counted where it belongs.
func TestRunCountsEachOutcome(t *testing.T) {
	client := ClientFunc(func(ctx context.Context, req []byte) ([]byte, error) {
		var n int
		fmt.Sscanf(string(req), "req %d", &n)
		switch n % 4 {
		case 0:
			return nil, os.ErrDeadlineExceeded
		case 1:
			return nil, errors.New("device said no")
		case 2:
			return []byte("req 0"), nil // another request's reply
		}
		time.Sleep(time.Millisecond)
		return bytes.Clone(req), nil
	})
	var progressed atomic.Int64
	res, wait, err := Run(context.Background(), client, Config{
		Requests: 400, Concurrency: 8, Request: request, Check: bytes.Equal,
		Progress: func(done, total int) { progressed.Store(int64(done)) },
	})
	if err != nil {
		t.Fatal(err)
	}
	wait()
	if res.Requests != 400 || res.OK != 100 || res.Timeouts != 100 || res.Errors != 100 || res.Wrong != 100 || res.Stuck != 0 {
		t.Errorf("result %+v", res)
	}
	if len(res.ErrorTexts) != 1 || res.ErrorTexts[0] != "100× device said no" {
		t.Errorf("error texts %q", res.ErrorTexts)
	}
	if res.P50 < time.Millisecond || res.P99 < res.P50 || res.Throughput <= 0 || len(res.Latency) == 0 {
		t.Errorf("latency p50 %v p99 %v, throughput %v, buckets %v", res.P50, res.P99, res.Throughput, res.Latency)
	}
	total := 0
	for _, b := range res.Latency {
		total += b.Count
	}
	if total != res.OK {
		t.Errorf("latency buckets hold %d, %d answered", total, res.OK)
	}
	if progressed.Load() != 400 {
		t.Errorf("last progress %d, want 400", progressed.Load())
	}
	if len(res.Series) < 2 {
		t.Errorf("series %v", res.Series)
	}
}

// A client that never returns for some requests stalls the run: those are
// counted as stuck, and wait returns once they are released.
func TestRunGivesUpOnAStalledClient(t *testing.T) {
	release := make(chan struct{})
	client := ClientFunc(func(ctx context.Context, req []byte) ([]byte, error) {
		var n int
		fmt.Sscanf(string(req), "req %d", &n)
		if n%3 == 0 {
			<-release // a lost reply, read with no deadline
			return nil, errors.New("closed")
		}
		return bytes.Clone(req), nil
	})
	res, wait, err := Run(context.Background(), client, Config{
		Requests: 1000, Concurrency: 4, Request: request, Check: bytes.Equal, Stall: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stuck != 4 || res.OK < 4 || res.Requests >= 1000 {
		t.Errorf("result %+v; want 4 stuck and the run stopped early", res)
	}
	close(release)
	wait()
}

func TestRunForADurationAtARate(t *testing.T) {
	client := ClientFunc(func(ctx context.Context, req []byte) ([]byte, error) { return req, nil })
	res, wait, err := Run(context.Background(), client, Config{
		Duration: 300 * time.Millisecond, Rate: 100, Concurrency: 4, Request: request,
	})
	if err != nil {
		t.Fatal(err)
	}
	wait()
	// 100/s for 0.3s: about 30, never hundreds.
	if res.OK < 10 || res.OK > 40 {
		t.Errorf("%d requests in 300ms at 100/s", res.OK)
	}
}

func TestConfigRejected(t *testing.T) {
	client := ClientFunc(func(ctx context.Context, req []byte) ([]byte, error) { return req, nil })
	for _, cfg := range []Config{
		{Concurrency: 1, Request: request},
		{Requests: -1, Concurrency: 1, Request: request},
		{Requests: 1, Request: request},
		{Requests: 1, Concurrency: 1},
		{Requests: 1, Concurrency: 1, Request: request, Rate: -1},
	} {
		if _, _, err := Run(context.Background(), client, cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}

func TestBaselineLeft(t *testing.T) {
	b := TakeBaseline()
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	if fds, _ := b.over(); fds != 1 {
		t.Errorf("one file open: %d over the baseline", fds)
	}
	f.Close()
	if fds, gs := b.Left(); fds != 0 || gs != 0 {
		t.Errorf("left %d fds %d goroutines", fds, gs)
	}
}

// Errors of one kind differ in their addresses (local ports are random):
// they are counted as one kind.
func TestErrorsGroupedByKind(t *testing.T) {
	client := ClientFunc(func(ctx context.Context, req []byte) ([]byte, error) {
		var n int
		fmt.Sscanf(string(req), "req %d", &n)
		return nil, fmt.Errorf("read udp 127.0.0.1:%d->127.0.0.1:9: connection refused", 30000+n)
	})
	res, wait, err := Run(context.Background(), client, Config{Requests: 50, Concurrency: 2, Request: request})
	if err != nil {
		t.Fatal(err)
	}
	wait()
	if len(res.ErrorTexts) != 1 || res.ErrorTexts[0] != "50× read udp ADDR->ADDR: connection refused" {
		t.Errorf("error texts %q", res.ErrorTexts)
	}
}
