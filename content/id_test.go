package content_test

import (
	"testing"

	"github.com/dropfeed/dropfeed/content"
)

func TestDerivedID(t *testing.T) {
	tests := []struct {
		name, path string
		wantID     string
		wantSlug   string
	}{
		{"top level", "launch.md", "tag:example.com,2024:launch", "launch"},
		{"nested folders", "news/2024/05/launch.txt", "tag:example.com,2024:news/2024/05/launch", "news/2024/05/launch"},
		{"date prefix kept", "news/2024-05-06-launch.md", "tag:example.com,2024:news/2024-05-06-launch", "news/2024-05-06-launch"},
		{"case kept", "News/Launch.MD", "tag:example.com,2024:News/Launch", "News/Launch"},
		{"composed é", "caf\u00e9.md", "tag:example.com,2024:caf%C3%A9", "caf\u00e9"},
		{"decomposed é normalized", "cafe\u0301.md", "tag:example.com,2024:caf%C3%A9", "caf\u00e9"},
		{"decomposed é in a folder", "re\u0301sume\u0301/cafe\u0301.txt", "tag:example.com,2024:r%C3%A9sum%C3%A9/caf%C3%A9", "r\u00e9sum\u00e9/caf\u00e9"},
		{"space", "my post.md", "tag:example.com,2024:my%20post", "my post"},
		{"percent", "100% sure.md", "tag:example.com,2024:100%25%20sure", "100% sure"},
		{"hash", "c#.md", "tag:example.com,2024:c%23", "c#"},
		{"question mark", "why?.md", "tag:example.com,2024:why%3F", "why?"},
		{"ampersand", "fish&chips.md", "tag:example.com,2024:fish&chips", "fish&chips"},
		{"non-UTF-8 byte", "caf\xe9.md", "tag:example.com,2024:caf%E9", "caf\xe9"},
		{"only the last extension removed", "v1.2.md", "tag:example.com,2024:v1.2", "v1.2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := mustParse(t, tc.path, "Title\n\nText.\n")
			if a.ID != tc.wantID || a.Slug != tc.wantSlug || a.ExplicitID {
				t.Errorf("Parse(%q) ID, Slug, ExplicitID = %q, %q, %v, want %q, %q, false",
					tc.path, a.ID, a.Slug, a.ExplicitID, tc.wantID, tc.wantSlug)
			}
			if got, want := a.EscapedSlug(), tc.wantID[len("tag:example.com,2024:"):]; got != want {
				t.Errorf("Parse(%q).EscapedSlug() = %q, want %q", tc.path, got, want)
			}
		})
	}
}

func TestExplicitID(t *testing.T) {
	tests := []struct {
		id   string
		want string
	}{
		{"https://example.org/2024/launch", "https://example.org/2024/launch"},
		{"HTTP://Example.org/x?y=1#z", "HTTP://Example.org/x?y=1#z"},
		{"urn:uuid:0b9f3c4e-1a2b-4c5d-8e9f-001122334455", "urn:uuid:0b9f3c4e-1a2b-4c5d-8e9f-001122334455"},
		{"tag:example.org,2020:launch", "tag:example.org,2020:launch"},
		{"mailto:news@example.org", "mailto:news@example.org"},
		{"story-42", "tag:example.com,2024:story-42"},
		{"story 42", "tag:example.com,2024:story%2042"},
		{"2024/05/launch", "tag:example.com,2024:2024/05/launch"},
		{"42", "tag:example.com,2024:42"},
		{"café", "tag:example.com,2024:caf%C3%A9"},
		{"https:no-host", "tag:example.com,2024:https:no-host"},
		{"https://", "tag:example.com,2024:https://"},
		{"a b:c", "tag:example.com,2024:a%20b:c"},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			for _, f := range []struct{ path, src string }{
				{"posts/x.txt", "Title\nID: " + tc.id + "\n\nText.\n"},
				{"posts/x.md", "---\nid: '" + tc.id + "'\n---\n# Title\n"},
			} {
				a := mustParse(t, f.path, f.src)
				if a.ID != tc.want || !a.ExplicitID {
					t.Errorf("Parse(%q with id %q) ID, ExplicitID = %q, %v, want %q, true", f.path, tc.id, a.ID, a.ExplicitID, tc.want)
				}
				if a.Slug != "posts/x" {
					t.Errorf("Parse(%q with id %q).Slug = %q, want %q", f.path, tc.id, a.Slug, "posts/x")
				}
			}
		})
	}
}

func TestIDOptions(t *testing.T) {
	tests := []struct {
		name            string
		authority, date string
		want            string
	}{
		{"lowercased", "News.Example.COM", "2024", "tag:news.example.com,2024:a/b"},
		{"port dropped", "example.com:8080", "2024", "tag:example.com,2024:a/b"},
		{"email authority", "Editor@Example.com", "2024-05-06", "tag:editor@example.com,2024-05-06:a/b"},
		{"defaults", "", "", "tag:localhost," + content.DefaultIDDate + ":a/b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions()
			opts.IDAuthority, opts.IDDate = tc.authority, tc.date
			a := mustParseOpts(t, "a/b.md", "# T\n", opts)
			if a.ID != tc.want {
				t.Errorf("Parse(IDAuthority %q, IDDate %q).ID = %q, want %q", tc.authority, tc.date, a.ID, tc.want)
			}
		})
	}
}

func TestTagURI(t *testing.T) {
	tests := []struct {
		authority, date, specific string
		want                      string
	}{
		{"example.com", "2024", "x", "tag:example.com,2024:x"},
		{"EXAMPLE.com:443", "2024", "x", "tag:example.com,2024:x"},
		{"user@example.com", "2024-01", "a/b", "tag:user@example.com,2024-01:a/b"},
		{"[::1]:8080", "2024", "x", "tag:[::1],2024:x"},
		{"::1", "2024", "x", "tag:::1,2024:x"},
	}
	for _, tc := range tests {
		if got := content.TagURI(tc.authority, tc.date, tc.specific); got != tc.want {
			t.Errorf("TagURI(%q, %q, %q) = %q, want %q", tc.authority, tc.date, tc.specific, got, tc.want)
		}
	}
}

func TestEscapePath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a/b", "a/b"},
		{"a b/c d", "a%20b/c%20d"},
		{"e\u0301", "%C3%A9"},
		{"a?b#c%d", "a%3Fb%23c%25d"},
		{"\xff", "%FF"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := content.EscapePath(tc.in); got != tc.want {
			t.Errorf("EscapePath(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestIDSameAcrossFormats checks that an article keeps its id when its file
// changes format: the id depends on the path without its extension.
func TestIDSameAcrossFormats(t *testing.T) {
	txt := mustParse(t, "news/launch.txt", "Launch\n\nText.\n")
	md := mustParse(t, "news/launch.md", "# Launch\n\nText.\n")
	mdLong := mustParse(t, "news/launch.markdown", "---\ntitle: Launch\n---\nText.\n")
	if txt.ID != md.ID || md.ID != mdLong.ID {
		t.Errorf("Parse(news/launch.{txt,md,markdown}).ID = %q, %q, %q, want them equal", txt.ID, md.ID, mdLong.ID)
	}
	// And with an explicit id that is not a URI.
	txt = mustParse(t, "a.txt", "Launch\nID: launch-1\n\nText.\n")
	md = mustParse(t, "b.md", "---\nid: launch-1\n---\nText.\n")
	if txt.ID != md.ID {
		t.Errorf("Parse(explicit id launch-1).ID = %q (text), %q (Markdown), want them equal", txt.ID, md.ID)
	}
}
