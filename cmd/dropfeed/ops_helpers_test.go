package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// proc says how to run the binary: in which folder and with which extra
// environment variables (added to the test's own environment, with every
// DROPFEED_* variable of the test's environment removed so that a
// developer's shell cannot change the result).
type proc struct {
	dir string
	env []string
}

func (p proc) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Dir = p.dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, envPrefix) {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, p.env...)
	return cmd
}

// run runs the binary to completion and returns its exit code and output.
// Unlike runCLI it adds no -state: callers pass one (or DROPFEED_STATE).
func (p proc) run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), runLimit)
	defer cancel()
	cmd := p.command(ctx, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	checkRace(t, cmd)
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), o.String(), e.String()
	}
	if err != nil {
		t.Fatalf("run dropfeed %v: %v", args, err)
	}
	return 0, o.String(), e.String()
}

var adminRE = regexp.MustCompile(`(?m)^admin listening on (http://\S+/)$`)

// serve starts "dropfeed serve" with args and returns once it listens. It
// understands both the plain listening line and, with -log-format json, the
// JSON record {"msg":"listening","url":...}. Like startServe, it kills the
// process (by its PID, through cmd.Process) when the test ends.
func (p proc) serve(t *testing.T, args ...string) *daemonProc {
	t.Helper()
	return startServeCmd(t, p.command(context.Background(), append([]string{"serve"}, args...)...))
}

// adminURL waits for the "admin listening on" line and returns its URL.
func (d *daemonProc) adminURL() string {
	d.t.Helper()
	var u string
	waitFor(d.t, 10*time.Second, "the admin listening line", func() bool {
		logs := d.Logs()
		if m := adminRE.FindStringSubmatch(logs); m != nil {
			u = m[1]
		}
		for line := range strings.SplitSeq(logs, "\n") {
			var rec struct{ Msg, URL string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "admin listening" {
				u = rec.URL
			}
		}
		return u != ""
	})
	return u
}

// scrapeClient opens a connection per request and closes it after.
var scrapeClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}

// scrape fetches a /metrics URL and parses it with Prometheus' own text parser.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	// A connection per scrape, closed after it: a kept-alive scrape
	// connection would hold a server goroutine of its own, and the churn
	// test counts the daemon's goroutines.
	resp, err := scrapeClient.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %s, want 200", url, resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Fatalf("GET %s Content-Type = %q, want the Prometheus text format", url, ct)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	return fams
}

// sample returns the value of the metric name whose labels include want
// (counter, gauge or untyped; for a histogram, its sample count).
func sample(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		have := make(map[string]string)
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		case m.Untyped != nil:
			return m.GetUntyped().GetValue(), true
		}
	}
	return 0, false
}
