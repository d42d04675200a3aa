package feed

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// requireTool returns the path of an external program. When it is missing
// the test is skipped with the reason logged, except in CI (CI=true), where a
// missing tool is a failure: CI must not go green by validating nothing.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found (%v); CI must install it (Debian: trang, libxml2-utils)", name, err)
	}
	t.Skipf("%s not found (%v); install it to validate Atom against RFC 4287 (Debian: trang, libxml2-utils)", name, err)
	return ""
}

// TestAtomRelaxNG validates every Atom golden, and the Atom of a feed with
// every quirk, against the RELAX NG schema of RFC 4287 (testdata/atom.rnc,
// converted to the XML syntax with trang, then checked with xmllint).
func TestAtomRelaxNG(t *testing.T) {
	trang := requireTool(t, "trang")
	xmllint := requireTool(t, "xmllint")
	dir := t.TempDir()
	rng := filepath.Join(dir, "atom.rng")
	if out, err := exec.CommandContext(t.Context(), trang, "-I", "rnc", "-O", "rng", filepath.Join("testdata", "atom.rnc"), rng).CombinedOutput(); err != nil {
		t.Fatalf("trang atom.rnc atom.rng: %v\n%s", err, out)
	}
	docs := map[string]string{}
	for _, sc := range scenarios() {
		docs[sc.name] = goldenPath(sc.name, AtomName)
	}
	// Built here rather than read, so the check holds without the goldens too.
	opts := testOptions()
	opts.UnsafeHTML = true
	arts := append(loadArticles(t, txtarFS(t, relativeTree), opts), parseArticle(t, "hostile.md", maliciousBody, opts))
	b := mustBuild(t, Site{Title: "Q&A <weekly>", BaseURL: "https://x.example/news/"}, arts)
	built := filepath.Join(dir, "built.atom.xml")
	if err := os.WriteFile(built, feedBody(t, b, AtomName), 0o644); err != nil {
		t.Fatal(err)
	}
	docs["built"] = built
	// A negative control: the schema must reject a feed without an id, or
	// the checks above prove nothing.
	invalid := filepath.Join(dir, "invalid.atom.xml")
	noID := bytes.Replace(feedBody(t, b, AtomName), []byte("<id>https://x.example/news/</id>"), nil, 1)
	if err := os.WriteFile(invalid, noID, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.CommandContext(t.Context(), xmllint, "--noout", "--relaxng", rng, invalid).CombinedOutput(); err == nil {
		t.Errorf("xmllint --relaxng atom.rng on a feed without <id> = valid, want an error:\n%s", out)
	}
	for name, path := range docs {
		t.Run(name, func(t *testing.T) {
			out, err := exec.CommandContext(t.Context(), xmllint, "--noout", "--relaxng", rng, path).CombinedOutput()
			if err != nil {
				t.Errorf("xmllint --relaxng atom.rng %s: %v\n%s", path, err, out)
			}
		})
	}
}
