package hooksealprom_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape gathers reg as Prometheus does: over HTTP from promhttp, in the
// text format, parsed by expfmt's text parser. It returns the families and
// the raw text.
func scrape(tb testing.TB, reg *prometheus.Registry) (map[string]*dto.MetricFamily, string) {
	tb.Helper()
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}))
	defer srv.Close()
	req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Accept", "text/plain; version=0.0.4")
	resp, err := srv.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("scrape: status %d: %s", resp.StatusCode, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		tb.Fatalf("parsing the scrape: %v\n%s", err, body)
	}
	return fams, string(body)
}

// series renders family name's series as `label=value,...` (labels sorted
// by name) mapped to their value: a counter's or gauge's value, a
// histogram's sample count.
func series(fams map[string]*dto.MetricFamily, name string) map[string]float64 {
	out := map[string]float64{}
	f, ok := fams[name]
	if !ok {
		return out
	}
	for _, m := range f.GetMetric() {
		var v float64
		switch {
		case m.GetCounter() != nil:
			v = m.GetCounter().GetValue()
		case m.GetGauge() != nil:
			v = m.GetGauge().GetValue()
		case m.GetHistogram() != nil:
			v = float64(m.GetHistogram().GetSampleCount())
		}
		out[labels(m)] = v
	}
	return out
}

func labels(m *dto.Metric) string {
	var ls []string
	for _, l := range m.GetLabel() {
		ls = append(ls, l.GetName()+"="+l.GetValue())
	}
	slices.Sort(ls)
	return strings.Join(ls, ",")
}

// nonZero drops the series whose value is 0.
func nonZero(s map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range s {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}

// diff describes how got differs from want, "" when they are equal.
func diff(got, want map[string]float64) string {
	var b strings.Builder
	keys := map[string]bool{}
	for k := range got {
		keys[k] = true
	}
	for k := range want {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	slices.Sort(sorted)
	for _, k := range sorted {
		g, gok := got[k]
		w, wok := want[k]
		switch {
		case !gok:
			fmt.Fprintf(&b, "\n  missing %s (want %v)", k, w)
		case !wok:
			fmt.Fprintf(&b, "\n  extra   %s = %v", k, g)
		case g != w:
			fmt.Fprintf(&b, "\n  %s = %v, want %v", k, g, w)
		}
	}
	return b.String()
}
