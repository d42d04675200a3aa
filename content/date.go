package content

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

var dateLayouts = []struct {
	layout string
	zoned  bool
}{
	{time.RFC3339Nano, true},
	{"2006-01-02T15:04:05.999999999", false},
	{"2006-01-02T15:04", false},
	{"2006-01-02 15:04:05.999999999 -0700", true},
	{"2006-01-02 15:04:05.999999999 -07:00", true},
	{"2006-01-02 15:04:05.999999999Z07:00", true},
	{"2006-01-02 15:04 -0700", true},
	{"2006-01-02 15:04 -07:00", true},
	{"2006-01-02 15:04:05.999999999", false},
	{"2006-01-02 15:04", false},
	{"2006-01-02", false},
}

// ParseDate parses the date forms dropfeed accepts: RFC 3339; YYYY-MM-DD;
// Jekyll's "YYYY-MM-DD HH:MM[:SS] [±hhmm]". A date without an offset is read
// in loc. The result is truncated to whole seconds, since RSS cannot carry
// fractions. Dates outside the years 1 to 9999 in UTC and offsets of 24 hours
// or more, which feeds cannot write, are refused; an impossible date ("2024-02-30") says what is out of
// range.
func ParseDate(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("%w: empty", ErrBadDate)
	}
	if loc == nil {
		loc = time.UTC
	}
	var outOfRange string
	for _, l := range dateLayouts {
		var t time.Time
		var err error
		if l.zoned {
			t, err = time.Parse(l.layout, s)
		} else {
			t, err = time.ParseInLocation(l.layout, s, loc)
		}
		// The right form with an impossible value ("2024-02-30", "25:00").
		if pe, ok := errors.AsType[*time.ParseError](err); ok && pe.Message != "" && outOfRange == "" {
			outOfRange = strings.TrimPrefix(pe.Message, ": ")
		}
		if err == nil {
			// Feeds and JSON cannot write years outside 1..9999 (in UTC).
			if y := t.UTC().Year(); y < 1 || y > 9999 {
				return time.Time{}, fmt.Errorf("%w: %q is outside the years 1 to 9999", ErrBadDate, s)
			}
			// "-0700" layouts take "+2400", which RFC 3339 and JSON cannot write.
			if _, off := t.Zone(); off <= -24*3600 || off >= 24*3600 {
				return time.Time{}, fmt.Errorf("%w: %q: time zone offset out of range", ErrBadDate, s)
			}
			return t.Truncate(time.Second), nil
		}
	}
	if outOfRange != "" {
		return time.Time{}, fmt.Errorf("%w: %q: %s", ErrBadDate, s, outOfRange)
	}
	return time.Time{}, fmt.Errorf("%w: %q is not RFC 3339, YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS] [±hhmm]", ErrBadDate, s)
}

var fileDateRE = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})-`)

// fileNameDate returns the date of a Jekyll-style "YYYY-MM-DD-" file name prefix.
func fileNameDate(base string, loc *time.Location) (time.Time, bool) {
	m := fileDateRE.FindStringSubmatch(base)
	if m == nil {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation("2006-01-02", m[1], loc)
	return t, err == nil
}
