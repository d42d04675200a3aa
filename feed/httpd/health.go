package httpd

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dropfeed/dropfeed/feed"
)

// Health answers /healthz: 200 with the state of the site as JSON once a
// build is served, 503 before. Publishing trouble of an output beside the
// server is reported in its own field and never turns "ready" off: the
// server still serves the last good build.
type Health struct {
	state   atomic.Pointer[HealthState]
	mu      sync.Mutex
	outputs map[string]func() feed.OutputStatus
}

// HealthState is what a build sets; the handler adds the outputs.
type HealthState struct {
	Ready      bool   `json:"ready"`
	Generation uint64 `json:"generation"`
	Articles   int    `json:"articles"`
	Errors     int    `json:"errors"`
	LastBuild  string `json:"last_build,omitempty"`
	// Preloaded says, before the first build, that the feeds the last run
	// saved are served meanwhile (see [feed.Server.Preload]).
	Preloaded bool `json:"preloaded,omitempty"`
	// Outputs says how far each output beside the server has got; one is
	// current when its generation equals the served one.
	Outputs map[string]OutputHealth `json:"outputs,omitempty"`
}

// OutputHealth is what /healthz says of one output.
type OutputHealth struct {
	Generation uint64 `json:"generation"`           // the newest bundle it holds
	Current    bool   `json:"current"`              // it holds the one handed over last
	LastWrite  string `json:"last_write,omitempty"` // when it last completed a publish
	Error      string `json:"error,omitempty"`      // why its last publish failed, without paths
}

// Built records a build now served: its generation, articles and errors.
func (h *Health) Built(gen uint64, articles, errs int) {
	h.state.Store(&HealthState{Ready: true, Generation: gen, Articles: articles, Errors: errs, LastBuild: time.Now().UTC().Format(time.RFC3339)})
}

// Preloaded records, before the first build, that the feeds the last run
// saved are served meanwhile; /healthz still answers 503 (not ready) with
// "preloaded": true. A build recorded already wins.
func (h *Health) Preloaded() {
	h.state.CompareAndSwap(nil, &HealthState{Preloaded: true})
}

// AddOutput reports the status of an output under name.
func (h *Health) AddOutput(name string, status func() feed.OutputStatus) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.outputs == nil {
		h.outputs = make(map[string]func() feed.OutputStatus)
	}
	h.outputs[name] = status
}

func (h *Health) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st := HealthState{}
	if p := h.state.Load(); p != nil {
		st = *p
	}
	h.mu.Lock()
	for name, status := range h.outputs {
		if st.Outputs == nil {
			st.Outputs = make(map[string]OutputHealth)
		}
		st.Outputs[name] = outputHealth(status())
	}
	h.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Dropfeed-Generation", fmt.Sprint(st.Generation))
	if !st.Ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(st)
}

func outputHealth(st feed.OutputStatus) OutputHealth {
	o := OutputHealth{Generation: st.Generation, Current: st.Generation == st.Latest && st.Err == nil}
	if !st.Written.IsZero() {
		o.LastWrite = st.Written.UTC().Format(time.RFC3339)
	}
	if st.Err != nil {
		// The innermost error (e.g. "no space left on device"): the
		// wrapping names files, which a health check need not show.
		err := st.Err
		for next := errors.Unwrap(err); next != nil; next = errors.Unwrap(err) {
			err = next
		}
		o.Error = err.Error()
	}
	return o
}
