package report

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/udpool/udpool/internal/load"
)

// samplePage is a report of two made-up clients.
func samplePage() Page {
	mk := func(name string, wrong, peak int) load.Result {
		r := load.Result{Name: name, Requests: 100, OK: 90 - wrong, Timeouts: 10, Wrong: wrong, PeakFDs: peak,
			Throughput: 1234, P50: 2 * time.Millisecond, P99: 40 * time.Millisecond, SocketsSeen: peak}
		for i := range 20 {
			r.Series = append(r.Series, load.Sample{At: time.Duration(i) * 20 * time.Millisecond, FDs: min(i, peak), Goroutines: i})
		}
		r.Latency = []load.Bucket{{UpTo: time.Millisecond, Count: 30}, {UpTo: 2 * time.Millisecond, Count: 40}, {UpTo: 50 * time.Millisecond, Count: 20 - wrong}}
		return r
	}
	return Page{
		Title:   "report <test>",
		Summary: []string{"a device that drops 10% of replies"},
		Results: []load.Result{mk("reuse <8 sockets>", 12, 8), mk("udpool mux", 0, 2)},
		Notes:   []string{"reuse: 12 wrong replies"},
	}
}

func writeSample(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.html")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := WriteHTML(f, samplePage()); err != nil {
		t.Fatal(err)
	}
	return path
}

// The report needs no network: no script, style or image is fetched.
func TestReportIsSelfContained(t *testing.T) {
	raw, err := os.ReadFile(writeSample(t))
	if err != nil {
		t.Fatal(err)
	}
	// ECharts itself is inlined: its code mentions <img src= in strings.
	html := strings.Replace(string(raw), echartsJS, "", 1)
	if m := regexp.MustCompile(`<(script|link|img)[^>]+(src|href)=`).FindString(html); m != "" {
		t.Errorf("the report loads something from elsewhere: %s", m)
	}
	for _, want := range []string{"<title>report &lt;test&gt;</title>", "reuse &lt;8 sockets&gt;", `<td class="bad">12</td>`,
		`id="fds"`, `id="latency"`, "echarts.init", "a device that drops 10% of replies"} {
		if !strings.Contains(html, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
}

// The report, opened in a real headless browser, draws both charts without
// a script error.
func TestReportDrawsInABrowser(t *testing.T) {
	browser := findBrowser()
	if browser == "" {
		t.Skip("no chromium here (apt-get install chromium; .ci/run installs it): the report was not opened in a browser")
	}
	path := writeSample(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--user-data-dir="+t.TempDir(), "--virtual-time-budget=10000", "--dump-dom", "file://"+path)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", browser, err, out)
	}
	dom := string(out)
	check := regexp.MustCompile(`<pre id="script-check"[^>]*>([^<]*)</pre>`).FindStringSubmatch(dom)
	if check == nil {
		t.Fatalf("the page did not finish loading (no script check):\n%.2000s", dom)
	}
	attr := func(name string) int {
		m := regexp.MustCompile(name + `="(\d+)"`).FindStringSubmatch(check[0])
		if m == nil {
			t.Fatalf("no %s in %s", name, check[0])
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	if errs := attr("data-errors"); errs != 0 {
		t.Errorf("%d script errors: %s", errs, check[1])
	}
	if canvases := attr("data-canvases"); canvases < 2 {
		t.Errorf("%d charts drawn, want 2", canvases)
	}
}

func findBrowser() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}
