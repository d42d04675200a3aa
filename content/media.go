package content

import (
	"net/url"
	"path"
	"slices"
	"strings"
)

// mediaTypes are the media files of the content folder that articles may
// reference by a relative path, to be served and copied beside their pages:
// images, audio and video, by extension. Nothing else in the content folder
// is ever served (sources, dotfiles and SVG, which can carry script, stay
// private).
var mediaTypes = map[string]string{
	".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
	".webp": "image/webp", ".avif": "image/avif",
	".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".ogg": "audio/ogg", ".oga": "audio/ogg", ".opus": "audio/ogg",
	".mp4": "video/mp4", ".m4v": "video/mp4", ".webm": "video/webm",
}

// MediaType returns the content type of a media file name, or "" when
// dropfeed does not serve files of that kind.
func MediaType(name string) string { return mediaTypes[strings.ToLower(path.Ext(name))] }

// IgnoredMedia is [Ignored] for media files: it reports whether a slash path
// relative to the content root is not a media file an article may
// reference — not of a media type, or ignored by the same rules as articles.
func IgnoredMedia(rel string, isDir bool, patterns []string) bool {
	return ignored(rel, isDir, patterns, MediaType)
}

// mediaRefs returns the media files of the content folder (slash paths
// relative to its root, each once, in order of appearance) that the text of
// the article at p may reference by a relative URL: every token of the text
// that names a file of a media type, resolved against the article's folder.
// It errs on the side of too many — a path in a code block counts — since a
// reference it missed would leave a page with a stale image, and one too
// many only costs a stat.
func mediaRefs(p, text string) []string {
	var out []string
	dir := path.Dir(p)
	for i := 0; i < len(text); i++ {
		d := strings.IndexByte(text[i:], '.')
		if d < 0 {
			break
		}
		i += d
		// The extension: letters and digits after the dot.
		j := i + 1
		for j < len(text) && isExtChar(text[j]) {
			j++
		}
		if j-i < 3 || j-i > 5 || mediaTypes[strings.ToLower(text[i:j])] == "" || (j < len(text) && !isRefEnd(text[j])) {
			i = j - 1
			continue
		}
		// The token's start: back to a delimiter.
		k := i
		for k > 0 && !isRefDelim(text[k-1]) {
			k--
		}
		out = addRef(out, dir, text[k:j])
		if k > 0 && text[k-1] == ' ' {
			// A name with spaces, written between angle brackets or quotes:
			// "<my pic.png>", src="my pic.png". Both readings count.
			line := text[strings.LastIndexByte(text[:k], '\n')+1 : k]
			if q := strings.LastIndexAny(line, "<(\"'"); q >= 0 && !strings.ContainsAny(line[q+1:], ">)\"'") {
				out = addRef(out, dir, line[q+1:]+text[k:j])
			}
		}
		i = j - 1
	}
	return out
}

// addRef adds the file a reference names to refs, once.
func addRef(refs []string, dir, ref string) []string {
	if f, ok := mediaFile(dir, ref); ok && !contains(refs, f) {
		return append(refs, strings.Clone(f)) // not a part of the text kept alive
	}
	return refs
}

// mediaFile resolves a reference written in an article of the folder dir to
// the content file it names, when it is a relative URL inside the folder.
func mediaFile(dir, ref string) (string, bool) {
	if ref == "" || strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "#") || strings.Contains(ref, ":") {
		return "", false // rooted, a fragment, or with a scheme (http:, data:)
	}
	if strings.Contains(ref, "%") {
		u, err := url.PathUnescape(ref)
		if err != nil {
			return "", false
		}
		ref = u
	}
	f := path.Clean(path.Join(dir, ref))
	if f == ".." || strings.HasPrefix(f, "../") || !ValidName(f) {
		return "", false
	}
	return f, true
}

func isExtChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// isRefEnd reports whether c may follow a file name in a reference: the end
// of the token, a query or a fragment, or the punctuation that ends a
// sentence.
func isRefEnd(c byte) bool {
	return isRefDelim(c) || c == '?' || c == '#' || c == '.' || c == ':' || c == '!'
}

// isRefDelim reports whether c ends a token that may hold a reference:
// white space, quotes, brackets and the characters around attributes and
// Markdown links.
func isRefDelim(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '"', '\'', '(', ')', '[', ']', '<', '>', '=', '`', ',', ';', '|', '*':
		return true
	}
	return false
}

func contains(list []string, s string) bool {
	return slices.Contains(list, s)
}
