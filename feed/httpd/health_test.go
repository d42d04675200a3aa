package httpd

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/feed"
)

// TestHealth: 503 until a build is served, then 200 with its figures; an
// output's failure shows as its innermost error (no paths) and keeps
// "ready" true.
func TestHealth(t *testing.T) {
	var h Health
	get := func() (int, HealthState) {
		t.Helper()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		var st HealthState
		if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
			t.Fatalf("body %q: %v", rec.Body, err)
		}
		if rec.Header().Get("Cache-Control") != "no-store" || rec.Header().Get("X-Dropfeed-Generation") != fmt.Sprint(st.Generation) {
			t.Errorf("headers %v", rec.Header())
		}
		return rec.Code, st
	}
	if code, st := get(); code != http.StatusServiceUnavailable || st.Ready || st.Preloaded {
		t.Errorf("before a build: %d %+v, want 503, not ready, nothing preloaded", code, st)
	}
	h.Preloaded()
	if code, st := get(); code != http.StatusServiceUnavailable || st.Ready || !st.Preloaded {
		t.Errorf("the last run's feeds preloaded: %d %+v, want 503, not ready, preloaded", code, st)
	}
	out := feed.OutputStatus{Generation: 1, Latest: 2, Written: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Err: fmt.Errorf("write public/rss.xml: %w", &fs.PathError{Op: "write", Path: "/srv/public/rss.xml", Err: syscall.ENOSPC})}
	h.AddOutput("out", func() feed.OutputStatus { return out })
	h.Built(2, 10, 1)
	code, st := get()
	want := OutputHealth{Generation: 1, Current: false, LastWrite: "2026-01-02T03:04:05Z", Error: syscall.ENOSPC.Error()}
	if code != http.StatusOK || !st.Ready || st.Generation != 2 || st.Articles != 10 || st.Errors != 1 || st.Outputs["out"] != want {
		t.Errorf("after a build, with a failing output: %d %+v, want 200, ready, generation 2, 10 articles, 1 error, out %+v", code, st, want)
	}
	if st.Preloaded {
		t.Errorf("after a build: still preloaded %+v", st)
	}
	h.Preloaded()
	if code, st := get(); code != http.StatusOK || !st.Ready || st.Preloaded {
		t.Errorf("Preloaded after a build: %d %+v, want the build's state", code, st)
	}
	out = feed.OutputStatus{Generation: 2, Latest: 2, Written: out.Written}
	if _, st := get(); !st.Outputs["out"].Current || st.Outputs["out"].Error != "" {
		t.Errorf("output caught up: %+v, want current and no error", st.Outputs["out"])
	}
	if errors.Unwrap(syscall.ENOSPC) != nil {
		t.Fatal("ENOSPC wraps something; the test's innermost error is wrong")
	}
}
