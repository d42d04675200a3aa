package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Helpers of the robustness tests (bad input, HTTP hardening, crashes, full
// disks, load with churn, lifecycle).

// feedItems checks that body is a complete, well-formed feed of the kind
// its name says (RSS, Atom or JSON Feed) and returns its items' ids, links
// and titles, in document order.
func feedItems(name string, body []byte) (ids, links, titles []string, err error) {
	if strings.HasSuffix(name, ".json") {
		var doc struct {
			Version string `json:"version"`
			Items   []struct {
				ID    string `json:"id"`
				URL   string `json:"url"`
				Title string `json:"title"`
			} `json:"items"`
		}
		if !json.Valid(body) {
			return nil, nil, nil, fmt.Errorf("%s: %d bytes of invalid JSON", name, len(body))
		}
		if err := json.Unmarshal(body, &doc); err != nil || !strings.HasPrefix(doc.Version, "https://jsonfeed.org/version/") {
			return nil, nil, nil, fmt.Errorf("%s: not a JSON Feed (version %q, %v)", name, doc.Version, err)
		}
		for _, it := range doc.Items {
			ids, links, titles = append(ids, it.ID), append(links, it.URL), append(titles, it.Title)
		}
		return ids, links, titles, nil
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	var stack []string
	var text strings.Builder
	root := ""
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%s: %d bytes: %v", name, len(body), err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = tok.Name.Local
			}
			stack = append(stack, tok.Name.Local)
			text.Reset()
			if len(stack) >= 2 && stack[len(stack)-2] == "entry" && tok.Name.Local == "link" {
				rel, href := "alternate", ""
				for _, a := range tok.Attr {
					switch a.Name.Local {
					case "rel":
						rel = a.Value
					case "href":
						href = a.Value
					}
				}
				if rel == "alternate" {
					links = append(links, href)
				}
			}
		case xml.CharData:
			text.Write(tok)
		case xml.EndElement:
			parent := ""
			if len(stack) >= 2 {
				parent = stack[len(stack)-2]
			}
			switch {
			case parent == "item" && tok.Name.Local == "guid", parent == "entry" && tok.Name.Local == "id":
				ids = append(ids, text.String())
			case parent == "item" && tok.Name.Local == "link":
				links = append(links, text.String())
			case (parent == "item" || parent == "entry") && tok.Name.Local == "title":
				titles = append(titles, text.String())
			}
			stack = stack[:len(stack)-1]
		}
	}
	switch {
	case len(stack) != 0:
		return nil, nil, nil, fmt.Errorf("%s: %d bytes: ends inside <%s>", name, len(body), strings.Join(stack, "><"))
	case strings.HasSuffix(name, "rss.xml") && root != "rss", strings.HasSuffix(name, "atom.xml") && root != "feed":
		return nil, nil, nil, fmt.Errorf("%s: root element <%s>", name, root)
	}
	return ids, links, titles, nil
}

// hiddenFiles returns the names of the hidden files under dir (relative,
// slash-separated), the manifest and the names in allow excepted.
func hiddenFiles(t *testing.T, dir string, allow ...string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") && d.Name() != ".dropfeed-manifest" && !slices.Contains(allow, d.Name()) {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", dir, err)
	}
	return out
}

// heldLock is the lock file a running serve -out holds in its folder.
const heldLock = ".dropfeed-writing"

// visibleTree returns the files under dir that are not hidden, by slash
// path, with their bytes.
func visibleTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files, err := tryVisibleTree(dir)
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	return files
}

// tryVisibleTree is visibleTree for a folder that may change while it is
// read (a daemon writing it): it returns the error instead.
func tryVisibleTree(dir string) (map[string][]byte, error) {
	files := make(map[string][]byte)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = b
		return nil
	})
	return files, err
}

// writeBytes writes a file, making its folder.
func writeBytes(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
