package feed

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dropfeed/dropfeed/content"
)

// TestPartialBodyRenderedAgain: when an article's file no longer holds the
// body it was parsed with (edited in place, unreadable for a moment), its
// feeds carry the summary meanwhile; the next build renders them again
// from the file, and such feeds are never saved for a later run.
func TestPartialBodyRenderedAgain(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a.md")
	orig := "---\ntitle: An article\ndate: 2026-01-02T10:00:00Z\nsummary: The summary.\n---\nThe whole body.\n"
	if err := os.WriteFile(file, []byte(orig), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := content.ParseFile(os.DirFS(dir), "a.md", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(strings.Replace(orig, "whole", "other", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	bl, err := NewBuilder(testSite())
	if err != nil {
		t.Fatal(err)
	}
	bl.SetSource(os.DirFS(dir))
	vis := []*content.Article{a}
	b, err := bl.Next(vis, vis, nil)
	if err != nil {
		t.Fatal(err)
	}
	if body := string(feedBody(t, b, JSONName)); strings.Contains(body, "whole body") || strings.Contains(body, "other body") || !strings.Contains(body, "The summary.") {
		t.Fatalf("a body its file no longer holds: want the summary only, got %s", body)
	}
	if sv := bl.Save(); sv != nil && len(sv.Sets) != 0 {
		t.Errorf("feeds rendered with a stand-in body were saved: %d sets", len(sv.Sets))
	}
	if err := os.WriteFile(file, []byte(orig), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err = bl.Next(vis, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if body := string(feedBody(t, b, JSONName)); !strings.Contains(body, "The whole body.") {
		t.Fatalf("the next build did not render the body again: %s", body)
	}
	if sv := bl.Save(); sv == nil || len(sv.Sets) != 1 {
		t.Errorf("the complete feeds were not saved: %+v", sv)
	}
}
