package feed

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// TestGzipCopies: a gzip copy is a gzip stream that the standard library's
// reader (as browsers', curl's and feed readers') decompresses to the body
// exactly, with no name and no time in its header, and the same bytes each
// time it is made, for empty, small, feed-sized and large bodies.
func TestGzipCopies(t *testing.T) {
	rss := mustBuild(t, testSite(), benchArticles(t, 50))
	f, _ := rss.Lookup(RSSName)
	var large strings.Builder
	for i := range 40000 {
		fmt.Fprintf(&large, "<p>Paragraph %d of a long archive document, with some repeated words.</p>\n", i)
	}
	for name, body := range map[string][]byte{
		"empty":    nil,
		"small":    []byte("<?xml version=\"1.0\"?><rss/>"),
		"the feed": f.Body,
		"3 MB":     []byte(large.String()),
	} {
		gz := gzipBytes(body)
		if again := gzipBytes(body); !bytes.Equal(gz, again) {
			t.Errorf("%s: two gzip copies of one body differ", name)
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if zr.Name != "" || zr.Comment != "" || !zr.ModTime.Equal(time.Time{}) {
			t.Errorf("%s: gzip header name %q, comment %q, time %v; want none", name, zr.Name, zr.Comment, zr.ModTime)
		}
		got, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(got, body) {
			t.Errorf("%s: decompressed to %d bytes (err %v), want the %d of the body", name, len(got), err, len(body))
		}
		if len(body) > 1000 && len(gz) > len(body)/2 {
			t.Errorf("%s: %d bytes compressed to %d", name, len(body), len(gz))
		}
	}
}

// BenchmarkGzipCopy makes the gzip copy of a feed of 50 articles.
func BenchmarkGzipCopy(b *testing.B) {
	rss := mustBuild(b, testSite(), benchArticles(b, 50))
	f, _ := rss.Lookup(AtomName)
	b.SetBytes(int64(len(f.Body)))
	b.ReportAllocs()
	for b.Loop() {
		gzipBytes(f.Body)
	}
}
