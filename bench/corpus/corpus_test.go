package corpus

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Options)
		ok   bool
	}{
		{"default", func(*Options) {}, true},
		{"zero value", func(o *Options) { *o = Options{} }, true},
		{"text", func(o *Options) { o.Format = "text" }, true},
		{"md", func(o *Options) { o.Format = "md" }, true},
		{"empty format", func(o *Options) { o.Format = "" }, true},
		{"md share 1", func(o *Options) { o.MDShare = 1 }, true},
		{"negative N", func(o *Options) { o.N = -1 }, false},
		{"unknown format", func(o *Options) { o.Format = "xml" }, false},
		{"format in capitals", func(o *Options) { o.Format = "MD" }, false},
		{"md share above 1", func(o *Options) { o.MDShare = 1.5 }, false},
		{"negative md share", func(o *Options) { o.MDShare = -0.1 }, false},
		{"NaN md share", func(o *Options) { o.MDShare = math.NaN() }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultOptions()
			tc.edit(&o)
			err := o.Validate()
			if (err == nil) != tc.ok {
				t.Fatalf("Validate() = %v, want ok %v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidOptions) {
				t.Errorf("Validate() = %v, want it to wrap ErrInvalidOptions", err)
			}
		})
	}
}

// variants are the option sets the property tests run over.
func variants() []struct {
	name string
	opt  Options
} {
	with := func(edit func(*Options)) Options {
		o := DefaultOptions()
		edit(&o)
		return o
	}
	return []struct {
		name string
		opt  Options
	}{
		{"default", DefaultOptions()},
		{"text", with(func(o *Options) { o.Format = "text" })},
		{"md", with(func(o *Options) { o.Format = "md" })},
		{"md share 0.2", with(func(o *Options) { o.MDShare = 0.2 })},
		{"no quirks", with(func(o *Options) { o.Quirks = false })},
		{"seed 42, other now", with(func(o *Options) {
			o.Seed = 42
			o.Now = time.Date(2024, 2, 29, 13, 14, 15, 0, time.FixedZone("", -7*3600))
		})},
	}
}

func TestGenerateDeterministic(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			big := v.opt
			big.N = 1 << 30 // N must not matter
			for i := range 150 {
				a, b, c := Generate(i, v.opt), Generate(i, v.opt), Generate(i, big)
				if !sameFile(a, b) || !sameFile(a, c) {
					t.Fatalf("Generate(%d) differs between calls: %s, %s, %s", i, a.Path, b.Path, c.Path)
				}
			}
		})
	}
	t.Run("zero values mean the defaults", func(t *testing.T) {
		zero := Options{Seed: 1, Quirks: true}
		for i := range 50 {
			if a, b := Generate(i, zero), Generate(i, DefaultOptions()); !sameFile(a, b) {
				t.Fatalf("Generate(%d, zero options) = %s, want %s", i, a.Path, b.Path)
			}
		}
	})
	t.Run("seed matters", func(t *testing.T) {
		o := DefaultOptions()
		o.Seed = 2
		same := 0
		for i := range 100 {
			if bytes.Equal(Generate(i, o).Data, Generate(i, DefaultOptions()).Data) {
				same++
			}
		}
		if same > 0 {
			t.Errorf("%d of 100 articles are the same for seeds 1 and 2, want 0", same)
		}
	})
}

func sameFile(a, b File) bool {
	return a.Path == b.Path && bytes.Equal(a.Data, b.Data) && a.ModTime.Equal(b.ModTime) &&
		a.Draft == b.Draft && a.Future == b.Future
}

// TestStable pins the corpus: benchmarks are only comparable over time if
// the corpus does not drift. If a change to the generator is intended,
// replace want with the new sum.
func TestStable(t *testing.T) {
	const want = "0ccc7e6db0ad5801879d9d971c301abc10c9ead38ab96b26d79c070a8d0b9dcf"
	h := sha256.New()
	for i := range 500 {
		f := Generate(i, DefaultOptions())
		h.Write([]byte(f.Path))
		h.Write([]byte(f.ModTime.UTC().Format(time.RFC3339Nano)))
		h.Write([]byte(strconv.FormatBool(f.Draft) + strconv.FormatBool(f.Future)))
		h.Write(f.Data)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		t.Errorf("sha256 of the first 500 default articles = %s, want %s", got, want)
	}
}

var emojiRE = regexp.MustCompile(`[\x{1F300}-\x{1FAFF}\x{2600}-\x{27BF}]`)

var pathRE = regexp.MustCompile(`^(?:(\d{4})/(\d{2})/|(world|business|tech|culture|sport)/(\d{4})/)?(\d{6})-([a-z0-9]+(?:-[a-z0-9]+)*)\.(txt|md)$`)

// TestShape checks every file of several corpora against the documented
// formats, and the mix of the corpus as a whole.
func TestShape(t *testing.T) {
	const n = 2000
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			opt := v.opt.normalized()
			var sizes []int
			md, quirky := 0, 0
			for i := range n {
				f := Generate(i, v.opt)
				a := parse(t, f, opt.Now)
				if a.md {
					md++
				}
				if a.crlf || a.bom || !a.finalNL || a.adjacentSource {
					quirky++
				}
				sizes = append(sizes, len(f.Data))
				m := pathRE.FindStringSubmatch(f.Path)
				if m == nil {
					t.Errorf("Generate(%d).Path = %q, want NNNNNN-slug.ext, optionally under YYYY/MM/ or SECTION/YYYY/", i, f.Path)
					continue
				}
				if m[5] != fmtIndex(i) {
					t.Errorf("Generate(%d).Path = %q, want the index %s in the name", i, f.Path, fmtIndex(i))
				}
				if want := string(appendSlug(nil, a.title, "xx")); !strings.HasPrefix(want, "article-") && m[6] != want {
					t.Errorf("Generate(%d).Path = %q, want slug %q of title %q", i, f.Path, want, a.title)
				}
				if (m[7] == "md") != a.md {
					t.Errorf("Generate(%d).Path = %q, but the content is of the other format", i, f.Path)
				}
				if len(f.Data) < MinSize || len(f.Data) > MaxSize {
					t.Errorf("len(Generate(%d).Data) = %d, want %d to %d", i, len(f.Data), MinSize, MaxSize)
				}
			}

			share := float64(md) / n
			lo, hi := 0.45, 0.55
			switch {
			case opt.Format == "text":
				lo, hi = 0, 0
			case opt.Format == "md":
				lo, hi = 1, 1
			case opt.MDShare == 0.2:
				lo, hi = 0.17, 0.23
			}
			if share < lo || share > hi {
				t.Errorf("Markdown share = %.3f, want %.2f to %.2f", share, lo, hi)
			}
			if !opt.Quirks && quirky > 0 {
				t.Errorf("%d files with quirks, want none with Quirks false", quirky)
			}
			if opt.Quirks && (quirky < n/50 || quirky > n/2) {
				t.Errorf("%d files with quirks of %d, want some but not most", quirky, n)
			}

			// Log-uniform from 2.1 to 8 KB, cut at block ends: median near 4 KB.
			slices.Sort(sizes)
			if med := sizes[n/2]; med < 3500 || med > 4800 {
				t.Errorf("median size = %d, want 3500 to 4800", med)
			}
			below := float64(sort3000(sizes)) / n // log-uniform: 0.27
			if below < 0.18 || below > 0.38 {
				t.Errorf("share of sizes under 3000 = %.2f, want 0.18 to 0.38", below)
			}
		})
	}
}

func sort3000(sorted []int) int {
	k, _ := slices.BinarySearch(sorted, 3000)
	return k
}

func fmtIndex(i int) string { return string(appendInt(nil, i, 6)) }

// TestFeatures checks that the default corpus has what dropfeed's tests
// need, and that the features that are "a few" stay few.
func TestFeatures(t *testing.T) {
	const n = 3000
	opt := DefaultOptions()
	var arts []parsed
	var files []File
	for i := range n {
		f := Generate(i, opt)
		files = append(files, f)
		a := parse(t, f, opt.Now)
		a.scripts = scriptsOf(a.text)
		arts = append(arts, a)
	}
	// Plain string tests where they will do: multi-line regular expressions
	// are slow under the race detector.
	has := func(s string) func(parsed) bool {
		return func(a parsed) bool { return strings.Contains(a.text, s) }
	}
	hasRE := func(re string) func(parsed) bool { // re should start with a literal
		r := regexp.MustCompile(re)
		return func(a parsed) bool { return r.MatchString(a.text) }
	}
	md := func(p func(parsed) bool) func(parsed) bool { return func(a parsed) bool { return a.md && p(a) } }
	txt := func(p func(parsed) bool) func(parsed) bool { return func(a parsed) bool { return !a.md && p(a) } }
	line := func(prefixes ...string) func(parsed) bool { // a Markdown body line starting with one of prefixes
		return func(a parsed) bool {
			return a.md && slices.ContainsFunc(prefixes, func(p string) bool { return strings.Contains(a.body, "\n"+p) })
		}
	}
	offset := func(sec int) func(parsed) bool {
		return func(a parsed) bool { _, off := a.date.Zone(); return a.md && off == sec }
	}
	script := func(s *unicode.RangeTable) func(parsed) bool {
		return func(a parsed) bool { return a.scripts[s] }
	}
	codeWith := func(a parsed) bool { // a fenced block containing < & or "
		for rest := a.body; ; {
			_, after, ok := strings.Cut(rest, "```")
			if !ok {
				return false
			}
			code, after, ok := strings.Cut(after, "```")
			if ok && strings.ContainsAny(code, `<&"`) {
				return true
			}
			rest = after
		}
	}
	italicHeading := func(a parsed) bool {
		for l := range strings.Lines(a.body) {
			if strings.HasPrefix(l, "#") && strings.Contains(l, "<i>") {
				return true
			}
		}
		return false
	}
	datelineRE := regexp.MustCompile(`^[\p{Lu} .-]+, [A-Z][a-z]+\.? \d+ \([^)]+\) (—|--) `)
	dateline := func(a parsed) bool {
		for l := range strings.Lines(a.text) {
			if (strings.Contains(l, ") — ") || strings.Contains(l, ") -- ")) && datelineRE.MatchString(l) {
				return true
			}
		}
		return false
	}
	headerKey := func(k string) func(parsed) bool {
		return func(a parsed) bool {
			return slices.ContainsFunc(a.header, func(h string) bool { return strings.EqualFold(h, k) })
		}
	}
	tests := []struct {
		name     string
		match    func(parsed) bool
		min, max int
	}{
		{"markdown draft", func(a parsed) bool { return a.md && a.draft }, 20, 80},
		{"text draft", func(a parsed) bool { return !a.md && a.draft }, 1, 20},
		{"future markdown", func(a parsed) bool { return a.md && a.future }, 5, 40},
		{"future text", func(a parsed) bool { return !a.md && a.future }, 1, 20},
		{"relative link", md(hasRE(`\]\((?:\.\./|\./|/|notes/)[^)]*\)`)), 40, 120},
		{"relative image", md(hasRE(`!\[[^\]]*\]\((?:img/|\.\./|\./|figures/)`)), 30, 120},
		{"relative front matter image", func(a parsed) bool {
			return a.md && a.meta["image"] != "" && !strings.HasPrefix(a.meta["image"], "https://")
		}, 10, 60},
		{"no author and no summary", func(a parsed) bool { return a.md && !a.hasMeta("author") && !a.hasMeta("summary") }, 15, 80},
		{"no image", func(a parsed) bool { return a.md && !a.hasMeta("image") }, 100, 400},
		{"fractional seconds", func(a parsed) bool { return a.md && a.date.Nanosecond() != 0 }, 40, 150},
		{"offset +05:45", offset(5*3600 + 45*60), 20, 200},
		{"offset -09:30", offset(-9*3600 - 30*60), 20, 200},
		{"offset +12:45", offset(12*3600 + 45*60), 20, 200},
		{"offset Z", md(hasRE(`\ndate: \S+Z\n`)), 100, 400},
		{"flow tags", func(a parsed) bool { return a.md && a.flowTags }, 300, 700},
		{"block tags", func(a parsed) bool { return a.md && len(a.tags) > 0 && !a.flowTags }, 700, 1300},
		{"tag with &", func(a parsed) bool {
			return slices.ContainsFunc(a.tags, func(s string) bool { return strings.Contains(s, "&") })
		}, 20, n},
		{"quoted front matter", md(hasRE(`\ntitle: ['"]`)), 300, 1500},
		{"fenced code", line("```", "~~~"), 150, 600},
		{"code with < & \"", md(codeWith), 150, 600},
		{"blockquote", line("> "), 100, 400},
		{"list", line("- ", "* ", "+ ", "1. "), 400, 800},
		{"ordered list", line("1. "), 100, 300},
		{"heading", line("## ", "### "), 1000, n},
		{"raw <i> in heading", md(italicHeading), 100, 700},
		{"emphasis", md(hasRE(`\*\*[^*\n]+\*\*`)), 300, n},
		{"link with & or #", md(hasRE(`\]\(https://[^)\s]*[&#]`)), 300, n},
		{"absolute image", md(hasRE(`!\[[^\]]*\]\(https://`)), 50, 300},
		{"ZWJ emoji", has("\u200d"), 50, n},
		{"flag emoji", has("\U0001F1EA\U0001F1FA"), 10, n}, // 🇪🇺
		{"emoji in title", func(a parsed) bool { return emojiRE.MatchString(a.title) }, 20, 200},
		{"title with &", func(a parsed) bool { return strings.Contains(a.title, "&") }, 100, n},
		{"title with <", func(a parsed) bool { return strings.Contains(a.title, "<") }, 20, n},
		{"title with >", func(a parsed) bool { return strings.Contains(a.title, ">") }, 20, n},
		{"title with \"", func(a parsed) bool { return strings.Contains(a.title, `"`) }, 20, n},
		{"title with '", func(a parsed) bool { return strings.ContainsAny(a.title, "'’") }, 50, n},
		{"text header", func(a parsed) bool { return len(a.header) > 0 }, 60, 160},
		{"text header with lower or upper case keys", func(a parsed) bool {
			return slices.ContainsFunc(a.header, func(k string) bool { return k != strings.ToUpper(k[:1])+strings.ToLower(k[1:]) && k != "ID" })
		}, 5, 60},
		{"text header Updated", headerKey("updated"), 3, 40},
		{"caption", txt(has("(Photo/")), 450, 750},
		{"caption with photographer", txt(hasRE(`\(Photo/[^/)]+/[^)]+\)`)), 50, 200},
		{"dateline", txt(dateline), 300, 800},
		{"two blank lines before Source", txt(hasRE(`\n\n\nSource: `)), 450, 750},
		{"curly apostrophe", txt(has("’")), 400, 1000},
		{"Source right after paragraph", func(a parsed) bool { return a.adjacentSource }, 15, 100},
		{"no final newline", func(a parsed) bool { return !a.finalNL }, 350, 600},
		{"CRLF text", func(a parsed) bool { return !a.md && a.crlf }, 15, 60},
		{"CRLF markdown", func(a parsed) bool { return a.md && a.crlf }, 5, 35},
		{"BOM", func(a parsed) bool { return a.bom }, 10, 40},
		{"Cyrillic", script(unicode.Cyrillic), 100, n},
		{"Han", script(unicode.Han), 100, n},
		{"Kana", script(unicode.Hiragana), 50, n},
		{"Arabic", script(unicode.Arabic), 50, n},
		{"Hebrew", script(unicode.Hebrew), 50, n},
		{"Greek", script(unicode.Greek), 50, n},
		{"Georgian", script(unicode.Georgian), 50, n},
		{"Devanagari", script(unicode.Devanagari), 50, n},
		{"Hangul", script(unicode.Hangul), 50, n},
		{"French", has("« "), 50, 300},
		{"German", has("„"), 30, 300},
		{"Spanish", has("¿"), 20, 300},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := 0
			for _, a := range arts {
				if tc.match(a) {
					got++
				}
			}
			if got < tc.min || got > tc.max {
				t.Errorf("%d of %d articles, want %d to %d", got, n, tc.min, tc.max)
			}
			t.Logf("%d of %d", got, n)
		})
	}

	t.Run("placement", func(t *testing.T) {
		count := map[string]int{}
		for _, f := range files {
			switch m := pathRE.FindStringSubmatch(f.Path); {
			case m == nil:
			case m[1] != "":
				count["YYYY/MM"]++
			case m[3] != "":
				count["SECTION/YYYY"]++
			default:
				count["top"]++
			}
		}
		for k, want := range map[string]float64{"YYYY/MM": 0.55, "SECTION/YYYY": 0.15, "top": 0.30} {
			if got := float64(count[k]) / n; math.Abs(got-want) > 0.04 {
				t.Errorf("share in %s = %.3f, want %.2f", k, got, want)
			}
		}
	})
	t.Run("slug without Latin letters", func(t *testing.T) {
		for _, code := range []string{"ru", "zh", "ja", "ar"} {
			if !slices.ContainsFunc(files, func(f File) bool { return strings.Contains(f.Path, "-article-"+code+".") }) {
				t.Errorf("no file named NNNNNN-article-%s", code)
			}
		}
	})
	t.Run("mtime lag", func(t *testing.T) {
		// Dated, not future: most files are written within minutes.
		quick, dated := 0, 0
		for _, a := range arts {
			if !a.date.IsZero() && !a.future {
				dated++
				if a.mtime.Sub(a.date) < 16*time.Minute {
					quick++
				}
			}
		}
		if share := float64(quick) / float64(dated); share < 0.55 || share > 0.8 {
			t.Errorf("share written within 16 minutes of the date = %.2f, want 0.55 to 0.8", share)
		}
	})
}

// parsed is an article read back by an independent reader of the
// documented formats.
type parsed struct {
	md, bom, crlf, finalNL, adjacentSource bool
	text                                   string // without BOM, with '\n' line ends
	body                                   string // Markdown after the front matter
	title                                  string
	meta                                   map[string]string // Markdown front matter scalars
	tags                                   []string
	flowTags                               bool
	header                                 []string // plain-text header keys as written
	date                                   time.Time
	mtime                                  time.Time
	draft, future                          bool
	scripts                                map[*unicode.RangeTable]bool // see scriptsOf
}

// scriptsOf reports which of a few scripts s has a letter of.
func scriptsOf(s string) map[*unicode.RangeTable]bool {
	m := map[*unicode.RangeTable]bool{}
	for _, r := range s {
		if r < 0x370 {
			continue
		}
		for _, t := range []*unicode.RangeTable{unicode.Cyrillic, unicode.Han, unicode.Hiragana, unicode.Arabic,
			unicode.Hebrew, unicode.Greek, unicode.Georgian, unicode.Devanagari, unicode.Hangul} {
			if unicode.Is(t, r) {
				m[t] = true
			}
		}
	}
	return m
}

func (a parsed) hasMeta(k string) bool { _, ok := a.meta[k]; return ok }

// parse reads f back, reporting any departure from the documented format,
// and checks f's flags and times against what the file says.
func parse(t *testing.T, f File, now time.Time) parsed {
	t.Helper()
	errorf := func(format string, args ...any) {
		t.Helper()
		t.Errorf("%s: "+format, append([]any{f.Path}, args...)...)
	}
	a := parsed{md: strings.HasSuffix(f.Path, ".md"), mtime: f.ModTime}
	data := f.Data
	if a.bom = bytes.HasPrefix(data, []byte("\uFEFF")); a.bom {
		data = data[3:]
	}
	if !utf8.Valid(data) {
		errorf("not valid UTF-8")
	}
	if bytes.ContainsRune(data, '\uFEFF') {
		errorf("byte order mark after the start")
	}
	a.crlf = bytes.Contains(data, []byte("\r\n"))
	s := string(data)
	if a.crlf {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		if strings.Count(string(data), "\n") != strings.Count(string(data), "\r\n") {
			errorf("mixed line ends")
		}
	}
	if strings.ContainsRune(s, '\r') {
		errorf("lone CR")
	}
	a.text = s
	a.finalNL = strings.HasSuffix(s, "\n")
	if a.md {
		parseMarkdown(&a, s, errorf)
	} else {
		parseText(&a, s, errorf)
	}

	if a.draft != f.Draft {
		errorf("Draft = %v, but the file says %v", f.Draft, a.draft)
	}
	a.future = !a.date.IsZero() && a.date.After(now)
	if a.future != f.Future {
		errorf("Future = %v, but the date is %v (now %v)", f.Future, a.date, now)
	}
	if f.ModTime.After(now) {
		errorf("ModTime %v is after now %v", f.ModTime, now)
	}
	if f.ModTime.Nanosecond() != 0 {
		errorf("ModTime %v is not in whole seconds", f.ModTime)
	}
	if f.ModTime.Before(now.AddDate(-2, 0, -50)) {
		errorf("ModTime %v is more than two years before now %v", f.ModTime, now)
	}
	if !a.date.IsZero() && !a.future && f.ModTime.Before(a.date) {
		errorf("ModTime %v is before the date %v", f.ModTime, a.date)
	}
	return a
}

var headerRE = regexp.MustCompile(`^(?i)(date|updated|author|tags|id|summary|image|link|draft): \S`)

func parseText(a *parsed, s string, errorf func(string, ...any)) {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	a.title = lines[0]
	if a.title == "" || strings.TrimSpace(a.title) != a.title {
		errorf("title line %q", a.title)
	}
	k := 1
	for ; k < len(lines) && lines[k] != ""; k++ {
		if !headerRE.MatchString(lines[k]) {
			errorf("line %d: %q is not a header line", k+1, lines[k])
			continue
		}
		key, val, _ := strings.Cut(lines[k], ": ")
		a.header = append(a.header, key)
		switch strings.ToLower(key) {
		case "date":
			d, err := time.Parse(time.RFC3339, val)
			if err != nil {
				errorf("line %d: %v", k+1, err)
			}
			a.date = d
		case "draft":
			a.draft = val == "true"
		}
	}
	body := lines[k:]
	if len(body) < 4 || body[0] != "" {
		errorf("no blank line and body after the title")
		return
	}
	content := body[1:]
	last := content[len(content)-1]
	if !strings.HasPrefix(last, "Source: ") || len(last) <= len("Source: ") {
		errorf("last line %q, want Source: AGENCY", last)
	}
	gap := 0
	for j := len(content) - 2; j >= 0 && content[j] == ""; j-- {
		gap++
	}
	if gap > 2 {
		errorf("%d blank lines before Source, want at most 2", gap)
	}
	a.adjacentSource = gap == 0
	for j, l := range content[:len(content)-1-gap] {
		if (l == "") != (j%2 == 1) {
			errorf("paragraphs are not separated by one blank line at %q", l)
			break
		}
		if strings.Contains(l, "(Photo/") && !strings.HasSuffix(l, ")") {
			errorf("caption %q does not end with )", l)
		}
	}
}

func parseMarkdown(a *parsed, s string, errorf func(string, ...any)) {
	rest, ok := strings.CutPrefix(s, "---\n")
	fm, body, ok2 := strings.Cut(rest, "\n---\n\n")
	a.body = body
	if !ok || !ok2 {
		errorf("no front matter between --- lines")
		return
	}
	if body == "" || strings.HasPrefix(body, "\n") {
		errorf("empty body or extra blank line")
	}
	a.meta = map[string]string{}
	inTags := false
	for n, l := range strings.Split(fm, "\n") {
		if item, ok := strings.CutPrefix(strings.TrimLeft(l, " "), "- "); ok && inTags {
			a.tags = append(a.tags, yamlScalar(item, false, errorf))
			continue
		}
		inTags = false
		key, val, ok := strings.Cut(l, ":")
		if !ok {
			errorf("front matter line %d: %q", n+2, l)
			continue
		}
		val = strings.TrimPrefix(val, " ")
		switch key {
		case "title", "author", "summary", "image":
			a.meta[key] = yamlScalar(val, false, errorf)
		case "date":
			d, err := time.Parse(time.RFC3339Nano, val)
			if err != nil {
				errorf("front matter date: %v", err)
			}
			a.date = d
		case "draft":
			if val != "true" {
				errorf("draft: %q", val)
			}
			a.draft = true
		case "tags":
			if val == "" {
				inTags = true
				break
			}
			inner, ok := strings.CutPrefix(val, "[")
			inner, ok2 := strings.CutSuffix(inner, "]")
			if !ok || !ok2 {
				errorf("tags: %q", val)
			}
			a.flowTags = true
			for t := range strings.SplitSeq(inner, ", ") {
				a.tags = append(a.tags, yamlScalar(t, true, errorf))
			}
		default:
			errorf("unknown front matter key %q", key)
		}
	}
	a.title = a.meta["title"]
	if a.title == "" || a.date.IsZero() || len(a.tags) == 0 || len(a.tags) > 5 {
		errorf("front matter lacks title, date or tags: %q", fm)
	}
	if len(slices.Compact(slices.Sorted(slices.Values(a.tags)))) != len(a.tags) {
		errorf("duplicate tags %q", a.tags)
	}
}

// yamlScalar decodes the YAML scalars the generator writes, checking that a
// plain one cannot be read as something else.
func yamlScalar(s string, flow bool, errorf func(string, ...any)) string {
	switch {
	case strings.HasPrefix(s, "'"):
		inner, ok := strings.CutSuffix(s[1:], "'")
		if !ok || strings.Contains(strings.ReplaceAll(inner, "''", ""), "'") {
			errorf("bad single-quoted scalar %s", s)
		}
		return strings.ReplaceAll(inner, "''", "'")
	case strings.HasPrefix(s, `"`):
		u, err := strconv.Unquote(s)
		if err != nil {
			errorf("bad double-quoted scalar %s: %v", s, err)
		}
		return u
	}
	bad := s == "" || strings.ContainsAny(s[:1], "-?:,[]{}#&*!|>'\"%@`") ||
		strings.Contains(s, ": ") || strings.Contains(s, " #") || strings.HasSuffix(s, ":") ||
		flow && strings.ContainsAny(s, ",[]{}")
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		bad = true
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "~":
		bad = true
	}
	if bad {
		errorf("plain scalar %q is ambiguous", s)
	}
	return s
}

func TestSlug(t *testing.T) {
	tests := []struct{ title, want string }{
		{"Q&A: How the tram deal affects renters", "q-a-how-the-tram-deal"},
		{"Growth < 3.2%? Analysts question Calder & Finch's outlook", "growth-3-2-analysts-question-calder"},
		{"Zürich & Łódź sign a deal", "zurich-lodz-sign-a-deal"},
		{"Straße, Ærø and Þórshöfn", "strasse-aero-and-thorshofn"},
		{"O'Sullivan says “no”", "osullivan-says-no"},
		{"仙台で物価高への懸念広がる", "article-ja"},
		{"Кабмин одобрил проект бюджета", "article-ja"},
		{"Østmark Fiber、新計画を発表", "ostmark-fiber"},
		{"A", "article-ja"},
		{"supercalifragilisticexpialidocious-antidisestablishmentarianism floccinaucinihilipilification", "supercalifragilisticexpialidocious-antidisestablishmentarianism"},
	}
	for _, tc := range tests {
		t.Run(tc.title, func(t *testing.T) {
			if got := string(appendSlug(nil, tc.title, "ja")); got != tc.want {
				t.Errorf("appendSlug(%q) = %q, want %q", tc.title, got, tc.want)
			}
		})
	}
}

// readTree returns every file under dir with its content and mtime.
func readTree(t *testing.T, dir string) map[string]File {
	t.Helper()
	files := map[string]File{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = File{Path: filepath.ToSlash(rel), Data: data, ModTime: info.ModTime()}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestWrite(t *testing.T) {
	opt := DefaultOptions()
	opt.N = 300
	var want Stats
	wantFiles := map[string]File{}
	for i := range opt.N {
		f := Generate(i, opt)
		want.add(f)
		wantFiles[f.Path] = f
	}
	if want.Drafts == 0 || want.Future == 0 {
		t.Fatalf("the first %d articles have %d drafts and %d future ones; the test needs some of each", opt.N, want.Drafts, want.Future)
	}

	for _, workers := range []int{1, 3, 0} {
		t.Run("workers "+strconv.Itoa(workers), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "corpus", "new")
			got, err := Write(t.Context(), dir, opt, workers)
			if err != nil {
				t.Fatalf("Write() error = %v", err)
			}
			if got != want {
				t.Errorf("Write() = %+v, want %+v", got, want)
			}
			files := readTree(t, dir)
			if len(files) != len(wantFiles) {
				t.Errorf("Write() wrote %d files, want %d", len(files), len(wantFiles))
			}
			for _, p := range slices.Sorted(maps.Keys(wantFiles)) {
				w, g := wantFiles[p], files[p]
				if !bytes.Equal(g.Data, w.Data) || !g.ModTime.Equal(w.ModTime) {
					t.Errorf("file %s: %d bytes, mtime %v; want %d bytes, mtime %v", p, len(g.Data), g.ModTime, len(w.Data), w.ModTime)
				}
			}
		})
	}

	t.Run("prefix", func(t *testing.T) {
		small := opt
		small.N = 120
		dir := t.TempDir()
		if _, err := Write(t.Context(), dir, small, 2); err != nil {
			t.Fatalf("Write() error = %v", err)
		}
		files := readTree(t, dir)
		if len(files) != small.N {
			t.Fatalf("Write() wrote %d files, want %d", len(files), small.N)
		}
		for p, g := range files {
			if w, ok := wantFiles[p]; !ok || !bytes.Equal(g.Data, w.Data) || !g.ModTime.Equal(w.ModTime) {
				t.Errorf("file %s of the %d-article corpus is not in the %d-article one", p, small.N, opt.N)
			}
		}
	})
}

func TestWriteErrors(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name  string
		ctx   context.Context
		setup func(t *testing.T, dir string) string // returns the dir to write to
		opt   func(*Options)
		want  error // nil: any error
		files int
	}{
		{
			name:  "not empty",
			setup: func(t *testing.T, dir string) string { touch(t, filepath.Join(dir, "keep.txt")); return dir },
		},
		{
			name:  "a file",
			setup: func(t *testing.T, dir string) string { p := filepath.Join(dir, "f"); touch(t, p); return p },
		},
		{
			name: "invalid options",
			opt:  func(o *Options) { o.Format = "html" },
			want: ErrInvalidOptions,
		},
		{
			name: "canceled",
			ctx:  canceled,
			want: context.Canceled,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			if tc.setup != nil {
				if err := os.Mkdir(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				dir = tc.setup(t, dir)
			}
			opt := DefaultOptions()
			opt.N = 50
			if tc.opt != nil {
				tc.opt(&opt)
			}
			ctx := tc.ctx
			if ctx == nil {
				ctx = t.Context()
			}
			st, err := Write(ctx, dir, opt, 2)
			if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Write() error = %v, want %v", err, tc.want)
			}
			if st.Files != 0 {
				t.Errorf("Write() wrote %d files, want 0", st.Files)
			}
		})
	}

	t.Run("zero articles", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "empty")
		opt := DefaultOptions()
		opt.N = 0
		if st, err := Write(t.Context(), dir, opt, 4); err != nil || st != (Stats{}) {
			t.Fatalf("Write(N=0) = %+v, %v; want no files, no error", st, err)
		}
		if ents, err := os.ReadDir(dir); err != nil || len(ents) != 0 {
			t.Errorf("ReadDir() = %d entries, %v; want an empty directory", len(ents), err)
		}
	})
}

func touch(t *testing.T, p string) {
	t.Helper()
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestGeneratePanics(t *testing.T) {
	tests := []struct {
		name string
		i    int
		opt  Options
	}{
		{"negative index", -1, DefaultOptions()},
		{"invalid options", 0, Options{Format: "rss"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Generate(%d, %+v) did not panic", tc.i, tc.opt)
				}
			}()
			Generate(tc.i, tc.opt)
		})
	}
}

func BenchmarkGenerate(b *testing.B) {
	opt := DefaultOptions()
	var i, n int
	for b.Loop() {
		n += len(Generate(i, opt).Data)
		i++
	}
	b.ReportMetric(float64(n)/float64(i), "B/file")
}

func BenchmarkWrite(b *testing.B) {
	opt := DefaultOptions()
	opt.N = 1000
	root := b.TempDir()
	k := 0
	for b.Loop() {
		k++
		if _, err := Write(b.Context(), filepath.Join(root, strconv.Itoa(k)), opt, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(k*opt.N), "µs/file")
}
