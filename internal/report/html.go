package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"time"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/render"

	"github.com/udpool/udpool/internal/load"
)

// echartsJS is Apache ECharts 5.6.0 (Apache-2.0, see assets/ECHARTS-LICENSE),
// inlined into every report so that it opens without a network.
//
//go:embed assets/echarts.min.js
var echartsJS string

// Page is what an HTML report shows.
type Page struct {
	Title   string
	Summary []string // lines of context above the table
	Results []load.Result
	Notes   []string // lines below the table
}

// WriteHTML writes page as a self-contained HTML document to w: the table,
// descriptors over time for each client, and each client's latency
// distribution.
func WriteHTML(w io.Writer, page Page) error {
	return pageTemplate.Execute(w, struct {
		Page
		ECharts template.JS
		Charts  []template.HTML
		Rows    []row
	}{page, template.JS(echartsJS), chartSnippets(page.Results), rows(page.Results)})
}

// row is a result's table cells, as text.
type row struct {
	Name                                         string
	Requests, OK, Timeouts, Wrong, Stuck, Errors int
	PeakFDs, FDsLeft, GoroutinesLeft             int
	Seen, Throughput, P50, P99                   string
}

func rows(results []load.Result) []row {
	var out []row
	for _, r := range results {
		seen := "-"
		if r.SocketsSeen >= 0 {
			seen = fmt.Sprint(r.SocketsSeen)
		}
		out = append(out, row{r.Name, r.Requests, r.OK, r.Timeouts, r.Wrong, r.Stuck, r.Errors,
			r.PeakFDs, r.FDsLeft, r.GoroutinesLeft, seen, fmt.Sprintf("%.0f", r.Throughput),
			roundDuration(r.P50), roundDuration(r.P99)})
	}
	return out
}

// chartSnippets renders the charts as HTML elements with their scripts.
func chartSnippets(results []load.Result) []template.HTML {
	var out []template.HTML
	for _, c := range []interface{ RenderSnippet() render.ChartSnippet }{fdChart(results), latencyChart(results)} {
		s := c.RenderSnippet()
		out = append(out, template.HTML(s.Element+s.Script))
	}
	return out
}

// fdChart draws each client's open descriptors (over the baseline) against
// time since its run started.
func fdChart(results []load.Result) *charts.Line {
	line := charts.NewLine()
	line.SetGlobalOptions(append(commonOptions("fds", "Open descriptors over time", "over the process's baseline before each client"),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "seconds"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "descriptors"}),
	)...)
	for _, r := range results {
		data := make([]opts.LineData, 0, len(r.Series))
		for _, s := range r.Series {
			data = append(data, opts.LineData{Value: []any{s.At.Seconds(), s.FDs}})
		}
		line.AddSeries(r.Name, data, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false), Step: "end"}))
	}
	return line
}

// latencyChart draws each client's latency distribution over shared
// buckets.
func latencyChart(results []load.Result) *charts.Bar {
	bounds := map[time.Duration]bool{}
	for _, r := range results {
		for _, b := range r.Latency {
			bounds[b.UpTo] = true
		}
	}
	var axis []time.Duration
	for d := range bounds {
		axis = append(axis, d)
	}
	slices.Sort(axis)
	labels := make([]string, len(axis))
	for i, d := range axis {
		labels[i] = "≤ " + d.String()
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(commonOptions("latency", "Latency of answered requests", "requests per bucket"),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "requests"}),
	)...)
	bar.SetXAxis(labels)
	for _, r := range results {
		counts := map[time.Duration]int{}
		for _, b := range r.Latency {
			counts[b.UpTo] = b.Count
		}
		data := make([]opts.BarData, len(axis))
		for i, d := range axis {
			data[i] = opts.BarData{Value: counts[d]}
		}
		bar.AddSeries(r.Name, data)
	}
	return bar
}

// commonOptions are what every chart of the report has: full width, a
// title, a tooltip on the axis, the legend below.
func commonOptions(id, title, subtitle string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{ChartID: id, Width: "100%", Height: "420px"}),
		charts.WithTitleOpts(opts.Title{Title: title, Subtitle: subtitle}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "bottom"}),
	}
}

var pageTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td.bad { background: #fdd; }
.chart { margin: 2em 0; }
</style>
<script>
// Script errors are kept and, once the page has loaded, written into the
// page with the number of charts drawn, for people and for tests to see.
var scriptErrors = [];
window.addEventListener("error", function (e) { scriptErrors.push(String(e.message)); });
window.addEventListener("load", function () {
  var out = document.getElementById("script-check");
  out.dataset.errors = scriptErrors.length;
  out.dataset.canvases = document.querySelectorAll(".chart canvas").length;
  out.textContent = scriptErrors.join("\n");
});
</script>
<script>{{.ECharts}}</script>
</head>
<body>
<h1>{{.Title}}</h1>
{{range .Summary}}<p>{{.}}</p>
{{end}}
<table id="results">
<tr><th>client</th><th>requests</th><th>ok</th><th>timeouts</th><th>wrong replies</th><th>stuck</th><th>errors</th><th>peak fds</th><th>fds left</th><th>goroutines left</th><th>sockets seen</th><th>replies/s</th><th>p50</th><th>p99</th></tr>
{{range .Rows}}<tr><td>{{.Name}}</td><td>{{.Requests}}</td><td>{{.OK}}</td><td>{{.Timeouts}}</td><td{{if .Wrong}} class="bad"{{end}}>{{.Wrong}}</td><td{{if .Stuck}} class="bad"{{end}}>{{.Stuck}}</td><td>{{.Errors}}</td><td>{{.PeakFDs}}</td><td{{if .FDsLeft}} class="bad"{{end}}>{{.FDsLeft}}</td><td{{if .GoroutinesLeft}} class="bad"{{end}}>{{.GoroutinesLeft}}</td><td>{{.Seen}}</td><td>{{.Throughput}}</td><td>{{.P50}}</td><td>{{.P99}}</td></tr>
{{end}}</table>
{{range .Notes}}<p>{{.}}</p>
{{end}}
{{range .Charts}}<div class="chart">{{.}}</div>
{{end}}
<pre id="script-check"></pre>
</body>
</html>
`))
