package feed

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// ErrInvalidSite is wrapped by every [Site.Validate] error.
var ErrInvalidSite = errors.New("feed: invalid site")

// Site holds the settings of the published site.
type Site struct {
	// Title of the feeds and index page. Required.
	Title string
	// Description; "" means "Latest articles from <Title>".
	Description string
	// BaseURL is the absolute URL the site is published under, ending in "/".
	BaseURL string
	// Author is the feed-level author name; "" means the title.
	Author string
	// Language is a BCP 47 tag such as "en" or "de-CH"; optional.
	Language string
	// MaxItems caps the items in each feed; 0 means all.
	MaxItems int
	// Retain keeps every article published within this long of the newest
	// one in a feed, even past MaxItems; zero keeps none beyond MaxItems.
	Retain time.Duration
	// SummaryOnly makes feeds carry each article's summary instead of its
	// full content (an article's own full_content setting wins).
	SummaryOnly bool
	// Icon and Logo are URLs (absolute, or relative to BaseURL) of a small
	// square image and a wide one, for feed readers; optional.
	Icon, Logo string
	// Hub is a WebSub hub URL; optional. Feeds then name it (rel="hub"),
	// and [Server] sends it in a Link header.
	Hub string
	// Sections lists top-level content folders that get feeds of their own,
	// at sections/<name>/.
	Sections []string
	// NoTagFeeds turns off the feeds of each tag at tags/<slug>/.
	NoTagFeeds bool
	// NoRobots turns off robots.txt, for an operator who keeps their own
	// (it should name the sitemaps).
	NoRobots bool
	// NoArchives turns off archived feeds (RFC 5005): then a feed holds the
	// newest MaxItems (and what Retain keeps) and older articles leave it.
	// With archives, older articles move to archive documents linked from
	// each feed, and no document exceeds MaxFeedBytes (see archive.go).
	NoArchives bool
	// MaxFeedBytes is the budget of a feed document with archives, in bytes
	// of its largest format; 0 means [DefaultMaxFeedBytes].
	MaxFeedBytes int
	// Aliases maps old feed paths (relative to BaseURL, e.g. "index.xml",
	// "feed/") to the feed they redirect to (e.g. "rss.xml"); [Server]
	// answers them with 301.
	Aliases map[string]string
}

// DefaultMaxItems is the number of items in a feed when none is configured.
const DefaultMaxItems = 20

// Validate reports the first invalid field.
func (s *Site) Validate() error {
	if strings.TrimSpace(s.Title) == "" {
		return fmt.Errorf("%w: title: empty", ErrInvalidSite)
	}
	u, err := url.Parse(s.BaseURL)
	if err != nil {
		return fmt.Errorf("%w: base_url: %v", ErrInvalidSite, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: base_url: %q is not an absolute http(s) URL", ErrInvalidSite, s.BaseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%w: base_url: %q has a query or fragment", ErrInvalidSite, s.BaseURL)
	}
	if s.MaxItems < 0 {
		return fmt.Errorf("%w: max_items: %d is negative", ErrInvalidSite, s.MaxItems)
	}
	if s.MaxFeedBytes < 0 {
		return fmt.Errorf("%w: max_feed_bytes: %d is negative", ErrInvalidSite, s.MaxFeedBytes)
	}
	if s.Retain < 0 {
		return fmt.Errorf("%w: retain: %s is negative", ErrInvalidSite, s.Retain)
	}
	if s.Hub != "" && !isHTTPURL(s.Hub) {
		return fmt.Errorf("%w: hub: %q is not an absolute http(s) URL", ErrInvalidSite, s.Hub)
	}
	for _, sec := range s.Sections {
		if sec == "" || sec == "." || sec == ".." || strings.ContainsAny(sec, "/\\") {
			return fmt.Errorf("%w: sections: %q is not a top-level folder name", ErrInvalidSite, sec)
		}
	}
	for from, to := range s.Aliases {
		if from == "" || strings.HasPrefix(from, "/") || strings.Contains(from, "..") || to == "" || strings.HasPrefix(to, "/") {
			return fmt.Errorf("%w: aliases: %q -> %q: both must be paths relative to the base URL", ErrInvalidSite, from, to)
		}
	}
	return nil
}

// DefaultAliases are the old feed URLs other tools use, redirected (301) to
// dropfeed's feeds: Hugo's index.xml, jekyll-feed's feed.xml (Atom),
// WordPress's feed/ and feed/atom/.
func DefaultAliases() map[string]string {
	return map[string]string{
		"index.xml":  RSSName,
		"feed.xml":   AtomName,
		"feed/":      RSSName,
		"feed/atom/": AtomName,
	}
}

// NormalizeBaseURL returns u with a lowercase scheme and host, no default port
// and a path ending in "/".
func NormalizeBaseURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("parse base URL: %w", err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	if (u.Scheme == "http" && u.Port() == "80") || (u.Scheme == "https" && u.Port() == "443") {
		u.Host = u.Hostname()
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u.String(), nil
}

func (s *Site) description() string {
	if s.Description != "" {
		return s.Description
	}
	return "Latest articles from " + s.Title
}

func (s *Site) author() string {
	if s.Author != "" {
		return s.Author
	}
	return s.Title
}

// absSiteURL resolves a URL given in the settings against the base URL.
func (s *Site) absSiteURL(ref string) string {
	if ref == "" {
		return ""
	}
	base, err := url.Parse(s.BaseURL)
	if err != nil {
		return ""
	}
	return absURL(ref, base)
}

// rssImage returns the logo (else the icon) for RSS <image>, which readers
// accept only as GIF, JPEG or PNG.
func (s *Site) rssImage() string {
	for _, ref := range []string{s.Logo, s.Icon} {
		u := s.absSiteURL(ref)
		if u == "" {
			continue
		}
		p := strings.ToLower(u)
		if i := strings.IndexAny(p, "?#"); i >= 0 {
			p = p[:i]
		}
		for _, ext := range []string{".png", ".jpg", ".jpeg", ".gif"} {
			if strings.HasSuffix(p, ext) {
				return u
			}
		}
	}
	return ""
}

// URL returns the absolute URL of a path relative to the base URL.
func (s *Site) URL(rel string) string { return s.BaseURL + rel }

// ArticlePath returns the article page's path relative to the base URL:
// "articles/<escaped slug>/".
func ArticlePath(escapedSlug string) string { return "articles/" + escapedSlug + "/" }
