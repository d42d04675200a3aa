package websub

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/dropfeed/dropfeed/content"
	"github.com/dropfeed/dropfeed/feed"
)

// hubFunc answers the pings inside the process: the backoff is tested in a
// synctest bubble, whose fake clock a real socket would not follow (the
// real-binary test in cmd/dropfeed pings a hub over loopback).
type hubFunc func(*http.Request) (*http.Response, error)

func (f hubFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// lockedBuffer is a bytes.Buffer safe for concurrent use.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestBackoff: a failed ping is retried after 1s, 2s, 4s... capped, given up
// after the attempts allowed or at once for a 4xx other than 429; every
// attempt is counted by result and every failure logged.
func TestBackoff(t *testing.T) {
	const feedURL = "https://news.example.test/rss.xml"
	down := errors.New("connection refused")
	cases := []struct {
		name     string
		max      time.Duration // the cap (0: the default)
		attempts int           // (0: the default)
		answers  []any         // per attempt: a status or an error; then 204
		want     []time.Duration
		// counted: ok, retry, failed
		ok, retry, failed int
	}{
		{name: "hub down: the default backoff, then given up", answers: slices.Repeat([]any{http.StatusServiceUnavailable}, 20),
			want: []time.Duration{0, 1, 3, 7, 15, 31, 63, 127, 255, 511}, retry: 9, failed: 1},
		{name: "unreachable, capped", max: 5 * time.Second, attempts: 6, answers: slices.Repeat([]any{down}, 20),
			want: []time.Duration{0, 1, 3, 7, 12, 17}, retry: 5, failed: 1},
		{name: "back after two failures", answers: []any{http.StatusBadGateway, down},
			want: []time.Duration{0, 1, 3}, ok: 1, retry: 2},
		{name: "429 is retried", answers: []any{http.StatusTooManyRequests},
			want: []time.Duration{0, 1}, ok: 1, retry: 1},
		{name: "400 is not", answers: []any{http.StatusBadRequest},
			want: []time.Duration{0}, failed: 1},
		{name: "accepted at once", want: []time.Duration{0}, ok: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var logs lockedBuffer
				var mu sync.Mutex
				var at []time.Time
				counted := map[string]int{}
				cfg := Config{
					Log:           slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
					Count:         func(r string) { counted[r]++ },
					RetryMax:      tc.max,
					RetryAttempts: tc.attempts,
					Client: &http.Client{Transport: hubFunc(func(r *http.Request) (*http.Response, error) {
						mu.Lock()
						defer mu.Unlock()
						if err := r.ParseForm(); err != nil || r.PostForm.Get("hub.mode") != "publish" || r.PostForm.Get("hub.url") != feedURL {
							t.Errorf("ping %v %v, want hub.mode=publish hub.url=%s", r.PostForm, err, feedURL)
						}
						var answer any = http.StatusNoContent
						if len(at) < len(tc.answers) {
							answer = tc.answers[len(at)]
						}
						at = append(at, time.Now())
						if err, ok := answer.(error); ok {
							return nil, err
						}
						return &http.Response{StatusCode: answer.(int), Status: fmt.Sprintf("%d %s", answer, http.StatusText(answer.(int))),
							Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
					})},
				}
				p := New(cfg)
				p.SetHub("https://hub.example.test/")
				ctx, cancel := context.WithCancel(t.Context())
				done := make(chan error)
				go func() { done <- p.Run(ctx) }()
				p.Notify([]string{feedURL})
				time.Sleep(time.Hour)
				synctest.Wait()
				cancel()
				if err := <-done; err != nil {
					t.Errorf("Run = %v", err)
				}

				var got []time.Duration
				for _, a := range at {
					got = append(got, a.Sub(at[0])/time.Second)
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("attempts at %v seconds, want %v", got, tc.want)
				}
				for result, want := range map[string]int{OK: tc.ok, Retry: tc.retry, Failed: tc.failed} {
					if counted[result] != want {
						t.Errorf("counted %d %q, want %d", counted[result], result, want)
					}
				}
				out := logs.String()
				if n := strings.Count(out, `msg="ping hub; will retry"`); n != tc.retry {
					t.Errorf("logged %d retries, want %v:\n%s", n, tc.retry, out)
				}
				if n := strings.Count(out, `level=ERROR msg="ping hub; giving up until the feed changes again"`); n != tc.failed {
					t.Errorf("logged %d pings given up, want %v:\n%s", n, tc.failed, out)
				}
			})
		})
	}
}

// TestPublish: the first bundle pings the main feeds, the next only the feeds
// whose bytes changed (a tag feed included), none without a hub, and a change
// of hub drops what waited for the old one.
func TestPublish(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var pings []string
		fail := true
		p := New(Config{
			Log: slog.New(slog.DiscardHandler),
			Client: &http.Client{Transport: hubFunc(func(r *http.Request) (*http.Response, error) {
				mu.Lock()
				defer mu.Unlock()
				_ = r.ParseForm()
				pings = append(pings, r.URL.Host+" "+r.PostForm.Get("hub.url"))
				status := http.StatusNoContent
				if fail && r.URL.Host == "old.example.test" {
					status = http.StatusServiceUnavailable
				}
				return &http.Response{StatusCode: status, Status: http.StatusText(status), Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
			})},
		})
		take := func() []string {
			time.Sleep(time.Millisecond)
			synctest.Wait()
			mu.Lock()
			defer mu.Unlock()
			out := slices.Sorted(slices.Values(pings))
			pings = nil
			return out
		}
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go func() { _ = p.Run(ctx) }()

		site := feed.Site{Title: "T", BaseURL: "https://news.example.test/", MaxItems: 20}
		date := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
		art := func(id, title string, tags ...string) *content.Article {
			return &content.Article{ID: "tag:news.example.test,2024:" + id, Slug: id, Path: id + ".md", Title: title, Published: date, Updated: date, Tags: tags, Summary: title}
		}
		b1, err := feed.Build(site, []*content.Article{art("a", "A", "go")})
		if err != nil {
			t.Fatal(err)
		}
		// No hub: nothing is pinged.
		if err := p.Publish(ctx, b1); err != nil {
			t.Fatal(err)
		}
		if got := take(); len(got) != 0 {
			t.Errorf("pinged %v without a hub", got)
		}

		p.SetHub("https://old.example.test/")
		b2, err := feed.Build(site, []*content.Article{art("a", "A", "go"), art("b", "B")})
		if err != nil {
			t.Fatal(err)
		}
		_ = p.Publish(ctx, b2)
		want := []string{"old.example.test https://news.example.test/atom.xml", "old.example.test https://news.example.test/feed.json", "old.example.test https://news.example.test/rss.xml"}
		if got := take(); !slices.Equal(got, want) {
			t.Errorf("a new article pinged\n%v\nwant\n%v", got, want)
		}
		// The old hub failed them; a new hub drops their retries.
		p.SetHub("https://new.example.test/")
		time.Sleep(time.Hour)
		if got := take(); len(got) != 0 {
			t.Errorf("after the hub changed, pinged %v", got)
		}
		b3, err := feed.Build(site, []*content.Article{art("a", "A2", "go"), art("b", "B")})
		if err != nil {
			t.Fatal(err)
		}
		_ = p.Publish(ctx, b3)
		got := take()
		if len(got) != 6 || !slices.Contains(got, "new.example.test https://news.example.test/tags/go/rss.xml") {
			t.Errorf("an edit of a tagged article pinged %v, want the 3 main and 3 tag feeds on the new hub", got)
		}
		// An unchanged bundle pings nothing.
		_ = p.Publish(ctx, b3)
		if got := take(); len(got) != 0 {
			t.Errorf("an unchanged bundle pinged %v", got)
		}
	})
}
