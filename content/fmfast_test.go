package content

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/dropfeed/dropfeed/bench/corpus"
	yaml "go.yaml.in/yaml/v3"
)

// compareFrontMatter decodes fm both ways, with simpleFrontMatter and with
// the YAML decoder alone, and reports any difference: in the node tree
// simpleFrontMatter returned (when it took the text), or in the result.
// It returns whether simpleFrontMatter took the text.
func compareFrontMatter(t *testing.T, fm string) bool {
	t.Helper()
	// From the pool the parses use: the arenas are made again many times
	// over in a test run, as they are at a start.
	nodes := arenas.Get().(*nodeArena)
	defer func() { nodes.reset(); arenas.Put(nodes) }()
	root, simple := simpleFrontMatter(fm, nodes)
	if simple {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(fm), &doc); err != nil {
			t.Errorf("simpleFrontMatter took front matter the YAML decoder refuses (%v):\n%s", err, fm)
			return simple
		}
		if len(doc.Content) == 0 {
			t.Errorf("simpleFrontMatter took front matter without a document:\n%s", fm)
			return simple
		}
		if diff := nodeDiff(root, doc.Content[0], "root"); diff != "" {
			t.Errorf("simpleFrontMatter differs from the YAML decoder: %s\nfront matter:\n%s", diff, fm)
		}
	}
	fast, fastErr := decodeFrontMatterWith("a.md", fm, 2, true)
	slow, slowErr := decodeFrontMatterWith("a.md", fm, 2, false)
	if fmt.Sprint(fastErr) != fmt.Sprint(slowErr) {
		t.Errorf("decodeFrontMatter error = %v with the simple reader, %v without\nfront matter:\n%s", fastErr, slowErr, fm)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Errorf("decodeFrontMatter = %+v with the simple reader, %+v without\nfront matter:\n%s", fast, slow, fm)
	}
	return simple
}

// nodeDiff compares what decodeFrontMatter reads of two nodes: kind, value,
// nullness, the line of mapping keys, and their children.
func nodeDiff(got, want *yaml.Node, where string) string {
	switch {
	case got.Kind != want.Kind:
		return fmt.Sprintf("%s: kind %v, want %v", where, got.Kind, want.Kind)
	case got.Value != want.Value:
		return fmt.Sprintf("%s: value %q, want %q", where, got.Value, want.Value)
	case (got.Tag == "!!null") != (want.Tag == "!!null"):
		return fmt.Sprintf("%s: tag %s, want %s", where, got.Tag, want.Tag)
	case len(got.Content) != len(want.Content):
		return fmt.Sprintf("%s: %d children, want %d", where, len(got.Content), len(want.Content))
	}
	for i := range got.Content {
		g, w := got.Content[i], want.Content[i]
		if got.Kind == yaml.MappingNode && i%2 == 0 && g.Line != w.Line {
			return fmt.Sprintf("%s: key %q on line %d, want %d", where, g.Value, g.Line, w.Line)
		}
		if d := nodeDiff(g, w, fmt.Sprintf("%s/%d", where, i)); d != "" {
			return d
		}
	}
	return ""
}

// frontMatterOf returns the front matter of a Markdown file, or false.
func frontMatterOf(data []byte) (string, bool) {
	s, _, err := decodeText("a.md", data, false)
	if err != nil {
		return "", false
	}
	fm, _, _, _, err := splitFrontMatter("a.md", s)
	return fm, err == nil && fm != ""
}

// TestSimpleFrontMatterCorpus: over generated corpora (every quoting style,
// block and flow tag lists, quirks), the simple reader takes nearly every
// front matter, and gives what the YAML decoder gives.
func TestSimpleFrontMatterCorpus(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 500
	}
	for _, seed := range []int64{1, 2} {
		opt := corpus.DefaultOptions()
		opt.Seed, opt.Format = seed, "md"
		took, all := 0, 0
		for i := range n {
			fm, ok := frontMatterOf(corpus.Generate(i, opt).Data)
			if !ok {
				continue
			}
			all++
			if compareFrontMatter(t, fm) {
				took++
			}
		}
		t.Logf("seed %d: the simple reader took %d of %d front matters", seed, took, all)
		if took < all*95/100 {
			t.Errorf("seed %d: the simple reader took %d of %d front matters, want nearly all", seed, took, all)
		}
	}
}

// TestSimpleFrontMatterCases: shapes the simple reader must take or leave
// to the YAML decoder, each with the same result either way.
func TestSimpleFrontMatterCases(t *testing.T) {
	for _, tc := range []struct {
		fm     string
		simple bool
	}{
		{"title: Hello\n", true},
		{"title: Hello world  \ndate: 2026-01-02T03:04:05+01:00\n", true},
		{"title: 'It''s'\nauthor: \"A \\\"B\\\" \\\\ C\"\n", true},
		{"title: T\ntags:\n  - a\n  - 'b c'\n  - \"d\"\nsummary: S\n", true},
		{"title: T\ntags:\n- a\n- b\n", true},
		{"tags: [a, 'b, c', \"d\"]\n", true},
		{"tags: []\n", true},
		{"tags: [ a , b ]  \n", true},
		{"title:\ndate: 2026-01-01\n", true},
		{"title: ~\n", true},
		{"title: null\nsummary: NULL\nimage: Null\n", true},
		{"title: 'null'\n", true},
		{"# a comment\ntitle: T\n\n# another\nsummary: S\n", true},
		{"title: C# and F#\n", true},
		{"image: https://example.com/a.png?x=1&y=2#frag\n", true},
		{"title: ¿Quién? — «citas» 🚀 数据\n", true},
		{"title: a\ntitle: b\n", true}, // repeated: the same error either way
		{"draft: maybe\n", true},       // a wrong type: the same error either way
		{"draft: true\nfull_content: false\n", true},
		{"Title: Upper\nLastMod: 2026-01-01\n", true},
		{"title: 100\n", true},
		{"title: x:y\n", true},
		{"author:\n  name: A\n", false},
		{"authors:\n  - name: A\n", false},
		{"title: a: b\n", false},
		{"title: a #c\n", false},
		{"title: end:\n", false},
		{"title: |\n  block\n", false},
		{"title: >\n  folded\n", false},
		{"title: &x T\nsummary: *x\n", false},
		{"title: !!str T\n", false},
		{"title: 'open\n  more'\n", false},
		{"title: \"\\u00e9\"\n", false},
		{"title: \"a\\nb\"\n", false},
		{"title: a\n  b\n", false},
		{"title:\n  T\n", false},
		{"tags:\n  - a\n - b\n", false},
		{"tags:\n  - a\n  # c\n  - b\n", false},
		{"tags:\n  -\n", false},
		{"tags:\n  - - a\n", false},
		{"tags: [a, [b]]\n", false},
		{"tags: [a,\n  b]\n", false},
		{"tags: [a, b,]\n", false},
		{"tags: [a: b]\n", false},
		{"title: T\n- a\n", false},
		{"  title: T\n", false},
		{"title:\tT\n", false},
		{"title: a\u2028b\n", false},
		{"title: \ufeffT\n", false},
		{"\"title\": T\n", false},
		{"? title\n: T\n", false},
		{"title: @x\n", false},
		{"title: `x\n", false},
		{"title: %x\n", false},
		{"title: -x\n", false},
		{"title:T\n", false},
		{"just text\n", false},
		{"# only a comment\n", false},
		{"- a\n- b\n", false},
		{"title: 'x' y\n", false},
		{"title: \"x\" # c\n", false},
	} {
		if got := compareFrontMatter(t, tc.fm); got != tc.simple {
			t.Errorf("simpleFrontMatter(%q) took it: %v, want %v", tc.fm, got, tc.simple)
		}
	}
}

// FuzzSimpleFrontMatter: whatever the text, the simple reader either leaves
// it to the YAML decoder or reads it as the decoder does.
func FuzzSimpleFrontMatter(f *testing.F) {
	for _, s := range []string{
		"title: Hello\n", "title: 'It''s'\ntags:\n  - a\n  - \"b\"\n", "tags: [a, 'b', \"c\"]\n",
		"title:\nsummary: ~\n", "# c\ntitle: C#\n", "author: \"\\\\ \\\"\"\n", "author: \"\\/\"\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, fm string) {
		if strings.TrimSpace(fm) == "" || len(fm) > maxFrontMatter {
			return
		}
		compareFrontMatter(t, fm)
	})
}
