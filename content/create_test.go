package content_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

func TestSlugify(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Hello, World", "hello-world"},
		{"  spaces   everywhere  ", "spaces-everywhere"},
		{"Crème brûlée", "creme-brulee"},
		{"2026: the year", "2026-the-year"},
		{"日本語のタイトル", "日本語のタイトル"},
		{"---", "article"},
		{strings.Repeat("word ", 30), strings.TrimSuffix(strings.Repeat("word-", 12), "-")},
		{strings.Repeat("x", 100), strings.Repeat("x", 60)},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := content.Slugify(tc.in); got != tc.want {
				t.Errorf("Slugify(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestCreate: a new article parses to its title and date; a second one of
// the same title and day gets -2, whatever the format of the first.
func TestCreate(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 4, 2, 9, 30, 0, 0, time.FixedZone("", 2*3600))
	first, err := content.Create(dir, "Bridge  closes", content.FormatMarkdown, now)
	if err != nil {
		t.Fatal(err)
	}
	second, err := content.Create(dir, "Bridge closes", content.FormatText, now)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(first) != "2026-04-02-bridge-closes.md" || filepath.Base(second) != "2026-04-02-bridge-closes-2.txt" {
		t.Errorf("Create named %s and %s", first, second)
	}
	for _, p := range []string{first, second} {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		a, err := content.Parse(filepath.Base(p), data, now, content.DefaultOptions())
		if err != nil || a.Title != "Bridge closes" || !a.Published.Equal(now) || a.Draft {
			t.Errorf("%s parses as %+v, %v", p, a, err)
		}
	}
	if _, err := content.Create(dir, " \t ", content.FormatMarkdown, now); err == nil {
		t.Error("Create with a blank title made a file")
	}
}
