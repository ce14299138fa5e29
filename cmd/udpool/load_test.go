package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/udpool/udpool/udptest"
)

func TestLoadAgainstADevice(t *testing.T) {
	dev, err := udptest.Start(udptest.Config{Behavior: udptest.Behavior{ReplyLoss: 0.05}})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"udpool exclusive (4 sockets)", []string{"-payload", "ping", "-match-echo", "-sockets", "4"}},
		{"udpool mux (2 sockets, IDs)", []string{"-payload-hex", "0000 7069 6e67", "-id-len", "2", "-match-echo"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			jsonPath := filepath.Join(t.TempDir(), "load.json")
			reportPath := filepath.Join(t.TempDir(), "load.html")
			args := append([]string{"load", "-target", dev.String(), "-requests", "300", "-concurrency", "8", "-timeout", "50ms",
				"-json", jsonPath, "-report", reportPath}, tc.args...)
			var out, errs bytes.Buffer
			if code := run(context.Background(), args, &out, &errs); code != 0 {
				t.Fatalf("exit %d: %s", code, errs.String())
			}
			if !strings.Contains(out.String(), tc.name) {
				t.Errorf("no %q row:\n%s", tc.name, out.String())
			}
			if page, err := os.ReadFile(reportPath); err != nil || !strings.Contains(string(page), tc.name) {
				t.Errorf("report: %v", err)
			}
			raw, err := os.ReadFile(jsonPath)
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				Client  struct{ Requests, Replies uint64 }
				Results []struct {
					OK, Timeouts, Wrong int
					FDsLeft             int `json:"fds_left"`
					PeakFDs             int `json:"peak_fds"`
				}
			}
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatal(err)
			}
			r := got.Results[0]
			if r.OK+r.Timeouts != 300 || r.OK < 200 || r.Wrong != 0 || r.FDsLeft != 0 || r.PeakFDs > 4 || got.Client.Replies != uint64(r.OK) {
				t.Errorf("results %+v, client %+v", r, got.Client)
			}
		})
	}
}

// Nothing listens on the target: every request fails as unreachable, and
// the command says so and exits 1.
func TestLoadUnreachable(t *testing.T) {
	l, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.LocalAddr().String()
	l.Close()
	var out, errs bytes.Buffer
	code := run(context.Background(), []string{"load", "-target", addr, "-payload", "x", "-requests", "20", "-concurrency", "2", "-timeout", "100ms"}, &out, &errs)
	if code != 1 || !strings.Contains(errs.String(), "no request was answered") || !strings.Contains(out.String(), "unreachable") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, out.String(), errs.String())
	}
}

func TestLoadBadFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-payload", "x"}, "-target is required"},
		{[]string{"-target", "127.0.0.1:9"}, "give the request with -payload"},
		{[]string{"-target", "127.0.0.1:9", "-payload", "x", "-payload-hex", "00"}, "only one of"},
		{[]string{"-target", "127.0.0.1:9", "-payload-hex", "zz"}, "-payload-hex: encoding/hex"},
		{[]string{"-target", "127.0.0.1:9", "-payload-file", "/no/such/file"}, "-payload-file: open /no/such/file"},
		{[]string{"-target", "127.0.0.1:9", "-payload", "x", "-id-len", "2"}, "does not fit in the 1-byte payload"},
		{[]string{"-target", "127.0.0.1:9", "-payload", "xx", "-id-len", "9"}, "-id-len must be 0 to 8"},
		{[]string{"-target", "127.0.0.1:9", "-payload", "x", "-requests", "0"}, "give -requests or -duration"},
		{[]string{"-target", "127.0.0.1:9", "-payload", "x", "-concurrency", "0"}, "-concurrency must be positive"},
		{[]string{"-target", "127.0.0.1:9", "-payload", "x", "-timeout", "-1s"}, "-timeout must be positive"},
		{[]string{"-target", "127.0.0.1:9", "-payload", "x", "-rate", "-1"}, "-rate must not be negative"},
		{[]string{"-target", "no-port", "-payload", "x"}, `-target must be host:port, got "no-port"`},
		{[]string{"-target", "127.0.0.1:9", "-payload", "xxx", "-id-offset", "1"}, "-id-offset needs -id-len"},
		{[]string{"-target", "127.0.0.1:9", "-payload", "x", "-json", "/no/such/dir/x.json"}, "-json: open /no/such/dir/x.json"},
	} {
		var out, errs bytes.Buffer
		code := run(context.Background(), append([]string{"load"}, tt.args...), &out, &errs)
		if code != 2 || !strings.Contains(errs.String(), tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, errs.String(), tt.want)
		}
	}
	var out, errs bytes.Buffer
	if code := run(context.Background(), []string{"load", "-target", "127.0.0.1:no-such-service", "-payload", "x"}, &out, &errs); code != 1 || !strings.Contains(errs.String(), "no-such-service") {
		t.Errorf("bad target: exit %d, stderr %q", code, errs.String())
	}
}

// With -duration and no -requests, the duration alone ends the run.
func TestLoadForADuration(t *testing.T) {
	dev, err := udptest.Start(udptest.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	jsonPath := filepath.Join(t.TempDir(), "load.json")
	var out, errs bytes.Buffer
	start := time.Now()
	code := run(context.Background(), []string{"load", "-target", dev.String(), "-payload", "x", "-duration", "1s", "-concurrency", "8", "-json", jsonPath}, &out, &errs)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	if took := time.Since(start); took < time.Second {
		t.Errorf("a 1s run took %v", took)
	}
	raw, _ := os.ReadFile(jsonPath)
	var got struct{ Results []struct{ Requests int } }
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	// Loopback echo answers thousands a second even under the race
	// detector: the default of 1000 requests must not have capped the run.
	if n := got.Results[0].Requests; n <= 1000 {
		t.Errorf("%d requests in 1s", n)
	}
}

// SIGINT (here: the context ending) stops the run, shows what was measured,
// and exits 1 saying so.
func TestLoadInterrupted(t *testing.T) {
	dev, err := udptest.Start(udptest.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var out, errs bytes.Buffer
	start := time.Now()
	code := run(ctx, []string{"load", "-target", dev.String(), "-payload", "x", "-duration", "1m"}, &out, &errs)
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("took %v after the interruption", took)
	}
	if code != 1 || !strings.Contains(errs.String(), "interrupted") || !strings.Contains(out.String(), "udpool exclusive") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, out.String(), errs.String())
	}
}
