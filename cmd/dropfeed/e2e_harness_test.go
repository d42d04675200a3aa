package main

// The harness of the watching scenarios (docs/watching.md): a content folder,
// a folder outside it, a static output folder and a running daemon, with the
// invariants every scenario ends on:
//
//	I1 the daemon is alive and logged no panic;
//	I2 the served feed, and the static feed.json, equal a one-shot build of
//	   the folder at rest (every item, field for field, except date_modified,
//	   which the state file stamps from the history of edits a fresh build
//	   has not seen; the scenario files carry their own date);
//	I3 no duplicate ids;
//	I4 the static files were complete at every moment (a sampler parses
//	   rss.xml, atom.xml and feed.json over and over during the scenario);
//	I5 nothing from an ignored name was published.
//
// Every wait is bounded by a generous deadline that only bounds a failure;
// none is a timing assertion.

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// e2eBase is the base URL of both the daemon and the oracle build, so that
// their items can be compared byte for byte.
const e2eBase = "https://feeds.example.test/"

// settleLimit bounds the wait for the daemon to converge on the oracle.
const settleLimit = time.Minute

// e2e is one scenario's world.
type e2e struct {
	t          *testing.T
	W, C, X, O string // work folder, content, outside, static output
	d          *daemonProc
	static     *staticSampler
	// forbidden lists extra strings no served title may contain (I5).
	forbidden []string
	// both are flags given to the daemon and to the oracle build alike
	// (-config).
	both []string
}

func newE2E(t *testing.T) *e2e {
	t.Helper()
	w := t.TempDir()
	e := &e2e{t: t, W: w, C: filepath.Join(w, "content"), X: filepath.Join(w, "outside"), O: filepath.Join(w, "out")}
	for _, d := range []string{e.C, e.X} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// serveArgs are the flags every scenario's daemon runs with, before its own.
func (e *e2e) serveArgs(extra ...string) []string {
	args := append([]string{"-content", e.C, "-out", e.O, "-base-url", e2eBase, "-max-items", "0", "-v"}, e.both...)
	return append(args, extra...)
}

// start starts the daemon, waits for its first build and starts the static
// output sampler.
func (e *e2e) start(extra ...string) {
	e.t.Helper()
	e.startNoWait(extra...)
	e.ready()
}

// ready waits for the daemon's first build, its static output and the
// watcher's first batch, then starts the static output sampler.
func (e *e2e) ready() {
	e.t.Helper()
	e.d.waitReady()
	e.d.waitOut() // serve is ready when it serves; the folder follows
	// The watcher's first batch is always a full rescan; once it is done,
	// processed() is a barrier for what the scenario does next.
	waitFor(e.t, settleLimit, "the watcher's first rescan", func() bool { return e.processed() >= 2 })
	e.startStatic()
}

// startNoWait starts the daemon and returns once it listens.
func (e *e2e) startNoWait(extra ...string) {
	e.t.Helper()
	e.d = startServe(e.t, e.serveArgs(extra...)...)
}

// startStatic starts sampling the static output; settle stops it.
func (e *e2e) startStatic() {
	e.static = startStaticSampler(e.t, e.O)
}

// c, x and w return paths in the content, outside and work folders.
func (e *e2e) c(rel string) string { return filepath.Join(e.C, filepath.FromSlash(rel)) }
func (e *e2e) x(rel string) string { return filepath.Join(e.X, filepath.FromSlash(rel)) }
func (e *e2e) w(rel string) string { return filepath.Join(e.W, filepath.FromSlash(rel)) }

// mdText is an article with its own id and date, so that the served feed
// and a fresh build agree whatever each one's state file remembers.
func mdText(title, id, body string) string {
	return fmt.Sprintf("---\ntitle: %s\nid: %s\ndate: 2024-05-01T10:00:00Z\n---\n%s\n", title, id, body)
}

// md writes an article the way the shell's ">" does: truncate, then write
// (so the daemon may see it empty for a moment).
func (e *e2e) md(path, title, id, body string) {
	e.t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(mdText(title, id, body)), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

// id returns the feed id of the front matter id short.
func id(short string) string { return "tag:feeds.example.test,2024:" + short }

// item is one JSON Feed item, as served.
type item struct {
	ID          string `json:"id"`
	URL         string `json:"url"`
	Title       string `json:"title"`
	ContentHTML string `json:"content_html"`
}

// snapshot is one read of a feed.json: its items by id, each also as
// canonical JSON for comparison, and the ids seen twice.
type snapshot struct {
	items map[string]item
	canon map[string]string
	dups  []string
}

func (s snapshot) has(short string) bool { _, ok := s.items[id(short)]; return ok }

func (s snapshot) body(short string) string { return s.items[id(short)].ContentHTML }

func parseSnapshot(b []byte) (snapshot, error) {
	var f struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return snapshot{}, err
	}
	s := snapshot{items: make(map[string]item, len(f.Items)), canon: make(map[string]string, len(f.Items))}
	for _, raw := range f.Items {
		var it item
		var m map[string]any
		if err := json.Unmarshal(raw, &it); err != nil {
			return snapshot{}, err
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			return snapshot{}, err
		}
		if _, dup := s.items[it.ID]; dup {
			s.dups = append(s.dups, it.ID)
		}
		// date_modified is history: the state file stamps the time a file's
		// bytes changed, which a fresh build cannot know. Everything else
		// must match.
		delete(m, "date_modified")
		c, _ := json.Marshal(m) // sorted keys
		s.items[it.ID], s.canon[it.ID] = it, string(c)
	}
	return s, nil
}

// served returns the daemon's feed.json.
func (e *e2e) served() (snapshot, error) {
	resp, body, err := e.d.get("feed.json")
	if err != nil {
		return snapshot{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return snapshot{}, fmt.Errorf("GET feed.json: %s", resp.Status)
	}
	return parseSnapshot(body)
}

// waitServed waits until the served feed satisfies cond.
func (e *e2e) waitServed(what string, cond func(s snapshot) bool) snapshot {
	e.t.Helper()
	var s snapshot
	waitFor(e.t, settleLimit, what, func() bool {
		var err error
		s, err = e.served()
		return err == nil && cond(s)
	})
	return s
}

// oracle builds the folder at rest with the one-shot build and returns its
// feed.json (I2).
func (e *e2e) oracle() snapshot {
	e.t.Helper()
	out := e.t.TempDir()
	args := append([]string{"build", "-content", e.C, "-out", out, "-base-url", e2eBase, "-max-items", "0"}, e.both...)
	code, _, stderr := runCLI(e.t, args...)
	if code != 0 {
		e.t.Fatalf("oracle build exit %d:\n%s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(out, "feed.json"))
	if err != nil {
		e.t.Fatal(err)
	}
	s, err := parseSnapshot(b)
	if err != nil {
		e.t.Fatalf("oracle feed.json: %v", err)
	}
	return s
}

// diff describes how got differs from want, or returns "".
func diff(got, want snapshot) string {
	var missing, extra, changed []string
	for k, v := range want.canon {
		g, ok := got.canon[k]
		switch {
		case !ok:
			missing = append(missing, k)
		case g != v:
			changed = append(changed, fmt.Sprintf("%s\n    got  %s\n    want %s", k, g, v))
		}
	}
	for k := range got.canon {
		if _, ok := want.canon[k]; !ok {
			extra = append(extra, k)
		}
	}
	if len(missing)+len(extra)+len(changed) == 0 {
		return ""
	}
	slices.Sort(missing)
	slices.Sort(extra)
	slices.Sort(changed)
	trim := func(s []string) []string { return s[:min(len(s), 5)] }
	return fmt.Sprintf("%d items, want %d; missing %v; extra %v; changed %v", len(got.canon), len(want.canon), trim(missing), trim(extra), trim(changed))
}

// settle checks the invariants I1–I5 once the scenario's operations are
// done: it waits for the daemon to converge on a build of the folder at rest.
func (e *e2e) settle() {
	e.t.Helper()
	want := e.oracle()
	e.converge(want)
	e.checkAlive()
	if e.static != nil {
		e.static.stop()
		e.static = nil
	}
}

// converge waits until both the served feed and the static feed.json equal
// want (I2), then checks I3 and I5 on what is served.
func (e *e2e) converge(want snapshot) snapshot {
	e.t.Helper()
	var got snapshot
	var last string
	deadline := time.Now().Add(settleLimit)
	for {
		var err error
		got, err = e.served()
		if err != nil {
			last = err.Error()
		} else if last = diff(got, want); last == "" {
			b, err := os.ReadFile(filepath.Join(e.O, "feed.json"))
			if err != nil {
				last = "static feed.json: " + err.Error()
			} else if st, err := parseSnapshot(b); err != nil {
				last = "static feed.json: " + err.Error()
			} else if d := diff(st, want); d != "" {
				last = "static feed.json: " + d
			} else {
				break
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("I2: the served feed never equalled a build of the folder at rest within %s: %s", settleLimit, last)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(got.dups) > 0 {
		e.t.Errorf("I3: duplicate ids served: %v", got.dups)
	}
	for _, it := range got.items {
		if ignoredTrace(it) || slices.ContainsFunc(e.forbidden, func(f string) bool { return strings.Contains(it.Title, f) }) {
			e.t.Errorf("I5: an item comes from an ignored name: %+v", it)
		}
	}
	return got
}

// ignoredTrace reports whether an item's URL could only come from a file
// the rules ignore (editor and tool temp names, hidden names).
func ignoredTrace(it item) bool {
	for c := range strings.SplitSeq(strings.TrimPrefix(it.URL, e2eBase), "/") {
		if c == "4913" || strings.HasPrefix(c, ".") || strings.HasPrefix(c, "#") || strings.HasSuffix(c, "~") ||
			strings.Contains(c, "___jb_") || strings.HasSuffix(c, ".swp") || strings.HasSuffix(c, ".tmp") {
			return true
		}
	}
	return it.Title == "Bad"
}

// checkAlive checks I1: the daemon still runs and logged no panic, and
// (under -race) reported no data race.
func (e *e2e) checkAlive() {
	e.t.Helper()
	if r := raceReport(e.d.cmd.Process.Pid); r != "" {
		e.t.Fatalf("I1: the daemon reported a data race:\n%s", r)
	}
	select {
	case <-e.d.done:
		e.t.Fatalf("I1: the daemon exited")
	default:
	}
	logs := e.d.Logs()
	for _, bad := range []string{"panic:", "fatal error:", "DATA RACE"} {
		if strings.Contains(logs, bad) {
			e.t.Fatalf("I1: the daemon logged %q", bad)
		}
	}
}

// caughtUp waits until the daemon has logged the rebuild of the generation
// it serves: the swap comes before the log line, so counting log lines right
// after seeing a change served could count that change later.
func (e *e2e) caughtUp() {
	e.t.Helper()
	waitFor(e.t, settleLimit, "the log to catch up with the served generation", func() bool {
		resp, _, err := e.d.get("feed.json")
		if err != nil {
			return false
		}
		return strings.Contains(e.d.Logs(), " generation="+resp.Header.Get("X-Dropfeed-Generation")+" ")
	})
}

// count returns how many log lines contain s.
func (e *e2e) count(s string) int { return strings.Count(e.d.Logs(), s) }

// processed counts the batches the daemon has finished: each logs either a
// rebuild or "no article changed" (-v).
func (e *e2e) processed() int {
	return e.count("msg=rebuild ") + e.count(`msg="no article changed"`)
}

// rebuilds counts the rebuilds logged.
func (e *e2e) rebuilds() int { return e.count("msg=rebuild ") }

// waitLog waits for a log line containing s.
func (e *e2e) waitLog(s string) {
	e.t.Helper()
	waitFor(e.t, settleLimit, "the log line "+s, func() bool { return strings.Contains(e.d.Logs(), s) })
}

// waitLogRE waits for a log line matching the regular expression re.
func (e *e2e) waitLogRE(re string) {
	e.t.Helper()
	rx := regexp.MustCompile(re)
	waitFor(e.t, settleLimit, "a log line matching "+re, func() bool { return rx.MatchString(e.d.Logs()) })
}

// mdAtomic writes an article atomically (temp file, rename).
func (e *e2e) mdAtomic(path, title, id, body string) {
	e.t.Helper()
	writeAtomic(e.t, path, mdText(title, id, body))
}

// run runs a program (a real tool: cp, mv, git, ...) and fails the test if
// it fails.
func (e *e2e) run(dir, name string, args ...string) string {
	e.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		e.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// httpSampler records every version of feed.json served during an
// operation, for the checks that an article was never missing or half read.
type httpSampler struct {
	e       *e2e
	quit    chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	samples []snapshot
	errs    []string
}

func (e *e2e) sampleHTTP() *httpSampler {
	s := &httpSampler{e: e, quit: make(chan struct{})}
	s.wg.Go(func() {
		for {
			snap, err := e.served()
			s.mu.Lock()
			if err != nil {
				s.errs = append(s.errs, err.Error())
			} else {
				s.samples = append(s.samples, snap)
			}
			s.mu.Unlock()
			select {
			case <-s.quit:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	})
	return s
}

// stop stops sampling and returns the samples; a failed request fails the
// test.
func (s *httpSampler) stop() []snapshot {
	s.e.t.Helper()
	close(s.quit)
	s.wg.Wait()
	if len(s.errs) > 0 {
		s.e.t.Errorf("%d of %d feed requests failed during the operation, first: %s", len(s.errs), len(s.errs)+len(s.samples), s.errs[0])
	}
	return s.samples
}

// presentInAll fails the test unless every sample has the article short
// with a body containing none of the bad strings.
func presentInAll(t *testing.T, samples []snapshot, short string) {
	t.Helper()
	if len(samples) == 0 {
		t.Fatalf("no samples")
	}
	for i, s := range samples {
		if !s.has(short) {
			t.Fatalf("sample %d of %d: %s is missing (flicker)", i+1, len(samples), short)
		}
		if strings.TrimSpace(s.body(short)) == "" {
			t.Fatalf("sample %d of %d: %s is empty (half read)", i+1, len(samples), short)
		}
	}
}

// staticSampler reads the static feeds over and over; every read must be
// a complete document (I4).
type staticSampler struct {
	t     *testing.T
	dir   string
	quit  chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	reads int
	errs  []string
}

func startStaticSampler(t *testing.T, dir string) *staticSampler {
	s := &staticSampler{t: t, dir: dir, quit: make(chan struct{})}
	s.wg.Go(func() {
		for {
			for _, name := range []string{"rss.xml", "atom.xml", "feed.json"} {
				err := checkStatic(filepath.Join(dir, name))
				s.mu.Lock()
				s.reads++
				if err != nil && len(s.errs) < 10 {
					s.errs = append(s.errs, err.Error())
				}
				s.mu.Unlock()
			}
			select {
			case <-s.quit:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	})
	t.Cleanup(func() {
		select {
		case <-s.quit:
		default:
			close(s.quit)
			s.wg.Wait()
		}
	})
	return s
}

// checkStatic reads one static feed and parses it completely.
func checkStatic(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if strings.HasSuffix(path, ".json") {
		if !json.Valid(b) {
			return fmt.Errorf("%s: %d bytes of invalid JSON", filepath.Base(path), len(b))
		}
		return nil
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	depth, elems := 0, 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %d bytes: %v", filepath.Base(path), len(b), err)
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
			elems++
		case xml.EndElement:
			depth--
		}
	}
	if depth != 0 || elems == 0 {
		return fmt.Errorf("%s: %d bytes: not a complete document", filepath.Base(path), len(b))
	}
	return nil
}

func (s *staticSampler) stop() {
	s.t.Helper()
	close(s.quit)
	s.wg.Wait()
	if len(s.errs) > 0 {
		s.t.Errorf("I4: the static output was not complete at some moment (%d reads): %v", s.reads, s.errs)
	}
	if s.reads == 0 {
		s.t.Errorf("I4: the static output was never read")
	}
}

// e2eCase is one scenario: files before the daemon starts, then the
// operation and what it specifically expects; settle checks the rest.
type e2eCase struct {
	name  string
	args  []string // extra serve flags
	setup func(e *e2e)
	run   func(e *e2e)
}

// runE2E runs each case with a fresh folder and daemon. Unless serial is
// set, the cases run in parallel with each other: they spend their time
// waiting.
func runE2E(t *testing.T, serial bool, cases []e2eCase, args ...string) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !serial {
				t.Parallel()
			}
			e := newE2E(t)
			if tc.setup != nil {
				tc.setup(e)
			}
			e.start(append(slices.Clone(args), tc.args...)...)
			tc.run(e)
			e.settle()
		})
	}
}
