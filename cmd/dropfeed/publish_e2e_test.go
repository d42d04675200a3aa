package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/feed/bucket"
	"github.com/dropfeed/dropfeed/feed/bucket/buckettest"
)

// The end-to-end tests of -publish share one SeaweedFS (stopped by
// TestMain), each under a prefix of its own.
var bucketServer = buckettest.Shared{Buckets: []string{pubBucket}}

const pubBucket = "site"

var pubRuns atomic.Int64

// pubTarget returns a target of the shared bucket no other run uses.
func pubTarget(t *testing.T) string {
	name := strings.NewReplacer("/", "-", " ", "-", "+", "-").Replace(t.Name())
	return fmt.Sprintf("s3://%s/%s-%d", pubBucket, strings.ToLower(name), pubRuns.Add(1))
}

// bucketEnv is the environment that points dropfeed at endpoint with key,
// and away from any AWS configuration of the machine.
func bucketEnv(t *testing.T, endpoint string, key buckettest.Key) []string {
	none := filepath.Join(t.TempDir(), "none")
	return []string{
		"AWS_ENDPOINT_URL_S3=" + endpoint, "AWS_ACCESS_KEY_ID=" + key.ID, "AWS_SECRET_ACCESS_KEY=" + key.Secret,
		"AWS_REGION=us-east-1", "AWS_PROFILE=", "AWS_DEFAULT_PROFILE=", "AWS_SESSION_TOKEN=", "AWS_ENDPOINT_URL=",
		"AWS_SHARED_CREDENTIALS_FILE=" + none, "AWS_CONFIG_FILE=" + none,
	}
}

// readBucket opens a target for the test to read back what was published.
func readBucket(t *testing.T, srv *buckettest.Server, tgt string) *bucket.Store {
	t.Helper()
	c, err := bucket.ConfigFromEnv(tgt, func(k string) string {
		return map[string]string{"AWS_ENDPOINT_URL_S3": srv.Endpoint, "AWS_ACCESS_KEY_ID": srv.Reader.ID,
			"AWS_SECRET_ACCESS_KEY": srv.Reader.Secret, "AWS_REGION": "us-east-1", "HOME": t.TempDir()}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	bs, err := bucket.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return bs
}

// outFiles returns the files of a static folder that a bucket gets: all
// but the .gz copies and dropfeed's own hidden files.
func outFiles(dir string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".gz") || strings.HasPrefix(d.Name(), ".") {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err == nil {
			files[filepath.ToSlash(rel)], err = os.ReadFile(p)
		}
		return err
	})
	return files, err
}

// sameAsOut reports how the bucket differs from the static folder dir:
// the same keys, byte for byte, and (when serve is given) each object's
// Content-Type the one serve sends for its path.
func sameAsOut(ctx context.Context, bs *bucket.Store, dir string, serve *daemonProc) error {
	files, err := outFiles(dir)
	if err != nil {
		return err
	}
	list, err := bs.List(ctx)
	if err != nil {
		return err
	}
	var keys []string
	for _, o := range list {
		keys = append(keys, o.Key)
	}
	if want := slices.Sorted(mapKeysOf(files)); !slices.Equal(keys, want) {
		return fmt.Errorf("the bucket holds\n%q\nthe folder\n%q", keys, want)
	}
	for _, k := range keys {
		body, m, err := bs.Get(ctx, k)
		if err != nil {
			return err
		}
		if !bytes.Equal(body, files[k]) {
			return fmt.Errorf("%s: the object's %d bytes differ from the file's %d", k, len(body), len(files[k]))
		}
		if serve == nil {
			continue
		}
		resp, _, err := serve.get(strings.TrimSuffix(k, "index.html"))
		if err != nil {
			return err
		}
		if got, want := m.ContentType, resp.Header.Get("Content-Type"); got != want || resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: Content-Type %q; serve answers %d with %q", k, got, resp.StatusCode, want)
		}
	}
	return nil
}

func mapKeysOf[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// pubSite writes a content folder: two articles, one with an image.
func pubSite(t *testing.T, dir string) {
	writeAtomic(t, filepath.Join(dir, "2026-04-01-dam.md"), "---\ntitle: The dam\ndate: 2026-04-01T08:00:00Z\ntags: [water]\n---\nThe dam holds.\n\n![the dam](dam.png)\n")
	writeAtomic(t, filepath.Join(dir, "dam.png"), "\x89PNG\r\n\x1a\n"+strings.Repeat("\x07", 500))
	writeAtomic(t, filepath.Join(dir, "2026-04-02-fair.txt"), "The fair opens\nDate: 2026-04-02 09:00\nTags: town\n\nRides and stalls.\n")
}

var publishedRE = regexp.MustCompile(`published (\d+) objects to (\S+) at \S+, deleted (\d+)`)

// TestBuildPublish: build -out -publish leaves in the bucket every file of
// the folder, byte for byte, with the Content-Type serve sends; a second
// build uploads nothing and says so; a key that may not write fails with
// one clear line and exit status 1.
func TestBuildPublish(t *testing.T) {
	t.Parallel()
	srv := bucketServer.Server(t)
	dir := t.TempDir()
	pubSite(t, filepath.Join(dir, "c"))
	tgt := pubTarget(t)
	p := proc{dir: dir, env: bucketEnv(t, srv.Endpoint, srv.Writer)}
	args := []string{"build", "-content", "c", "-out", "x", "-state", "s/state.db", "-base-url", "https://news.example.test/", "-publish", tgt}
	code, _, stderr := p.run(t, args...)
	m := publishedRE.FindStringSubmatch(stderr)
	if code != 0 || m == nil || m[2] != tgt {
		t.Fatalf("build -publish: exit %d, want 0 and a line \"published N objects to %s\":\n%s", code, tgt, stderr)
	}
	files, err := outFiles(filepath.Join(dir, "x"))
	if err != nil {
		t.Fatal(err)
	}
	if m[1] != fmt.Sprint(len(files)) {
		t.Errorf("published %s objects, the folder has %d files", m[1], len(files))
	}
	d := p.serve(t, "-content", "c", "-state", "s2/state.db", "-base-url", "https://news.example.test/", "-addr", "127.0.0.1:0")
	d.waitReady()
	bs := readBucket(t, srv, tgt)
	if err := sameAsOut(t.Context(), bs, filepath.Join(dir, "x"), d); err != nil {
		t.Fatal(err)
	}
	if _, _, err := bs.Get(t.Context(), "articles/2026-04-01-dam/dam.png"); err != nil {
		t.Errorf("the image: %v", err)
	}

	code, _, stderr = p.run(t, args...)
	if code != 0 || !strings.Contains(stderr, "nothing to upload to "+tgt) {
		t.Errorf("unchanged rebuild: exit %d, want 0 and \"nothing to upload\":\n%s", code, stderr)
	}

	ro := proc{dir: dir, env: bucketEnv(t, srv.Endpoint, srv.Reader)}
	writeAtomic(t, filepath.Join(dir, "c", "2026-04-03-late.txt"), "Late news\nDate: 2026-04-03 09:00\n\nLate.\n")
	code, _, stderr = ro.run(t, args...)
	if code != 1 || !strings.Contains(stderr, "access denied") || strings.Count(strings.TrimSpace(stderr), "\n") > 1 {
		t.Errorf("read-only key: exit %d, want 1 and one line saying access is denied:\n%s", code, stderr)
	}
	if err := sameAsOut(t.Context(), bs, filepath.Join(dir, "x"), nil); err == nil {
		t.Error("the bucket holds the new article though the key may not write")
	}
}

// pubHealth is what /healthz says of the bucket.
type pubHealth struct {
	Ready      bool   `json:"ready"`
	Generation uint64 `json:"generation"`
	Outputs    map[string]struct {
		Generation uint64 `json:"generation"`
		Current    bool   `json:"current"`
		Error      string `json:"error"`
	} `json:"outputs"`
}

func (d *daemonProc) pubHealth() (pubHealth, error) {
	var h pubHealth
	_, body, err := d.get("healthz")
	if err == nil {
		err = json.Unmarshal(body, &h)
	}
	return h, err
}

// published reports whether serve's bucket holds the bundle it serves.
func (d *daemonProc) published() bool {
	h, err := d.pubHealth()
	pub, ok := h.Outputs["publish"]
	return err == nil && h.Ready && ok && pub.Current && pub.Generation == h.Generation
}

// waitBucket waits until the bucket holds what the folder holds.
func waitBucket(t *testing.T, d *daemonProc, bs *bucket.Store, dir, what string) {
	t.Helper()
	var last error
	deadline := time.Now().Add(time.Minute)
	for {
		if d.published() && d.outCurrent() {
			if last = sameAsOut(t.Context(), bs, dir, d); last == nil {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the bucket did not follow within a minute: %v", what, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestServePublish: serve -publish keeps the bucket equal to the static
// folder as articles are dropped, edited, renamed and deleted; /healthz and
// /metrics report it; a restart over the same folder uploads nothing.
func TestServePublish(t *testing.T) {
	t.Parallel()
	srv := bucketServer.Server(t)
	dir := t.TempDir()
	c := filepath.Join(dir, "c")
	pubSite(t, c)
	tgt := pubTarget(t)
	p := proc{dir: dir, env: bucketEnv(t, srv.Endpoint, srv.Writer)}
	args := []string{"-content", "c", "-out", "x", "-state", "s/state.db", "-base-url", "https://news.example.test/", "-addr", "127.0.0.1:0", "-publish", tgt, "-v"}
	d := p.serve(t, args...)
	d.waitReady()
	bs := readBucket(t, srv, tgt)
	x := filepath.Join(dir, "x")
	waitBucket(t, d, bs, x, "first publish")

	writeAtomic(t, filepath.Join(c, "2026-04-05-storm.md"), "---\ntitle: Storm warning\ndate: 2026-04-05T08:00:00Z\n---\nWind.\n")
	d.waitFeeds("the dropped article served", func(b string) bool { return strings.Contains(b, "Storm warning") })
	waitBucket(t, d, bs, x, "article dropped")
	if _, _, err := bs.Get(t.Context(), "articles/2026-04-05-storm/index.html"); err != nil {
		t.Fatal(err)
	}
	writeAtomic(t, filepath.Join(c, "2026-04-05-storm.md"), "---\ntitle: Storm warning, updated\ndate: 2026-04-05T08:00:00Z\n---\nMore wind.\n")
	d.waitFeeds("the edit served", func(b string) bool { return strings.Contains(b, "Storm warning, updated") })
	waitBucket(t, d, bs, x, "article edited")
	body, _, _ := bs.Get(t.Context(), "articles/2026-04-05-storm/index.html")
	if !bytes.Contains(body, []byte("More wind.")) {
		t.Fatalf("the page in the bucket is not the edited one:\n%s", body)
	}
	if err := os.Rename(filepath.Join(c, "2026-04-02-fair.txt"), filepath.Join(c, "2026-04-02-funfair.txt")); err != nil {
		t.Fatal(err)
	}
	d.waitFeeds("the rename served", func(b string) bool { return strings.Contains(b, "2026-04-02-funfair") })
	waitBucket(t, d, bs, x, "article renamed")
	if err := os.Remove(filepath.Join(c, "2026-04-05-storm.md")); err != nil {
		t.Fatal(err)
	}
	d.waitFeeds("the deletion served", func(b string) bool { return !strings.Contains(b, "Storm warning") })
	waitBucket(t, d, bs, x, "article deleted")
	if _, _, err := bs.Get(t.Context(), "articles/2026-04-05-storm/index.html"); !errors.Is(err, bucket.ErrNotFound) {
		t.Fatalf("the deleted article's page: %v, want it gone", err)
	}
	_, metrics, err := d.get("metrics")
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`(?m)^dropfeed_publish_objects_total\{op="delete"\} ([1-9]\d*)$`).FindSubmatch(metrics); m == nil {
		t.Errorf("/metrics counts no deletion:\n%s", metrics)
	}
	if !regexp.MustCompile(`(?m)^dropfeed_publish_objects_total\{op="upload"\} [1-9]`).Match(metrics) ||
		!regexp.MustCompile(`(?m)^dropfeed_publish_failures_total 0$`).Match(metrics) {
		t.Errorf("/metrics: want uploads counted and no failure:\n%s", metrics)
	}
	if code := d.stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}

	d = p.serve(t, args...)
	d.waitReady()
	waitBucket(t, d, bs, x, "restart")
	waitFor(t, 30*time.Second, "the publish log line", func() bool { return strings.Contains(d.Logs(), "msg=published") })
	if !strings.Contains(d.Logs(), "uploaded=0 deleted=0") {
		t.Errorf("a restart over an unchanged folder uploaded or deleted:\n%s", d.Logs())
	}
}

// outage is a TCP proxy to an S3 endpoint that the test takes down and
// brings back on the same address.
type outage struct {
	t      *testing.T
	target string // host:port
	addr   string // where it listens
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
	wg     sync.WaitGroup
}

func newOutage(t *testing.T, endpoint string) *outage {
	o := &outage{t: t, target: strings.TrimPrefix(endpoint, "http://"), conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o.addr = ln.Addr().String()
	o.serve(ln)
	t.Cleanup(func() { o.down(); o.wg.Wait() })
	return o
}

func (o *outage) serve(ln net.Listener) {
	o.mu.Lock()
	o.ln = ln
	o.mu.Unlock()
	o.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", o.target)
			if err != nil {
				c.Close()
				continue
			}
			o.mu.Lock()
			o.conns[c], o.conns[up] = true, true
			o.mu.Unlock()
			o.wg.Go(func() { io.Copy(up, c); up.Close() })
			o.wg.Go(func() { io.Copy(c, up); c.Close() })
		}
	})
}

// down stops listening and cuts every connection: the endpoint is gone.
func (o *outage) down() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.ln != nil {
		o.ln.Close()
		o.ln = nil
	}
	for c := range o.conns {
		c.Close()
	}
	clear(o.conns)
}

// up listens again on the same address.
func (o *outage) up() {
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		o.t.Fatal(err)
	}
	o.serve(ln)
}

// TestPublishOutage: with the endpoint gone, serve keeps serving and stays
// ready, /healthz says why the bucket is behind, and once the endpoint is
// back the bucket catches up without a new change.
func TestPublishOutage(t *testing.T) {
	t.Parallel()
	srv := bucketServer.Server(t)
	o := newOutage(t, srv.Endpoint)
	dir := t.TempDir()
	c := filepath.Join(dir, "c")
	pubSite(t, c)
	tgt := pubTarget(t)
	p := proc{dir: dir, env: bucketEnv(t, "http://"+o.addr, srv.Writer)}
	d := p.serve(t, "-content", "c", "-out", "x", "-state", "s/state.db", "-base-url", "https://news.example.test/", "-addr", "127.0.0.1:0", "-publish", tgt)
	d.waitReady()
	bs := readBucket(t, srv, tgt)
	x := filepath.Join(dir, "x")
	waitBucket(t, d, bs, x, "first publish")

	o.down()
	writeAtomic(t, filepath.Join(c, "2026-04-06-outage.txt"), "Power cut\nDate: 2026-04-06 09:00\n\nDark.\n")
	d.waitFeeds("the new article served during the outage", func(b string) bool { return strings.Contains(b, "Power cut") })
	var h pubHealth
	waitFor(t, time.Minute, "/healthz to report the publish failing", func() bool {
		var err error
		h, err = d.pubHealth()
		return err == nil && h.Outputs["publish"].Error != "" && h.Outputs["out"].Current
	})
	if !h.Ready || h.Outputs["publish"].Current {
		t.Errorf("during the outage /healthz says %+v; want ready, the bucket not current", h)
	}
	if !strings.Contains(h.Outputs["publish"].Error, "unreachable") {
		t.Errorf("the publish error does not say the endpoint is unreachable: %q", h.Outputs["publish"].Error)
	}
	o.up()
	waitBucket(t, d, bs, x, "the endpoint back")
}

// publishKeyCases are the cases of TestConfigFileKeys for the keys of
// -publish; each call gives new targets, so that runs never share one.
func publishKeyCases() []keyCase {
	env := func(t *testing.T) []string {
		srv := bucketServer.Server(t)
		return bucketEnv(t, srv.Endpoint, srv.Writer)
	}
	n := pubRuns.Add(1)
	tgt := fmt.Sprintf("s3://%s/key-publish-%d", pubBucket, n)
	// Five articles with a tag each: removing them all deletes most of
	// what was published (pages and tag feeds).
	five := map[string]string{}
	for i := range 5 {
		five[fmt.Sprintf("articles/a%d.md", i)] = fmt.Sprintf("---\ntitle: A%d\ndate: 2026-03-0%dT10:00:00Z\ntags: [t%d]\n---\nA.\n", i, i+1, i)
	}
	return []keyCase{
		{keys: []string{"publish"}, yaml: "publish: " + tgt, env: env, files: map[string]string{"articles/a.md": keyArticle("Alpha", "2026-03-01T10:00:00Z", "A.")},
			check: func(r *keyRun) error {
				if r.code != 0 || !strings.Contains(r.stderr, " objects to "+tgt+" at ") {
					return fmt.Errorf("build exit %d, no publish to %s:\n%s", r.code, tgt, r.stderr)
				}
				return sameAsOut(r.t.Context(), readBucket(r.t, bucketServer.Server(r.t), tgt), filepath.Join(r.dir, "public"), nil)
			}},
		{keys: []string{"publish_max_delete"}, yaml: "publish_max_delete: 100", env: env, files: five,
			check: func(r *keyRun) error {
				srv := bucketServer.Server(r.t)
				tgt := fmt.Sprintf("s3://%s/key-max-delete-%d", pubBucket, pubRuns.Add(1))
				p := proc{dir: r.dir, env: bucketEnv(r.t, srv.Endpoint, srv.Writer)}
				if code, _, stderr := p.run(r.t, "build", "-config", "dropfeed.yaml", "-publish", tgt); code != 0 {
					return fmt.Errorf("first publish: exit %d:\n%s", code, stderr)
				}
				for name := range five {
					if err := os.Remove(filepath.Join(r.dir, filepath.FromSlash(name))); err != nil {
						return err
					}
				}
				if code, _, stderr := p.run(r.t, "build", "-config", "dropfeed.yaml", "-publish", tgt); code != 0 {
					return fmt.Errorf("publish deleting most objects: exit %d:\n%s", code, stderr)
				}
				return sameAsOut(r.t.Context(), readBucket(r.t, srv, tgt), filepath.Join(r.dir, "public"), nil)
			}},
	}
}

// TestPublishWebSub: with a bucket, the hub is pinged about a feed only
// once the bucket holds it (the hub fetches it from there): at every ping
// after an article was dropped, the bucket's feed already has it.
func TestPublishWebSub(t *testing.T) {
	t.Parallel()
	srv := bucketServer.Server(t)
	tgt := pubTarget(t)
	bs := readBucket(t, srv, tgt)
	type ping struct {
		url      string
		hasStorm bool
	}
	var mu sync.Mutex
	var pings []ping
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ParseForm() != nil || r.PostForm.Get("hub.mode") != "publish" {
			http.Error(w, "bad publish request", http.StatusBadRequest)
			return
		}
		u := r.PostForm.Get("hub.url")
		body, _, err := bs.Get(r.Context(), strings.TrimPrefix(u, "https://news.example.test/"))
		mu.Lock()
		pings = append(pings, ping{u, err == nil && bytes.Contains(body, []byte("Storm warning"))})
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(hub.Close)
	dir := t.TempDir()
	c := filepath.Join(dir, "c")
	pubSite(t, c)
	writeAtomic(t, filepath.Join(dir, "dropfeed.yaml"), "content: c\nout: x\nstate: s/state.db\nbase_url: https://news.example.test/\naddr: 127.0.0.1:0\n"+
		"hub: "+hub.URL+"/\npublish: "+tgt+"\n")
	p := proc{dir: dir, env: bucketEnv(t, srv.Endpoint, srv.Writer)}
	d := p.serve(t, "-config", "dropfeed.yaml")
	d.waitReady()
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(pings) }
	waitFor(t, time.Minute, "the pings of the first publish", func() bool { return count() >= 3 })
	before := count()
	writeAtomic(t, filepath.Join(c, "2026-04-05-storm.md"), "---\ntitle: Storm warning\ndate: 2026-04-05T08:00:00Z\n---\nWind.\n")
	waitFor(t, time.Minute, "the pings after the new article", func() bool { return count() >= before+3 })
	mu.Lock()
	defer mu.Unlock()
	for _, p := range pings[before:] {
		if !p.hasStorm {
			t.Errorf("the hub was pinged about %s before the bucket held the new feed", p.url)
		}
	}
}

// TestPublishTwoReplicas: two serve processes, each with its own state and
// static folder, publish the same content folder to one prefix. They take
// turns through the lease and never undo each other: after a drop and a
// delete the bucket equals each replica's folder, and the two folders hold
// the same bytes.
func TestPublishTwoReplicas(t *testing.T) {
	t.Parallel()
	srv := bucketServer.Server(t)
	dir := t.TempDir()
	c := filepath.Join(dir, "c")
	pubSite(t, c)
	tgt := pubTarget(t)
	p := proc{dir: dir, env: bucketEnv(t, srv.Endpoint, srv.Writer)}
	start := func(name string) *daemonProc {
		d := p.serve(t, "-content", "c", "-out", "x"+name, "-state", "s"+name+"/state.db",
			"-base-url", "https://news.example.test/", "-addr", "127.0.0.1:0", "-publish", tgt)
		d.waitReady()
		return d
	}
	a, b := start("a"), start("b")
	bs := readBucket(t, srv, tgt)
	both := func(what string, served func(string) bool) {
		t.Helper()
		a.waitFeeds(what, served)
		b.waitFeeds(what, served)
		waitBucket(t, a, bs, filepath.Join(dir, "xa"), what+", replica a")
		waitBucket(t, b, bs, filepath.Join(dir, "xb"), what+", replica b")
		fa, err := outFiles(filepath.Join(dir, "xa"))
		if err != nil {
			t.Fatal(err)
		}
		fb, err := outFiles(filepath.Join(dir, "xb"))
		if err != nil {
			t.Fatal(err)
		}
		for name, data := range fa {
			if !bytes.Equal(fb[name], data) {
				t.Errorf("%s: %s differs between the replicas' folders", what, name)
			}
		}
		if len(fa) != len(fb) {
			t.Errorf("%s: the replicas' folders hold %d and %d files", what, len(fa), len(fb))
		}
	}
	both("first publish", func(s string) bool { return strings.Contains(s, "The fair opens") })
	writeAtomic(t, filepath.Join(c, "2026-04-05-storm.md"), "---\ntitle: Storm warning\ndate: 2026-04-05T08:00:00Z\n---\nWind.\n")
	both("article dropped", func(s string) bool { return strings.Contains(s, "Storm warning") })
	if err := os.Remove(filepath.Join(c, "2026-04-02-fair.txt")); err != nil {
		t.Fatal(err)
	}
	both("article deleted", func(s string) bool { return !strings.Contains(s, "The fair opens") })
	if _, _, err := bs.Get(t.Context(), "articles/2026-04-02-fair/index.html"); err == nil {
		t.Error("the deleted article's page is still in the bucket")
	}
}
