package watch

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Mode selects how a [Watcher] learns about changes.
type Mode string

// The modes a [Config] accepts. The zero Mode means [ModeAuto].
const (
	// ModeAuto uses events, except on network and FUSE file systems, where
	// it polls.
	ModeAuto Mode = "auto"
	// ModeEvents uses inotify events (through fsnotify). It still falls
	// back to polling when the kernel's inotify limits are reached.
	ModeEvents Mode = "events"
	// ModePoll sends a Rescan batch every [Config.PollInterval].
	ModePoll Mode = "poll"
)

// Defaults for the zero values of Config fields.
const (
	defaultQuiet        = 50 * time.Millisecond
	defaultMaxLatency   = time.Second
	defaultPollInterval = time.Second
	defaultRescan       = 5 * time.Minute
)

// minInterval is the smallest PollInterval or Rescan that Validate accepts,
// so that a typo cannot make the watcher spin.
const minInterval = 10 * time.Millisecond

// ErrInvalidConfig is wrapped by every error that [Config.Validate] returns.
var ErrInvalidConfig = errors.New("watch: invalid config")

// Config configures a [Watcher]. The zero value of every field except Root
// means its default; [DefaultConfig] spells the defaults out.
type Config struct {
	// Root is the content folder, an absolute or relative OS path. It may
	// be a symlink to a directory and it may not exist yet.
	Root string
	// Quiet is the trailing quiet window: a batch is sent once no event has
	// arrived for this long. Zero means 50ms.
	Quiet time.Duration
	// MaxLatency caps the time from a batch's first event to its sending,
	// so a long burst cannot postpone publication forever. Zero means 1s,
	// or twenty quiet windows when that is longer (a long quiet window asks
	// for patience with slow writers).
	MaxLatency time.Duration
	// Mode is the watching mode. Zero means ModeAuto.
	Mode Mode
	// PollInterval is the rescan period in poll mode. Zero means 1s.
	PollInterval time.Duration
	// Rescan is the period of the safety rescan in event mode. Zero means
	// 5 minutes; a negative value disables it.
	Rescan time.Duration
	// Ignore reports whether a slash-separated path relative to Root (a
	// file or a directory) must be ignored. An ignored directory is never
	// watched and nothing under it is reported. Nil ignores nothing.
	// Hidden paths (any component starting with ".") and editor temporary
	// file names are always ignored by the watcher itself. Ignore is called
	// from the goroutine running [Watcher.Run] only.
	Ignore func(rel string, isDir bool) bool
	// Logger receives the watcher's log lines, with the attribute
	// component=watch. Nil discards them.
	Logger *slog.Logger
}

// DefaultConfig returns the configuration for watching root with every
// default spelled out.
func DefaultConfig(root string) Config {
	return Config{
		Root:         root,
		Quiet:        defaultQuiet,
		MaxLatency:   defaultMaxLatency,
		Mode:         ModeAuto,
		PollInterval: defaultPollInterval,
		Rescan:       defaultRescan,
	}
}

// Validate reports every problem with c, each naming its field and wrapping
// [ErrInvalidConfig]. It returns nil for a valid configuration.
func (c Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s: %s", ErrInvalidConfig, field, fmt.Sprintf(format, args...)))
	}
	if c.Root == "" {
		bad("Root", "must not be empty")
	}
	if c.Quiet < 0 {
		bad("Quiet", "must not be negative, got %v", c.Quiet)
	}
	if c.MaxLatency < 0 {
		bad("MaxLatency", "must not be negative, got %v", c.MaxLatency)
	}
	if d := c.withDefaults(); c.Quiet >= 0 && c.MaxLatency >= 0 && d.MaxLatency < d.Quiet {
		bad("MaxLatency", "%v is shorter than Quiet %v", d.MaxLatency, d.Quiet)
	}
	switch c.Mode {
	case "", ModeAuto, ModeEvents, ModePoll:
	default:
		bad("Mode", "unknown mode %q, want %q, %q or %q", c.Mode, ModeAuto, ModeEvents, ModePoll)
	}
	if c.PollInterval < 0 || (c.PollInterval > 0 && c.PollInterval < minInterval) {
		bad("PollInterval", "must be zero or at least %v, got %v", minInterval, c.PollInterval)
	}
	if c.Rescan > 0 && c.Rescan < minInterval {
		bad("Rescan", "must be negative, zero or at least %v, got %v", minInterval, c.Rescan)
	}
	return errors.Join(errs...)
}

// withDefaults returns c with the zero values replaced by the defaults.
func (c Config) withDefaults() Config {
	if c.Quiet == 0 {
		c.Quiet = defaultQuiet
	}
	if c.MaxLatency == 0 {
		c.MaxLatency = max(defaultMaxLatency, 20*c.Quiet)
	}
	if c.Mode == "" {
		c.Mode = ModeAuto
	}
	if c.PollInterval == 0 {
		c.PollInterval = defaultPollInterval
	}
	if c.Rescan == 0 {
		c.Rescan = defaultRescan
	}
	return c
}
