package content_test

import (
	"errors"
	"testing"
	"time"
	_ "time/tzdata" // the zones below, on machines without a zone database

	"github.com/dropfeed/dropfeed/content"
)

func loadLocation(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("LoadLocation(%q): %v", name, err)
	}
	return loc
}

func TestParseDate(t *testing.T) {
	kathmandu := loadLocation(t, "Asia/Kathmandu") // +05:45
	stJohns := loadLocation(t, "America/St_Johns") // -03:30, -02:30 in summer
	utc := func(y int, m time.Month, d, h, min, s int) time.Time {
		return time.Date(y, m, d, h, min, s, 0, time.UTC)
	}
	tests := []struct {
		in   string
		loc  *time.Location
		want time.Time
	}{
		// RFC 3339: the offset in the text wins over loc.
		{"2024-05-06T07:08:09Z", kathmandu, utc(2024, 5, 6, 7, 8, 9)},
		{"2024-05-06T07:08:09+05:45", time.UTC, utc(2024, 5, 6, 1, 23, 9)},
		{"2024-05-06T07:08:09-03:30", time.UTC, utc(2024, 5, 6, 10, 38, 9)},
		{"2024-05-06T07:08:09.123456789Z", time.UTC, utc(2024, 5, 6, 7, 8, 9)},
		{"2024-05-06T07:08:09.999+02:00", time.UTC, utc(2024, 5, 6, 5, 8, 9)},
		{"  2024-05-06T07:08:09Z \n", time.UTC, utc(2024, 5, 6, 7, 8, 9)},
		// YYYY-MM-DD, read in loc.
		{"2024-05-06", time.UTC, utc(2024, 5, 6, 0, 0, 0)},
		{"2024-05-06", nil, utc(2024, 5, 6, 0, 0, 0)},
		{"2024-05-06", kathmandu, utc(2024, 5, 5, 18, 15, 0)},
		{"2024-01-06", stJohns, utc(2024, 1, 6, 3, 30, 0)},
		{"2024-07-06", stJohns, utc(2024, 7, 6, 2, 30, 0)},
		{"2024-02-29", time.UTC, utc(2024, 2, 29, 0, 0, 0)},
		// Zone-less date and time, read in loc.
		{"2024-05-06T07:08:09", kathmandu, utc(2024, 5, 6, 1, 23, 9)},
		{"2024-05-06T07:08", time.UTC, utc(2024, 5, 6, 7, 8, 0)},
		{"2024-05-06 07:08", kathmandu, utc(2024, 5, 6, 1, 23, 0)},
		{"2024-05-06 07:08:09", stJohns, utc(2024, 5, 6, 9, 38, 9)},
		{"2024-05-06 07:08:09.75", time.UTC, utc(2024, 5, 6, 7, 8, 9)},
		// Jekyll, with an offset.
		{"2024-05-06 07:08:09 +0545", time.UTC, utc(2024, 5, 6, 1, 23, 9)},
		{"2024-05-06 07:08:09 -0330", kathmandu, utc(2024, 5, 6, 10, 38, 9)},
		{"2024-05-06 07:08:09 +2359", time.UTC, utc(2024, 5, 5, 7, 9, 9)},
		{"2024-05-06 07:08 +0100", time.UTC, utc(2024, 5, 6, 6, 8, 0)},
		{"2024-05-06 07:08 +05:45", time.UTC, utc(2024, 5, 6, 1, 23, 0)},
		{"2024-05-06 07:08:09 +05:45", time.UTC, utc(2024, 5, 6, 1, 23, 9)},
		{"2024-05-06 07:08:09+05:45", time.UTC, utc(2024, 5, 6, 1, 23, 9)},
		{"2024-05-06 07:08:09Z", kathmandu, utc(2024, 5, 6, 7, 8, 9)},
		{"2024-05-06 07:08:09.123456789123 +0100", time.UTC, utc(2024, 5, 6, 6, 8, 9)},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := content.ParseDate(tc.in, tc.loc)
			if err != nil {
				t.Fatalf("ParseDate(%q, %v) error: %v", tc.in, tc.loc, err)
			}
			if !got.Equal(tc.want) || got.Nanosecond() != 0 {
				t.Errorf("ParseDate(%q, %v) = %v, want %v", tc.in, tc.loc, got, tc.want)
			}
		})
	}
}

func TestParseDateErrors(t *testing.T) {
	for _, in := range []string{
		"",
		"   ",
		"yesterday",
		"2026-02-30",
		"2023-02-29",
		"2024-13-01",
		"2024-00-10",
		"2024-05-06 25:00",
		"2024-05-06 24:00",
		"2024-05-06T07:60:00Z",
		"2024-05-06T07:08:60Z",
		"2024-05-06T07:08:09+25:00",
		"2024-05-06 07:08:09 +2500",
		"2024-05-06 07:08 -2400",
		"2024-05-06 07:08:09 +2400",
		"2024-5-6",
		"06/05/2024",
		"2024-05-06T07:08:09 Z",
		"0000-01-01",
		"0001-01-01T00:00:00+01:00", // year 0 in UTC
		"9999-12-31T23:59:59-01:00", // year 10000 in UTC
		"20240506",
	} {
		t.Run(in, func(t *testing.T) {
			got, err := content.ParseDate(in, time.UTC)
			if !errors.Is(err, content.ErrBadDate) {
				t.Errorf("ParseDate(%q) = %v, %v, want %v", in, got, err, content.ErrBadDate)
			}
		})
	}
}

func TestPublishedDate(t *testing.T) {
	kathmandu := loadLocation(t, "Asia/Kathmandu")
	mt := time.Date(2025, 3, 4, 5, 6, 7, 890_000_000, time.UTC)
	tests := []struct {
		name      string
		path      string
		src       string
		loc       *time.Location
		want      time.Time
		wantDated bool
	}{
		{"date in the file", "2023-01-02-x.md", "---\ndate: 2024-05-06\n---\nText.\n", time.UTC,
			time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC), true},
		{"file name prefix", "news/2024-05-06-launch.md", "Text.\n", time.UTC,
			time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC), true},
		{"file name prefix in the site's zone", "2024-05-06-launch.txt", "Launch\n\nText.\n", kathmandu,
			time.Date(2024, 5, 6, 0, 0, 0, 0, kathmandu), true},
		{"impossible file name prefix", "2024-02-30-launch.md", "Text.\n", time.UTC, mt.Truncate(time.Second), false},
		{"no date: modification time, whole seconds", "launch.md", "Text.\n", time.UTC, mt.Truncate(time.Second), false},
		{"empty date header: modification time", "launch.txt", "Launch\nDate:\n\nText.\n", time.UTC, mt.Truncate(time.Second), false},
		{"Hugo's zero date: no date", "x.md", "---\ndate: 0001-01-01T00:00:00Z\n---\nText.\n", time.UTC, mt.Truncate(time.Second), false},
		{"zero date: the file name's date", "2024-05-06-x.txt", "X\nDate: 0001-01-01\n\nText.\n", time.UTC,
			time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC), true},
		{"zone-less date in the site's zone", "x.txt", "X\nDate: 2024-05-06 10:00\n\nText.\n", kathmandu,
			time.Date(2024, 5, 6, 10, 0, 0, 0, kathmandu), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions()
			opts.Location = tc.loc
			a, err := content.Parse(tc.path, []byte(tc.src), mt, opts)
			if err != nil {
				t.Fatalf("Parse(%q) error: %v", tc.path, err)
			}
			checkInvariants(t, a)
			if !a.Published.Equal(tc.want) || a.Dated != tc.wantDated {
				t.Errorf("Parse(%q) Published, Dated = %v, %v, want %v, %v", tc.path, a.Published, a.Dated, tc.want, tc.wantDated)
			}
			if !a.Updated.Equal(a.Published) {
				t.Errorf("Parse(%q) Updated = %v, want Published %v", tc.path, a.Updated, a.Published)
			}
			if !a.ModTime.Equal(mt) {
				t.Errorf("Parse(%q) ModTime = %v, want %v", tc.path, a.ModTime, mt)
			}
		})
	}
}
