package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/udpool/udpool/internal/load"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// The demo, short: the naive client wedges and leaks, the reuse client
// mixes up replies, udpool's clients do neither; the JSON says the same as
// the table.
func TestDemo(t *testing.T) {
	jsonPath := filepath.Join(t.TempDir(), "demo.json")
	reportPath := filepath.Join(t.TempDir(), "demo.html")
	var out, errs bytes.Buffer
	code := run(context.Background(), []string{"demo", "-requests", "400", "-concurrency", "16", "-timeout", "30ms",
		"-loss", "0.1", "-late", "0.2", "-json", jsonPath, "-report", reportPath}, &out, &errs)
	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, errs.String())
	}
	text := out.String()
	for _, want := range []string{"naive (socket per request, no deadline)", "reuse (8 sockets, deadline, reused)",
		"udpool exclusive (8 sockets, Match)", "udpool mux (2 sockets, IDs)", "wrong replies", "peak fds"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	page, err := os.ReadFile(reportPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<title>udpool demo</title>", "udpool mux (2 sockets, IDs)", `id="fds"`, `id="latency"`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	raw, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var got demoResults
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Results) != 4 {
		t.Fatalf("%d results in the JSON", len(got.Results))
	}
	byName := map[string]load.Result{}
	for _, r := range got.Results {
		byName[strings.Fields(r.Name)[0]+" "+strings.Fields(r.Name)[1]] = r
		if !strings.Contains(text, r.Name) {
			t.Errorf("%q is in the JSON but not the table", r.Name)
		}
	}
	naive := byName["naive (socket"]
	if naive.Stuck == 0 || naive.FDsLeft < naive.Requests || naive.GoroutinesLeft < naive.Stuck {
		t.Errorf("naive client: %+v; want it stuck, with a descriptor left per request", naive)
	}
	if reuse := byName["reuse (8"]; reuse.Wrong == 0 || reuse.PeakFDs > 8 {
		t.Errorf("reuse client: %+v; want wrong replies within 8 descriptors", reuse)
	}
	for _, name := range []string{"udpool exclusive", "udpool mux"} {
		r := byName[name]
		if r.Wrong != 0 || r.Stuck != 0 || r.FDsLeft != 0 || r.GoroutinesLeft != 0 || r.PeakFDs > 8 || r.OK == 0 || r.OK+r.Timeouts != r.Requests {
			t.Errorf("%s: %+v", name, r)
		}
		if r.SocketsSeen > 8 || len(r.Series) == 0 || len(r.Latency) == 0 {
			t.Errorf("%s: %d sockets seen, %d samples, %d latency buckets", name, r.SocketsSeen, len(r.Series), len(r.Latency))
		}
	}
}

func TestUsageAndBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "Usage"},
		{[]string{"help"}, 0, "udpool demo"},
		{[]string{"nope"}, 2, `unknown command "nope"`},
		{[]string{"demo", "-loss", "1.5"}, 2, "-loss must be below 1"},
		{[]string{"demo", "-late", "2"}, 2, "-late must be in [0, 1], got 2"},
		{[]string{"demo", "-workers", "-1"}, 2, "-workers must not be negative"},
		{[]string{"demo", "-queue", "5"}, 2, "-queue needs -workers"},
		{[]string{"help", "serve"}, 0, "Usage: udpool serve"},
		{[]string{"demo", "-sockets", "0"}, 2, "-sockets must be positive"},
		{[]string{"demo", "-requests", "-3"}, 2, "-requests must be positive"},
		{[]string{"demo", "-timeout", "0s"}, 2, "-timeout must be positive"},
		{[]string{"demo", "-bogus"}, 2, "flag provided but not defined"},
		{[]string{"demo", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"demo", "-h"}, 0, "Usage: udpool demo"},
	}
	for _, tt := range tests {
		var out, errs bytes.Buffer
		code := run(context.Background(), tt.args, &out, &errs)
		if code != tt.code || !strings.Contains(out.String()+errs.String(), tt.want) {
			t.Errorf("%v: exit %d, output %q; want exit %d and %q", tt.args, code, out.String()+errs.String(), tt.code, tt.want)
		}
	}
}

// A path that cannot be written fails at once, before the run.
func TestDemoJSONToAnUnwritablePlace(t *testing.T) {
	var out, errs bytes.Buffer
	code := run(context.Background(), []string{"demo", "-requests", "20", "-concurrency", "2", "-timeout", "20ms", "-json", filepath.Join(t.TempDir(), "no", "such", "dir.json")}, &out, &errs)
	if code != 2 || !strings.Contains(errs.String(), "-json: open") || strings.Contains(out.String(), "client") {
		t.Errorf("exit %d, stderr %q", code, errs.String())
	}
}
