package content

import (
	"strings"
	"testing"
)

func TestOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Options)
		want string // "" when valid
	}{
		{"defaults", func(*Options) {}, ""},
		{"id date of a day", func(o *Options) { o.IDDate = "2019-07-04" }, ""},
		{"id date of a month", func(o *Options) { o.IDDate = "2019-07" }, ""},
		{"id date with a time", func(o *Options) { o.IDDate = "2019-07-04T10:00:00Z" }, `id_date: "2019-07-04T10:00:00Z" is not YYYY`},
		{"id date of words", func(o *Options) { o.IDDate = "last year" }, `id_date: "last year"`},
		{"bad glob", func(o *Options) { o.Ignore = []string{"ok/*", "[drafts"} }, `ignore: "[drafts"`},
		{"negative size", func(o *Options) { o.MaxMarkdownSize = -1 }, "must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultOptions()
			tc.edit(&o)
			err := o.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
}
