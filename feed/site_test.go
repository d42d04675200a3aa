package feed

import (
	"errors"
	"testing"
)

func TestNormalizeBaseURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://news.example.com", "https://news.example.com/"},
		{"https://news.example.com/", "https://news.example.com/"},
		{" HTTPS://News.Example.COM:443/Blog ", "https://news.example.com/Blog/"},
		{"http://x.example:80/a/", "http://x.example/a/"},
		{"http://x.example:8080", "http://x.example:8080/"},
		{"https://x.example/my%20news", "https://x.example/my%20news/"},
	} {
		got, err := NormalizeBaseURL(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NormalizeBaseURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestBuildInvalidSite(t *testing.T) {
	for _, tc := range []struct {
		name string
		site Site
	}{
		{"no title", Site{BaseURL: "https://x.example/"}},
		{"blank title", Site{Title: " \t", BaseURL: "https://x.example/"}},
		{"title of illegal characters", Site{Title: "\uFFFE\x0b", BaseURL: "https://x.example/"}},
		{"no base URL", Site{Title: "T"}},
		{"relative base URL", Site{Title: "T", BaseURL: "/news/"}},
		{"ftp base URL", Site{Title: "T", BaseURL: "ftp://x.example/"}},
		{"query", Site{Title: "T", BaseURL: "https://x.example/?a=1"}},
		{"fragment", Site{Title: "T", BaseURL: "https://x.example/#top"}},
		{"negative max items", Site{Title: "T", BaseURL: "https://x.example/", MaxItems: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Build(tc.site, nil); !errors.Is(err, ErrInvalidSite) {
				t.Errorf("Build(%+v) error = %v, want ErrInvalidSite", tc.site, err)
			}
		})
	}
}
