package feed

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
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
	return nil
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

// URL returns the absolute URL of a path relative to the base URL.
func (s *Site) URL(rel string) string { return s.BaseURL + rel }

// ArticlePath returns the article page's path relative to the base URL:
// "articles/<escaped slug>/".
func ArticlePath(escapedSlug string) string { return "articles/" + escapedSlug + "/" }
