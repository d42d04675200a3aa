package dropfeed_test

// This test is a statement of policy: which package may import what. Data
// flows one way (files -> content -> feed -> outputs; watch only says what
// changed), and each third-party library has one home. Extend the table
// deliberately, in the same commit as the import that needs it.

import (
	"go/build"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/dropfeed/dropfeed"

// allowed maps a package (relative to the module; a trailing "/..." covers its
// sub-packages) to the non-standard-library import paths it may use (a
// trailing "/..." covers a module's packages). Standard library imports are
// always allowed. Where several entries cover a package, the most specific
// one (the longest) is its rule.
var allowed = map[string][]string{
	"content/...": {
		"github.com/yuin/goldmark/...", // Markdown
		"go.yaml.in/yaml/v3",           // front matter
		"golang.org/x/text/...",        // encodings, normalization
		"golang.org/x/sys/unix",        // openat2 beneath the content folder (RootFS)
		"golang.org/x/net/html/...",    // Lint: img elements in raw HTML, which goldmark leaves as text
	},
	// The state store: the only user of bbolt.
	"content/state": {module + "/content", "go.etcd.io/bbolt/..."},
	// The owner of the article set, over the folder, the index and the state.
	"content/catalog": {module + "/content", module + "/content/state"},
	"content/diag":    {module + "/content", "golang.org/x/term"}, // is stderr a terminal (the progress bar)
	"feed/...": {
		module + "/content",
		"github.com/gorilla/feeds", // the feed types; only here
		"golang.org/x/net/html/...",
		"github.com/klauspost/compress/gzip", // the gzip copies: 2.5 times compress/gzip's speed
	},
	// WebSub pings of the feeds a bundle changed.
	"feed/websub": {module + "/content", module + "/feed"},
	// The HTTP servers and /metrics: the only home of the Prometheus client.
	"feed/httpd": {
		module + "/feed/...",
		"golang.org/x/sync/errgroup",
		"github.com/prometheus/client_golang/...", // only here
	},
	// Publishing to S3-compatible object storage: the only home of the S3
	// client, kept out of feed itself so that feed stays free of it.
	"feed/bucket/...": {
		"github.com/minio/minio-go/v7/...", // only here
	},
	// The static output kept in a bucket: a feed.Store over package bucket.
	"feed/s3pub": {module + "/content", module + "/feed", module + "/feed/bucket"},
	"watch/...": {
		"github.com/fsnotify/fsnotify", // only here
		"golang.org/x/sys/...",
	},
	// Wiring only: the articles come through the catalog (never the state
	// store or bbolt directly), diagnostics through diag.
	"cmd/dropfeed": {
		module + "/content",
		module + "/content/catalog",
		module + "/content/diag",
		module + "/feed/...",
		module + "/watch/...",
		"golang.org/x/sync/...",
		"go.yaml.in/yaml/v3", // the config file
		"golang.org/x/term",  // is stderr a terminal (the progress bar)
	},
	"cmd/gencorpus": {module + "/bench/corpus"},
	"bench/...":     {module + "/bench/..."},
}

// testOnly lists what tests may import beyond their package's allowance.
var testOnly = []string{
	"github.com/mmcdole/gofeed/...",
	"golang.org/x/tools/txtar",
	"github.com/prometheus/common/...", // the /metrics test parses with Prometheus' own expfmt
	"github.com/prometheus/client_model/...",
	"github.com/chromedp/...", // the browser test drives headless Chromium
	module + "/content/...",
	module + "/feed/...",
	module + "/watch/...",
	module + "/bench/...",
}

func TestImportRules(t *testing.T) {
	seen := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata") {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(path, build.ImportComment)
		if err != nil {
			if _, ok := err.(*build.NoGoError); ok {
				return nil
			}
			t.Errorf("read package %s: %v", path, err)
			return nil
		}
		rel := filepath.ToSlash(path)
		if rel == "." {
			return nil // this test's own package
		}
		seen++
		rules, ok := rulesFor(rel)
		if !ok {
			t.Errorf("package %s has no import rules: add it to allowed in deps_test.go", rel)
			return nil
		}
		check := func(imports []string, extra []string, kind string) {
			for _, imp := range imports {
				if isStd(imp) {
					continue
				}
				if strings.HasPrefix(imp, module+"/cmd") {
					t.Errorf("%s %s imports %s: nothing may import cmd/...", rel, kind, imp)
					continue
				}
				if !matchAny(imp, rules) && !matchAny(imp, extra) {
					t.Errorf("%s %s imports %s, which deps_test.go does not allow", rel, kind, imp)
				}
			}
		}
		check(pkg.Imports, nil, "")
		check(pkg.TestImports, testOnly, "test")
		check(pkg.XTestImports, testOnly, "test")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 4 {
		t.Fatalf("checked %d packages; the walk found too few (want content, feed, watch, cmd/dropfeed)", seen)
	}
}

// rulesFor returns the rules of the most specific pattern that matches pkg
// (the longest), so that a sub-package can have rules of its own.
func rulesFor(pkg string) ([]string, bool) {
	best, found := "", false
	for pattern := range allowed {
		if match(pkg, pattern) && (!found || len(pattern) > len(best)) {
			best, found = pattern, true
		}
	}
	return allowed[best], found
}

func matchAny(imp string, patterns []string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return match(imp, p) })
}

func match(s, pattern string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return s == base || strings.HasPrefix(s, base+"/")
	}
	return s == pattern
}

// isStd reports whether an import path belongs to the standard library: its
// first element has no dot.
func isStd(imp string) bool {
	first, _, _ := strings.Cut(imp, "/")
	return !strings.Contains(first, ".") && imp != "C"
}
