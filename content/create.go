package content

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Create writes a new article file for title into the folder dir, dated
// now (with now's offset), in format f, and returns its path. Its name is
// YYYY-MM-DD-slug with the format's extension (.md or .txt), the slug made
// of the title (see [Slugify]). It never overwrites a file, and never makes
// a second article at the same URL: a name taken in any article format gets
// -2, -3, … before the extension. The body is a line to replace.
func Create(dir, title string, f Format, now time.Time) (string, error) {
	if title = strings.Join(strings.Fields(title), " "); title == "" || strings.ContainsFunc(title, unicode.IsControl) {
		return "", fmt.Errorf("create article: %q is not a title", title)
	}
	ext := ".md"
	if f == FormatText {
		ext = ".txt"
	}
	base := now.Format("2006-01-02") + "-" + Slugify(title)
	data := template(title, f, now)
	for n := 1; n < 1000; n++ {
		name := base
		if n > 1 {
			name += "-" + strconv.Itoa(n)
		}
		if taken(filepath.Join(dir, name)) {
			continue
		}
		path := filepath.Join(dir, name+ext)
		file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("create article: %w", err)
		}
		_, err = file.WriteString(data)
		if cerr := file.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			return "", fmt.Errorf("write article: %w", err)
		}
		return path, nil
	}
	return "", fmt.Errorf("create article: every name %s-N%s is taken", base, ext)
}

// taken reports whether an article file stem.md, stem.markdown or stem.txt
// exists (any of them gives the article URL of stem).
func taken(stem string) bool {
	for _, ext := range []string{".md", ".markdown", ".txt"} {
		if _, err := os.Lstat(stem + ext); err == nil {
			return true
		}
	}
	return false
}

// template returns the text of a new article: its title, the date with its
// offset, and a line to replace.
func template(title string, f Format, now time.Time) string {
	date := now.Format(time.RFC3339)
	const body = "Write the article here. The first paragraph is what feed readers show as\nthe summary, unless you add one.\n"
	if f == FormatText {
		return title + "\nDate: " + date + "\n\n" + body
	}
	return "---\ntitle: " + strconv.Quote(title) + "\ndate: " + date + "\ndraft: false\n---\n\n" + body
}

// maxSlug is the longest slug Slugify makes, in bytes.
const maxSlug = 60

// Slugify makes the file-name part of a title: accents removed, lower case,
// letters and digits of any script kept, every other run of characters one
// dash, at most 60 bytes cut at a dash. A title with nothing left gives
// "article".
func Slugify(title string) string {
	t := transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	s, _, err := transform.String(t, title)
	if err != nil {
		s = title
	}
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	slug := b.String()
	if len(slug) > maxSlug {
		cut := strings.LastIndexByte(slug[:maxSlug+1], '-')
		if cut <= 0 {
			cut = maxSlug
			for cut > 0 && !utf8.RuneStart(slug[cut]) {
				cut--
			}
		}
		slug = slug[:cut]
	}
	if slug == "" {
		return "article"
	}
	return slug
}
