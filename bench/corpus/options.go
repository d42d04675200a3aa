package corpus

import (
	"errors"
	"fmt"
	"time"
)

// ErrInvalidOptions is wrapped by every error of [Options.Validate].
var ErrInvalidOptions = errors.New("corpus: invalid options")

// Options selects a corpus. Article i depends on (i, Seed, Format, MDShare,
// Now, Quirks) and never on N.
type Options struct {
	// N is the number of articles Write writes. Generate ignores it.
	N int
	// Seed selects the corpus; every int64 is a valid seed.
	Seed int64
	// Format is "mixed", "text" (only .txt) or "md" (only .md).
	// The empty string means "mixed".
	Format string
	// MDShare is the probability that an article is Markdown when Format is
	// "mixed", in [0, 1]. Zero means 0.5; use Format "text" for no Markdown.
	MDShare float64
	// Now is the reference time: publication dates fall in the two years
	// before it (a few future-dated articles excepted) and no modification
	// time is after it. The zero Time means 2026-11-01T00:00:00Z.
	Now time.Time
	// Quirks adds the irregularities of real files: CRLF line endings, a
	// UTF-8 byte order mark, no final newline, and "Source:" directly after
	// the last paragraph of a plain-text article.
	Quirks bool
}

// defaultNow is the zero value's reference time.
var defaultNow = time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC)

// DefaultOptions returns 1000 mixed articles, half of them Markdown, with
// seed 1, quirks, and Now at 2026-11-01T00:00:00Z.
func DefaultOptions() Options {
	return Options{N: 1000, Seed: 1, Format: "mixed", MDShare: 0.5, Now: defaultNow, Quirks: true}
}

// Validate reports the first field that is out of range.
func (o Options) Validate() error {
	switch {
	case o.N < 0:
		return fmt.Errorf("%w: N is %d, want >= 0", ErrInvalidOptions, o.N)
	case o.Format != "" && o.Format != "mixed" && o.Format != "text" && o.Format != "md":
		return fmt.Errorf("%w: Format is %q, want mixed, text or md", ErrInvalidOptions, o.Format)
	case !(o.MDShare >= 0 && o.MDShare <= 1): // also catches NaN
		return fmt.Errorf("%w: MDShare is %v, want a number in [0, 1]", ErrInvalidOptions, o.MDShare)
	}
	return nil
}

// normalized returns o with the documented zero values filled in.
func (o Options) normalized() Options {
	if o.Format == "" {
		o.Format = "mixed"
	}
	if o.MDShare == 0 {
		o.MDShare = 0.5
	}
	if o.Now.IsZero() {
		o.Now = defaultNow
	}
	return o
}
