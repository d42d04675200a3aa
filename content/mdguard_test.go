package content_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/dropfeed/dropfeed/content"
)

// TestMarkdownTooComplex: Markdown that would make goldmark work far more
// than its size (it is quadratic on these inputs) is refused with a
// path:line error before goldmark sees it; what looks alike but is cheap
// still parses.
func TestMarkdownTooComplex(t *testing.T) {
	const head = "---\ntitle: T\ndate: 2026-01-02\n---\n" // the body starts on line 5
	cases := []struct {
		name     string
		body     string
		wantLine int // 0: parses
	}{
		{"quotes 5000 deep on one line", strings.Repeat("> ", 5000) + "x\n", 5},
		{"ordered lists 3000 deep on one line", "ok\n\n" + strings.Repeat("1. ", 3000) + "x\n", 7},
		{"bullets 40 deep on one line", strings.Repeat("- ", 40) + "x\n", 5},
		{"mixed 33 deep", strings.Repeat("> - ", 16) + "> x\n", 5},
		{"32 deep is allowed", strings.Repeat("> ", 32) + "x\n", 0},
		{"quotes 200 deep over lines", staircase(">", 200), 37},
		{"lists 300 deep by indentation", indentedList(300), 0},
		{"unclosed links on one line", "intro\n" + strings.Repeat("[a](", 32<<10) + "\n", 6},
		{"unclosed image links on one line", strings.Repeat("![a](", 16<<10), 5},
		{"unclosed links with balanced parentheses", strings.Repeat("[a](()", 16<<10), 5},
		{"unclosed links with escaped parentheses", strings.Repeat(`[a](\)`, 16<<10), 5},
		{"unclosed angle destinations", strings.Repeat("[a](< ", 16<<10), 5},
		{"brackets nested deep, line after line", strings.Repeat(strings.Repeat("[", 900)+strings.Repeat("]", 900)+"\n", 40), 25},
		{"closed links glued on one line", strings.Repeat("[a](https://example.org/x)", 16<<10), 0},
		{"links one per line", strings.Repeat("[a](https://example.org/x(y)) and [b][c]\n", 8<<10), 0},
		{"a large data URI", "![pixel](data:image/png;base64," + strings.Repeat("QUFB", 100<<10) + ")\n", 0},
		{"brackets in paragraphs", strings.Repeat(strings.Repeat("[x] ", 200)+"\n\n", 100), 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := head + tc.body
			a, err := content.Parse("posts/deep.md", []byte(src), mtime, testOptions())
			if tc.wantLine == 0 {
				if err != nil {
					t.Fatalf("Parse(%s) error: %v", tc.name, err)
				}
				_ = a.Body.HTML()
				return
			}
			pe, ok := errors.AsType[*content.ParseError](err)
			if !ok || !errors.Is(err, content.ErrTooComplex) || pe.Path != "posts/deep.md" || pe.Line != tc.wantLine {
				t.Fatalf("Parse(%s) error = %v, want %v at posts/deep.md:%d", tc.name, err, content.ErrTooComplex, tc.wantLine)
			}
		})
	}
}

// staircase returns lines of 1, 2, … n markers, each followed by " x".
func staircase(marker string, n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		b.WriteString(strings.Repeat(marker, i) + " x\n")
	}
	return b.String()
}

// indentedList returns a list nested n deep, one level per line.
func indentedList(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat("  ", i) + "- x\n")
	}
	return b.String()
}

// TestMarkdownBodyLimit: a Markdown body over MaxMarkdownSize is refused at
// its first line even when the file is within MaxSize; plain text is not
// bound by it.
func TestMarkdownBodyLimit(t *testing.T) {
	opts := testOptions()
	if opts.MaxMarkdownSize != 0 {
		t.Fatalf("DefaultOptions().MaxMarkdownSize = %d, want 0 (%d)", opts.MaxMarkdownSize, content.DefaultMaxMarkdownSize)
	}
	para := strings.Repeat("word ", 15) + "\n\n"
	big := strings.Repeat(para, content.DefaultMaxMarkdownSize/len(para)+1)
	_, err := content.Parse("big.md", []byte("---\ntitle: Big\n---\n"+big), mtime, opts)
	if pe, ok := errors.AsType[*content.ParseError](err); !ok || !errors.Is(err, content.ErrTooLarge) || pe.Line != 4 {
		t.Errorf("Parse(%d-byte Markdown body) error = %v, want %v at line 4", len(big), err, content.ErrTooLarge)
	}
	if _, err := content.Parse("big.txt", []byte("Big\n\n"+big), mtime, opts); err != nil {
		t.Errorf("Parse(%d-byte plain text) error = %v, want none", len(big), err)
	}
	opts.MaxMarkdownSize = 100
	_, err = content.Parse("small.md", []byte("# Small\n\n"+strings.Repeat("x", 101)), mtime, opts)
	if pe, ok := errors.AsType[*content.ParseError](err); !ok || !errors.Is(err, content.ErrTooLarge) || pe.Line != 1 {
		t.Errorf("Parse(110-byte body, MaxMarkdownSize 100) error = %v, want %v at line 1", err, content.ErrTooLarge)
	}
	opts.MaxMarkdownSize = 4 << 20
	opts.MaxSize = 4 << 20
	if _, err := content.Parse("big.md", []byte("---\ntitle: Big\n---\n"+big), mtime, opts); err != nil {
		t.Errorf("Parse(%d-byte Markdown body, MaxMarkdownSize 4 MB) error = %v, want none", len(big), err)
	}
}
