package watch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaultConfig(t *testing.T) {
	got := DefaultConfig("site")
	want := Config{
		Root:         "site",
		Quiet:        50 * time.Millisecond,
		MaxLatency:   time.Second,
		Mode:         ModeAuto,
		PollInterval: time.Second,
		Rescan:       5 * time.Minute,
	}
	if got.Root != want.Root || got.Quiet != want.Quiet || got.MaxLatency != want.MaxLatency ||
		got.Mode != want.Mode || got.PollInterval != want.PollInterval || got.Rescan != want.Rescan ||
		got.Ignore != nil || got.Logger != nil {
		t.Errorf("DefaultConfig(%q) = %+v, want %+v", "site", got, want)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("DefaultConfig(%q).Validate() = %v, want nil", "site", err)
	}
	if zero := (Config{Root: "site"}).withDefaults(); zero.Quiet != want.Quiet || zero.MaxLatency != want.MaxLatency ||
		zero.Mode != want.Mode || zero.PollInterval != want.PollInterval || zero.Rescan != want.Rescan {
		t.Errorf("zero Config with defaults = %+v, want the values of DefaultConfig", zero)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		cfg    Config
		fields []string // each must appear in the error; none means valid
	}{
		{"zero values", Config{Root: "r"}, nil},
		{"defaults", DefaultConfig("r"), nil},
		{"poll", Config{Root: "r", Mode: ModePoll, PollInterval: 10 * time.Millisecond}, nil},
		{"rescan disabled", Config{Root: "r", Rescan: -1}, nil},
		{"empty root", Config{}, []string{"Root"}},
		{"negative quiet", Config{Root: "r", Quiet: -1}, []string{"Quiet"}},
		{"negative max latency", Config{Root: "r", MaxLatency: -time.Second}, []string{"MaxLatency"}},
		{"long window, default cap", Config{Root: "r", Quiet: 2 * time.Second}, nil},
		{"cap shorter than window", Config{Root: "r", Quiet: 2 * time.Second, MaxLatency: time.Second}, []string{"MaxLatency"}},
		{"unknown mode", Config{Root: "r", Mode: "inotify"}, []string{"Mode"}},
		{"negative poll interval", Config{Root: "r", PollInterval: -time.Second}, []string{"PollInterval"}},
		{"tiny poll interval", Config{Root: "r", PollInterval: time.Microsecond}, []string{"PollInterval"}},
		{"tiny rescan", Config{Root: "r", Rescan: time.Nanosecond}, []string{"Rescan"}},
		{"several at once", Config{Quiet: -1, Mode: "x"}, []string{"Root", "Quiet", "Mode"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if len(tc.fields) == 0 {
				if err != nil {
					t.Errorf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("Validate() = %v, want an error wrapping ErrInvalidConfig", err)
			}
			for _, f := range tc.fields {
				if !strings.Contains(err.Error(), ": "+f+": ") {
					t.Errorf("Validate() = %q, want it to name %s", err, f)
				}
			}
			if _, nerr := New(tc.cfg); !errors.Is(nerr, ErrInvalidConfig) {
				t.Errorf("New() error = %v, want ErrInvalidConfig", nerr)
			}
		})
	}
}

func TestNewRoot(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		root string
		want error // nil: New succeeds
	}{
		{"directory", dir, nil},
		{"missing root is waited for", filepath.Join(dir, "missing"), nil},
		{"relative path", ".", nil},
		{"file", file, ErrRootNotDir},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(Config{Root: tc.root})
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("New(Root: %q) = %v, want %v", tc.root, err, tc.want)
			}
		})
	}
}

func TestRunArguments(t *testing.T) {
	w, err := New(Config{Root: t.TempDir(), Mode: ModePoll})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Run(t.Context(), nil); !errors.Is(err, ErrNilChannel) {
		t.Errorf("Run(nil channel) = %v, want ErrNilChannel", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := w.Run(ctx, make(chan Batch)); err != nil {
		t.Errorf("Run(canceled ctx) = %v, want nil", err)
	}
	if err := w.Run(t.Context(), make(chan Batch)); !errors.Is(err, ErrAlreadyRun) {
		t.Errorf("second Run() = %v, want ErrAlreadyRun", err)
	}
}

func TestRunRootBecameFile(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	w, err := New(Config{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(root); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(root, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := w.Run(t.Context(), make(chan Batch)); !errors.Is(err, ErrRootNotDir) {
		t.Errorf("Run(root is a file) = %v, want ErrRootNotDir", err)
	}
}

func TestHiddenAndTempNames(t *testing.T) {
	tests := []struct {
		rel          string
		hidden, temp bool
	}{
		{"a.md", false, false},
		{".a.md", true, false},
		{"sub/.git/HEAD", true, false},
		{"sub/x/.y", true, false},
		{"sub.d/a.md", false, false},
		{"a.md~", false, true},
		{"4913", false, true},
		{"49130", false, false},
		{"#a.md#", false, true},
		{"a.md___jb_bak___", false, true},
		{"a.swp", false, true},
		{"a.swx", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.rel, func(t *testing.T) {
			if got := hidden(tc.rel); got != tc.hidden {
				t.Errorf("hidden(%q) = %v, want %v", tc.rel, got, tc.hidden)
			}
			if got := tempName(filepath.Base(tc.rel)); got != tc.temp {
				t.Errorf("tempName(%q) = %v, want %v", filepath.Base(tc.rel), got, tc.temp)
			}
		})
	}
}
