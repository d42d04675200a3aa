package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image/png"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

var (
	screenshotPath     = flag.String("screenshot", "", "write the browser test's screenshot of the index page to this PNG file (the README's is ../../docs/screenshot.png)")
	feedScreenshotPath = flag.String("feed-screenshot", "", "write the browser test's screenshot of the RSS feed to this PNG file (the README's is ../../docs/feed-screenshot.png)")
)

// wideArticle stresses the layout: a long unbroken URL and word, a wide
// table and a long line of code must not make a phone's page scroll sideways.
const wideArticle = `---
title: "A layout test with wide things"
date: 2026-10-01T09:00:00+02:00
summary: Long words, a wide table and code.
---

The street-cleaning schedule lives at https://example.org/a/very/long/path/that/never/breaks/anywhere/at/all/and/keeps/going/on/and/on/index.html
and the river's name is Donaudampfschifffahrtsgesellschaftskapitänswitwenrente.

| Route | Monday | Tuesday | Wednesday | Thursday | Friday | Saturday | Sunday | Holidays |
|---|---|---|---|---|---|---|---|---|
| Ferry | 06:00–21:00 | 06:00–21:00 | 06:00–21:00 | 06:00–21:00 | 06:00–21:00 | 08:00–20:00 | 08:00–20:00 | closed |

` + "```" + `
curl --silent --show-error --fail --location --output timetable.json https://example.org/api/v1/timetables/ferry?format=json
` + "```" + `
`

// TestBrowser opens the index and article pages in headless Chromium,
// driven over the DevTools protocol, and checks what a reader sees: the
// text is there, no request leaves the site, nothing scrolls sideways on a
// 375 px phone, dark mode changes the colours, no script, and the feeds are
// linked for autodiscovery and subscription. With -screenshot FILE it saves
// a picture of the index page (docs/screenshot.png in the README).
func TestBrowser(t *testing.T) {
	t.Parallel()
	chromium := needTool(t, "chromium", "chromium-browser", "google-chrome")

	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "example", "articles"), dir)
	writeAtomic(t, filepath.Join(dir, "2026-10-01-wide.md"), wideArticle)
	cfg := filepath.Join(t.TempDir(), "dropfeed.yaml")
	if err := os.WriteFile(cfg, []byte("title: Riverside Gazette\ndescription: Local news from the Riverside valley, as feeds\nlanguage: en\ntime_zone: Europe/Berlin\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := startServe(t, "-config", cfg, "-content", dir)
	d.waitReady()
	base, err := url.Parse(d.base)
	if err != nil {
		t.Fatal(err)
	}

	var chromeLog lockedBuffer
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox, // tests run as root in CI
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1024, 768),
		chromedp.CombinedOutput(&chromeLog),
	)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	// Cleanups run last-in first-out: Chromium (the allocator kills the
	// process it started) is gone before its user data folder is removed.
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
		if t.Failed() {
			t.Logf("chromium output:\n%s", chromeLog.String())
		}
	})
	// The first Run starts the browser; it must not carry a timeout (that
	// would end the browser with it), so only later steps get one.
	var mu sync.Mutex
	var requests []string
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requests = append(requests, e.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	step := func(t *testing.T, what string, a chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if _, err := chromedp.Run(sctx, a); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(t *testing.T, js string, v any) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		var err error
		switch p := v.(type) {
		case *string:
			*p, err = chromedp.Run(sctx, chromedp.Evaluate[string](js))
		case *int:
			*p, err = chromedp.Run(sctx, chromedp.Evaluate[int](js))
		case *float64:
			*p, err = chromedp.Run(sctx, chromedp.Evaluate[float64](js))
		case *[]string:
			*p, err = chromedp.Run(sctx, chromedp.Evaluate[[]string](js))
		case *[]int:
			*p, err = chromedp.Run(sctx, chromedp.Evaluate[[]int](js))
		default:
			t.Fatalf("eval into %T", v)
		}
		if err != nil {
			t.Fatalf("evaluate %s: %v", js, err)
		}
	}
	scheme := func(s string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: s}},
			})
			return err
		})
	}
	step(t, "enable the network domain", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{})
		return err
	}))

	pages := []struct {
		name, path, text string
	}{
		{"index", "", "The river ferry returns after a summer of repairs"},
		{"article", "articles/2026-11-02-ferry-returns/", "crossed the river again on Monday"},
		{"article with an image", "articles/science/2026-11-05-night-sky-survey/", "meadow"},
		{"wide article", "articles/2026-10-01-wide/", "street-cleaning schedule"},
		{"plain-text article", "articles/city/2026-11-10-bridge-closure/", "Old Stone Bridge"},
	}
	for _, pg := range pages {
		t.Run(pg.name, func(t *testing.T) {
			step(t, "phone viewport", chromedp.Steps(
				chromedp.EmulateViewport(375, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulatePortrait),
				scheme("light"),
				chromedp.Navigate(d.base+pg.path),
			))
			var text string
			eval(t, `document.querySelector("main").innerText`, &text)
			if !strings.Contains(text, pg.text) {
				t.Errorf("the page's main text lacks %q:\n%s", pg.text, text)
			}
			var widths []int
			eval(t, `[document.documentElement.scrollWidth, document.documentElement.clientWidth, window.innerWidth]`, &widths)
			if len(widths) != 3 || widths[2] != 375 || widths[0] > widths[1] {
				t.Errorf("at 375 px: scrollWidth %d > clientWidth %d (innerWidth %d): the page scrolls sideways", widths[0], widths[1], widths[2])
			}
			var scripts int
			eval(t, `document.scripts.length`, &scripts)
			if scripts != 0 {
				t.Errorf("the page has %d scripts, want none", scripts)
			}
			var fontPx float64
			eval(t, `parseFloat(getComputedStyle(document.body).fontSize)`, &fontPx)
			if fontPx < 16 {
				t.Errorf("body font size %vpx on a phone, want at least 16px", fontPx)
			}
			var links []string
			eval(t, `[...document.querySelectorAll('link[rel="alternate"]')].map(l => l.type + " " + l.href)`, &links)
			for _, want := range []string{
				"application/rss+xml " + d.base + "rss.xml",
				"application/atom+xml " + d.base + "atom.xml",
				"application/feed+json " + d.base + "feed.json",
			} {
				if !slices.Contains(links, want) {
					t.Errorf("no autodiscovery link %q in %q", want, links)
				}
			}
			var subscribe []string
			eval(t, `[...document.querySelectorAll(".feeds a")].filter(a => a.offsetWidth > 0).map(a => a.href)`, &subscribe)
			if !slices.Contains(subscribe, d.base+"rss.xml") || !slices.Contains(subscribe, d.base+"atom.xml") || !slices.Contains(subscribe, d.base+"feed.json") {
				t.Errorf("visible subscribe links = %q, want the three feeds", subscribe)
			}

			const colours = `[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color, getComputedStyle(document.querySelector("a")).color]`
			var light, dark []string
			eval(t, colours, &light)
			step(t, "dark mode", scheme("dark"))
			eval(t, colours, &dark)
			step(t, "light mode", scheme("light"))
			for i, what := range []string{"background", "text", "link"} {
				if light[i] == dark[i] {
					t.Errorf("%s colour %s is the same in light and dark mode", what, light[i])
				}
			}
			if lum(t, dark[0]) >= lum(t, light[0]) || lum(t, dark[1]) <= lum(t, dark[0]) {
				t.Errorf("dark mode is not dark text-on-light inverted: light %v, dark %v", light, dark)
			}
		})
	}

	// A feed opened in the browser reads as a page: the stylesheet its
	// xml-stylesheet instruction names is applied (not Chromium's XML tree
	// viewer, which shows documents that have none), the site's title is
	// shown large, a line says what a feed is and how to subscribe, and
	// each item shows its title and date while the rest is hidden.
	feeds := []struct {
		name, path, root, title, subtitle, self, entry, date, hidden string
	}{
		{"rss", "rss.xml", "rss", "channel > title", "channel > description", `channel > link[rel="self"]`, "channel > item", "pubDate", "description"},
		{"atom", "atom.xml", "feed", ":root > title", ":root > subtitle", `:root > link[rel="self"]`, ":root > entry", "published", "content"},
	}
	for _, fd := range feeds {
		t.Run("feed "+fd.name, func(t *testing.T) {
			step(t, "open the feed", chromedp.Steps(
				chromedp.EmulateViewport(900, 640),
				scheme("light"),
				chromedp.Navigate(d.base+fd.path),
			))
			var root string
			eval(t, `document.documentElement.localName`, &root)
			if root != fd.root {
				t.Fatalf("the document's root is <%s>, want <%s>: the browser did not open the feed as XML", root, fd.root)
			}
			var sheets []string
			eval(t, `[...document.styleSheets].map(s => s.href + " " + s.cssRules.length)`, &sheets)
			if len(sheets) != 1 || !strings.HasPrefix(sheets[0], d.base+"feed.css ") || strings.HasSuffix(sheets[0], " 0") {
				t.Errorf("style sheets = %q, want %sfeed.css with its rules", sheets, d.base)
			}
			var viewer int
			eval(t, `document.querySelectorAll("#webkit-xml-viewer-source-xml, .pretty-print").length`, &viewer)
			if viewer != 0 {
				t.Errorf("Chromium shows its XML tree viewer, not the styled feed")
			}
			// What is shown: [text, display, font size in px, font weight, height].
			shown := func(sel, pseudo string) []string {
				t.Helper()
				var out []string
				eval(t, fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return []; const s = getComputedStyle(e, %q);
					return [%q ? s.content : e.textContent.trim(), s.display, s.fontSize, s.fontWeight, String(e.getBoundingClientRect().height)] })()`, sel, pseudo, pseudo), &out)
				if len(out) != 5 {
					t.Fatalf("no element %q in the feed", sel)
				}
				return out
			}
			title := shown(fd.title, "")
			if title[0] != "Riverside Gazette" || title[1] != "block" || title[2] != "36px" || title[3] != "700" || title[4] == "0" {
				t.Errorf("the site title [text display font-size font-weight height] = %q, want Riverside Gazette shown in bold at 36px", title)
			}
			if sub := shown(fd.subtitle, ""); sub[0] != "Local news from the Riverside valley, as feeds" || sub[1] != "block" || sub[4] == "0" {
				t.Errorf("the site description = %q, want it shown", sub)
			}
			if self := shown(fd.self, "::before"); !strings.Contains(self[0], "This is a web feed") || !strings.Contains(self[0], "feed reader") || self[4] == "0" {
				t.Errorf("the subscribe line = %q, want it shown, saying what a feed is and how to subscribe", self)
			}
			var items []string
			eval(t, fmt.Sprintf(`[...document.querySelectorAll(%q)].map(e => {
				const shown = c => { const x = e.querySelector(":scope > " + c); return x && x.getBoundingClientRect().height > 0 ? x.textContent.trim() : "" };
				return shown("title") + " | " + shown(%q) + " | " + shown(%q) })`, fd.entry, fd.date, fd.hidden), &items)
			if len(items) < 5 {
				t.Fatalf("the feed shows %d items, want the example's articles", len(items))
			}
			for _, it := range items {
				parts := strings.Split(it, " | ")
				if len(parts) != 3 || parts[0] == "" || !strings.Contains(parts[1], "2026") || parts[2] != "" {
					t.Errorf("item [title | date | %s] = %q, want the title and date shown and the %s hidden", fd.hidden, it, fd.hidden)
				}
			}
			if fd.name == "rss" {
				shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
				if err != nil {
					t.Fatal(err)
				}
				if _, err := png.Decode(bytes.NewReader(shot)); err != nil {
					t.Fatalf("the screenshot is not a PNG: %v", err)
				}
				if *feedScreenshotPath != "" {
					if err := os.WriteFile(*feedScreenshotPath, shot, 0o644); err != nil {
						t.Fatal(err)
					}
					t.Logf("wrote %s (%d bytes)", *feedScreenshotPath, len(shot))
				}
			}
		})
	}

	t.Run("no request leaves the site", func(t *testing.T) {
		mu.Lock()
		defer mu.Unlock()
		if len(requests) < len(pages) {
			t.Fatalf("saw %d requests for %d pages: the network listener is not working", len(requests), len(pages))
		}
		for _, r := range requests {
			u, err := url.Parse(r)
			if err != nil || u.Scheme != base.Scheme || u.Host != base.Host {
				t.Errorf("request to %s leaves the origin %s://%s", r, base.Scheme, base.Host)
			}
		}
	})

	t.Run("screenshot", func(t *testing.T) {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if _, err := chromedp.Run(sctx, chromedp.Steps(
			chromedp.EmulateViewport(900, 640),
			scheme("light"),
			chromedp.Navigate(d.base),
		)); err != nil {
			t.Fatal(err)
		}
		shot, err := chromedp.Run(sctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(shot))
		if err != nil {
			t.Fatalf("the screenshot is not a PNG: %v", err)
		}
		if b := img.Bounds(); b.Dx() != 900 || b.Dy() != 640 {
			t.Errorf("screenshot is %dx%d, want 900x640", b.Dx(), b.Dy())
		}
		if *screenshotPath != "" {
			if err := os.WriteFile(*screenshotPath, shot, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s (%d bytes)", *screenshotPath, len(shot))
		}
	})
}

// lum returns the relative luminance of a CSS rgb() or rgba() colour.
func lum(t *testing.T, css string) float64 {
	t.Helper()
	var r, g, b float64
	inner := css[strings.IndexByte(css, '(')+1 : strings.IndexByte(css, ')')]
	if _, err := fmt.Sscanf(strings.ReplaceAll(inner, ",", " "), "%g %g %g", &r, &g, &b); err != nil {
		t.Fatalf("parse colour %q: %v", css, err)
	}
	return 0.2126*r + 0.7152*g + 0.0722*b
}
