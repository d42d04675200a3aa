// Command latency measures dropfeed's drop-to-feed time: it writes article
// files atomically into the content folder of a running "dropfeed serve",
// one at a time, and polls a feed until the new article is in it. It prints
// the median, p95, p99 and maximum over the runs.
//
//	go run ./bench/latency -dir CONTENT -url http://127.0.0.1:8080/rss.xml -n 20
//
// With -out, the static folder serve keeps (serve -out), it also measures
// drop-to-disk: the time until the article's page and every main feed
// holding it (rss.xml, atom.xml, feed.json) are in that folder, and after
// each removal waits until they are gone from it too.
//
// Every request goes to the URL given, which must be on loopback; the
// number of polls is bounded.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "latency:", err)
		os.Exit(1)
	}
}

func run() error {
	dir := flag.String("dir", "", "content folder of the running dropfeed serve")
	feedURL := flag.String("url", "http://127.0.0.1:8080/rss.xml", "feed URL to poll (loopback only)")
	n := flag.Int("n", 20, "number of files to drop")
	timeout := flag.Duration("timeout", 10*time.Second, "give up on one file after this long")
	keep := flag.Bool("keep", false, "keep the dropped files (default: delete each after it was seen)")
	pause := flag.Duration("pause", 0, "idle time before each drop, so that every drop meets a quiet daemon")
	out := flag.String("out", "", "the static folder of the running serve -out, to measure drop-to-disk too")
	flag.Parse()
	if *dir == "" || *n < 1 {
		flag.Usage()
		os.Exit(2)
	}
	u, err := url.Parse(*feedURL)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return errors.New("the feed URL must be on loopback")
	}
	client := &poller{c: &http.Client{Timeout: 5 * time.Second}}
	var lat, disk []time.Duration
	stamp := time.Now().UnixNano()
	for i := range *n {
		title := fmt.Sprintf("Latency probe %d-%d", stamp, i)
		slug := fmt.Sprintf("zz-latency-%d-%d", stamp, i)
		name := filepath.Join(*dir, slug+".md")
		body := fmt.Sprintf("---\ntitle: %q\ndate: %s\n---\n\nProbe body.\n", title, time.Now().UTC().Add(-time.Second).Format(time.RFC3339))
		tmp := filepath.Join(*dir, fmt.Sprintf(".zz-latency-%d.tmp", i))
		if err := os.WriteFile(tmp, []byte(body), 0o644); err != nil {
			return err
		}
		time.Sleep(*pause)
		start := time.Now()
		if err := os.Rename(tmp, name); err != nil {
			return err
		}
		d, err := waitFor(client, *feedURL, title, start, *timeout)
		if err != nil {
			return fmt.Errorf("file %d: %w", i, err)
		}
		lat = append(lat, d)
		if *out != "" {
			d, err := waitDisk(*out, slug, title, true, start, *timeout)
			if err != nil {
				return fmt.Errorf("file %d: %w", i, err)
			}
			disk = append(disk, d)
		}
		if !*keep {
			if err := os.Remove(name); err != nil {
				return err
			}
			gone := time.Now()
			if _, err := waitGone(client, *feedURL, title, *timeout); err != nil {
				return fmt.Errorf("file %d: %w", i, err)
			}
			if *out != "" {
				if _, err := waitDisk(*out, slug, title, false, gone, *timeout); err != nil {
					return fmt.Errorf("file %d: %w", i, err)
				}
			}
		}
	}
	report("drop-to-feed", lat)
	if *out != "" {
		report("drop-to-disk", disk)
	}
	return nil
}

// report prints the median, p95, p99 and maximum of lat.
func report(what string, lat []time.Duration) {
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	fmt.Printf("%s over %d files: p50 %s  p95 %s  p99 %s  max %s\n", what, len(lat),
		pct(0.50).Round(100*time.Microsecond), pct(0.95).Round(100*time.Microsecond),
		pct(0.99).Round(100*time.Microsecond), lat[len(lat)-1].Round(100*time.Microsecond))
}

// diskFeeds are the main feeds in the static folder, which hold every new article.
var diskFeeds = []string{"rss.xml", "atom.xml", "feed.json"}

// waitDisk polls the static folder until the article's page exists and
// every main feed holds its title (present), or until the page is gone and
// no feed holds it; it returns the time since start.
func waitDisk(out, slug, title string, present bool, start time.Time, limit time.Duration) (time.Duration, error) {
	deadline := time.Now().Add(limit)
	page := filepath.Join(out, "articles", slug, "index.html")
	for {
		ok := true
		if _, err := os.Stat(page); (err == nil) != present {
			ok = false
		}
		for _, f := range diskFeeds {
			if !ok {
				break
			}
			b, err := os.ReadFile(filepath.Join(out, f))
			ok = err == nil && strings.Contains(string(b), title) == present
		}
		if ok {
			return time.Since(start), nil
		}
		if time.Now().After(deadline) {
			if present {
				return 0, fmt.Errorf("%q: page and feeds not in %s after %s", title, out, limit)
			}
			return 0, fmt.Errorf("%q: still in %s after %s", title, out, limit)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitFor polls until the feed contains s; it returns the time since start.
func waitFor(c *poller, u, s string, start time.Time, limit time.Duration) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	for {
		body, err := c.fetch(ctx, u)
		if err == nil && strings.Contains(body, s) {
			return time.Since(start), nil
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("%q not in %s after %s", s, u, limit)
		case <-time.After(time.Millisecond):
		}
	}
}

func waitGone(c *poller, u, s string, limit time.Duration) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	start := time.Now()
	for {
		body, err := c.fetch(ctx, u)
		if err == nil && !strings.Contains(body, s) {
			return time.Since(start), nil
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("%q still in %s after %s", s, u, limit)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// poller fetches one URL with conditional requests: an unchanged feed costs
// a 304 and no body, so polling every millisecond takes little of the CPU
// the server under test needs.
type poller struct {
	c          *http.Client
	etag, body string
}

func (p *poller) fetch(ctx context.Context, u string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	if p.etag != "" {
		req.Header.Set("If-None-Match", p.etag)
	}
	resp, err := p.c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		return p.body, nil
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: %s", u, resp.Status)
	}
	p.etag, p.body = resp.Header.Get("ETag"), string(b)
	return p.body, nil
}
