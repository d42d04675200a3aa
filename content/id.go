package content

import (
	"net/url"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// EscapePath percent-encodes each element of a slash-separated path, after NFC
// normalization, so it can be used in a URL or a tag URI.
func EscapePath(p string) string {
	p = norm.NFC.String(p)
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// EscapedSlug returns the article's slug percent-encoded for URLs.
func (a *Article) EscapedSlug() string { return EscapePath(a.Slug) }

// TagURI returns the RFC 4151 tag URI tag:<authority>,<date>:<specific>, with
// the authority lowercased and without a port.
func TagURI(authority, date, specific string) string {
	authority = strings.ToLower(authority)
	// Drop a ":port", but leave the colons of a bare IPv6 address alone.
	if i := strings.LastIndexByte(authority, ':'); i >= 0 && allDigits(authority[i+1:]) &&
		(strings.Count(authority, ":") == 1 || strings.HasSuffix(authority[:i], "]")) {
		authority = authority[:i]
	}
	return "tag:" + authority + "," + date + ":" + specific
}

// idSettings returns the authority and date of the tag URIs o derives.
func (o *Options) idSettings() (auth, date string) {
	auth, date = o.IDAuthority, o.IDDate
	if auth == "" {
		auth = "localhost"
	}
	if date == "" {
		date = DefaultIDDate
	}
	return auth, date
}

// deriveID returns the explicit id made into a URI, or the derived tag URI.
func deriveID(explicit, slug string, o *Options) string {
	auth, date := o.idSettings()
	if explicit != "" {
		if isAbsURI(explicit) {
			return explicit
		}
		return TagURI(auth, date, EscapePath(explicit))
	}
	return TagURI(auth, date, EscapePath(slug))
}

// isAbsURI reports whether s is an absolute URI with a scheme and no white space.
func isAbsURI(s string) bool {
	if strings.ContainsAny(s, " \t\n") {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Opaque == "" && u.Host == "" && u.Path == "" {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return u.Host != ""
	}
	return u.Opaque != "" // tag:, urn:, mailto: ...
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
