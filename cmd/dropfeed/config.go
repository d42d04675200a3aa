package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
	_ "time/tzdata" // time zones do not depend on the host

	"github.com/dropfeed/dropfeed/content"
	"github.com/dropfeed/dropfeed/content/catalog"
	"github.com/dropfeed/dropfeed/feed"
	yaml "go.yaml.in/yaml/v3"
)

// ConfigFileName is the config file looked for in the working directory.
const ConfigFileName = "dropfeed.yaml"

// errConfig is wrapped by every configuration error.
var errConfig = errors.New("invalid config")

// Config is the program's configuration: the config file's keys, overridden
// by flags. Relative paths in the file are relative to the file's folder.
type Config struct {
	Title       string        `yaml:"title"`
	Description string        `yaml:"description"`
	BaseURL     string        `yaml:"base_url"`
	Author      string        `yaml:"author"`
	Language    string        `yaml:"language"`
	TimeZone    string        `yaml:"time_zone"`
	MaxItems    int           `yaml:"max_items"`
	IDAuthority string        `yaml:"id_authority"`
	IDDate      string        `yaml:"id_date"`
	Ignore      []string      `yaml:"ignore"`
	Content     string        `yaml:"content"`
	Out         string        `yaml:"out"`
	UnsafeHTML  bool          `yaml:"unsafe_html"`
	Addr        string        `yaml:"addr"`
	CacheMaxAge time.Duration `yaml:"cache_max_age"`
	Quiet       time.Duration `yaml:"quiet"`
	MaxSize     int64         `yaml:"max_file_size"`
	// MaxMarkdownSize bounds a Markdown body (0: content.DefaultMaxMarkdownSize).
	MaxMarkdownSize int64 `yaml:"max_markdown_size"`
	// MaxConnections caps serve's open connections (DefaultMaxConnections).
	MaxConnections int    `yaml:"max_connections"`
	State          string `yaml:"state"`
	// Publishing options.
	FullContent *bool         `yaml:"full_content"` // nil means true
	TagFeeds    *bool         `yaml:"tag_feeds"`    // nil means true
	Sections    []string      `yaml:"sections"`
	Retain      time.Duration `yaml:"retain"`
	// Archives keeps older articles in RFC 5005 archive documents linked
	// from each feed; nil means true. MaxFeedBytes is the budget of each
	// feed document (0: feed.DefaultMaxFeedBytes).
	Archives     *bool             `yaml:"archives"`
	MaxFeedBytes int               `yaml:"max_feed_bytes"`
	Icon         string            `yaml:"icon"`
	Logo         string            `yaml:"logo"`
	Hub          string            `yaml:"hub"`
	Aliases      map[string]string `yaml:"aliases"` // nil means DefaultAliases; {} means none

	file string         // the config file read, "" when none
	loc  *time.Location // from TimeZone
}

// DefaultConfig returns the configuration used when nothing is set.
func DefaultConfig() Config {
	return Config{
		MaxItems:    feed.DefaultMaxItems,
		IDDate:      content.DefaultIDDate,
		Content:     "content",
		Addr:        "127.0.0.1:8080",
		CacheMaxAge: feed.DefaultMaxAge,
		Quiet:       50 * time.Millisecond,
		MaxSize:     content.DefaultMaxSize,
		// MaxMarkdownSize stays 0: content applies its default.
		MaxConnections: DefaultMaxConnections,
		TimeZone:       "UTC",
	}
}

// DefaultAliases are the old feed URLs other tools use, redirected (301) to
// dropfeed's feeds: Hugo's index.xml, jekyll-feed's feed.xml (Atom),
// WordPress's feed/ and feed/atom/.
func DefaultAliases() map[string]string {
	return map[string]string{
		"index.xml":  feed.RSSName,
		"feed.xml":   feed.AtomName,
		"feed/":      feed.RSSName,
		"feed/atom/": feed.AtomName,
	}
}

// common holds the flags every command shares.
type common struct {
	config, content, out, baseURL, state string
	maxItems                             int
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.config, "config", "", "config `file` (default: "+ConfigFileName+" in the working directory, if present)")
	fs.StringVar(&c.content, "content", "", "content `folder` (default: content, beside the config file)")
	fs.StringVar(&c.out, "out", "", "output `folder` for static files")
	fs.StringVar(&c.baseURL, "base-url", "", "public base `URL` of the site, e.g. https://news.example.com/")
	fs.IntVar(&c.maxItems, "max-items", 0, "items in each feed; 0 means all (default 20)")
	fs.StringVar(&c.state, "state", "", "state `file` that keeps ids and dates stable (default: .dropfeed/state.db beside the config file)")
}

// loadConfig reads the config file (named, or dropfeed.yaml in the working
// directory if present) and applies the flags that were set, on the command
// line or by their DROPFEED_* environment variables (see [applyEnv]): every
// flag of fset, not only the common ones, takes its variable here.
func loadConfig(fset *flag.FlagSet, c *common) (*Config, error) {
	if err := applyEnv(fset, os.LookupEnv); err != nil {
		return nil, err
	}
	cfg := DefaultConfig()
	file := c.config
	if file == "" {
		if _, err := os.Stat(ConfigFileName); err == nil {
			file = ConfigFileName
		}
	}
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read config: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: %s: %v", errConfig, file, strings.TrimPrefix(err.Error(), "yaml: "))
		}
		abs, err := filepath.Abs(file)
		if err != nil {
			return nil, fmt.Errorf("read config: %w", err)
		}
		cfg.file = abs
		dir := filepath.Dir(abs)
		for _, p := range []*string{&cfg.Content, &cfg.Out, &cfg.State} {
			if *p != "" && !filepath.IsAbs(*p) {
				*p = filepath.Join(dir, *p)
			}
		}
	}
	fset.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "content":
			cfg.Content = c.content
		case "out":
			cfg.Out = c.out
		case "base-url":
			cfg.BaseURL = c.baseURL
		case "max-items":
			cfg.MaxItems = c.maxItems
		case "state":
			cfg.State = c.state
		}
	})
	if cfg.State == "" {
		dir := "."
		if cfg.file != "" {
			dir = filepath.Dir(cfg.file)
		}
		cfg.State = catalog.DefaultState(dir)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// Validate checks the fields and resolves the time zone.
func (c *Config) Validate() error {
	if c.MaxItems < 0 {
		return fmt.Errorf("%w: max_items: %d is negative", errConfig, c.MaxItems)
	}
	if c.MaxFeedBytes < 0 {
		return fmt.Errorf("%w: max_feed_bytes: %d is negative", errConfig, c.MaxFeedBytes)
	}
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return fmt.Errorf("%w: time_zone: %v", errConfig, err)
	}
	c.loc = loc
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%w: base_url: %q is not an absolute http(s) URL", errConfig, c.BaseURL)
		}
	}
	if c.Content == "" {
		return fmt.Errorf("%w: content: empty", errConfig)
	}
	for _, g := range c.Ignore {
		if _, err := filepath.Match(g, ""); err != nil {
			return fmt.Errorf("%w: ignore: %q: %v", errConfig, g, err)
		}
	}
	if c.IDDate != "" {
		if _, err := time.Parse("2006-01-02", c.IDDate); err != nil {
			if _, err := time.Parse("2006-01", c.IDDate); err != nil {
				if _, err := time.Parse("2006", c.IDDate); err != nil {
					return fmt.Errorf("%w: id_date: %q is not YYYY, YYYY-MM or YYYY-MM-DD", errConfig, c.IDDate)
				}
			}
		}
	}
	for name, dir := range map[string]string{"content": c.Content, "out": c.Out} {
		if within(dir, c.State) {
			return fmt.Errorf("%w: state: %s lies inside the %s folder %s; set -state (or state:) elsewhere", errConfig, c.State, name, dir)
		}
	}
	if c.MaxMarkdownSize < 0 {
		return fmt.Errorf("%w: max_markdown_size: %d is negative", errConfig, c.MaxMarkdownSize)
	}
	if c.MaxConnections < 1 {
		return fmt.Errorf("%w: max_connections: %d is less than 1", errConfig, c.MaxConnections)
	}
	if c.Quiet < 0 || c.CacheMaxAge < 0 {
		return fmt.Errorf("%w: quiet and cache_max_age must not be negative", errConfig)
	}
	return nil
}

// contentOptions returns the options content parsing uses.
func (c *Config) contentOptions(baseURL string) content.Options {
	o := content.DefaultOptions()
	o.Location = c.loc
	o.IDDate = c.IDDate
	o.IDAuthority = c.IDAuthority
	if o.IDAuthority == "" {
		if u, err := url.Parse(baseURL); err == nil {
			o.IDAuthority = u.Hostname()
		}
	}
	o.UnsafeHTML = c.UnsafeHTML
	o.Ignore = c.Ignore
	o.MaxSize = c.MaxSize
	o.MaxMarkdownSize = c.MaxMarkdownSize
	return o
}

// site returns the feed settings for a base URL.
func (c *Config) site(baseURL string) feed.Site {
	title := c.Title
	if title == "" {
		title = filepath.Base(c.Content)
	}
	aliases := c.Aliases
	if aliases == nil {
		aliases = DefaultAliases()
	}
	return feed.Site{
		Title:        title,
		Description:  c.Description,
		BaseURL:      baseURL,
		Author:       c.Author,
		Language:     c.Language,
		MaxItems:     c.MaxItems,
		Retain:       c.Retain,
		SummaryOnly:  c.FullContent != nil && !*c.FullContent,
		NoTagFeeds:   c.TagFeeds != nil && !*c.TagFeeds,
		NoArchives:   c.Archives != nil && !*c.Archives,
		MaxFeedBytes: c.MaxFeedBytes,
		Sections:     c.Sections,
		Icon:         c.Icon,
		Logo:         c.Logo,
		Hub:          c.Hub,
		Aliases:      aliases,
	}
}

// baseURLFor returns the base URL serve uses: the configured one, else
// http://<listen address>/.
func baseURLFor(cfg *Config, addr net.Addr) string {
	if cfg.BaseURL != "" {
		return cfg.BaseURL
	}
	return "http://" + addr.String() + "/"
}

// outInsideContent reports whether out lies inside the content folder.
func outInsideContent(contentDir, out string) bool { return within(contentDir, out) }

// within reports whether path lies inside (or is) dir.
func within(dir, path string) bool {
	if dir == "" || path == "" {
		return false
	}
	c, err1 := filepath.Abs(dir)
	o, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(c, o)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// catalogConfig returns the catalog settings of a command: the content
// folder, its parse options under the base URL, and the state file, whose
// first-seen dates come from git when the folder is in a work tree.
func (c *Config) catalogConfig(ctx context.Context, mode catalog.Mode, baseURL string) catalog.Config {
	return catalog.Config{Dir: c.Content, Options: c.contentOptions(baseURL), State: c.State, Mode: mode}
}
