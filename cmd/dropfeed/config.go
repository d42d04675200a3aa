package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
	_ "time/tzdata" // time zones do not depend on the host

	"github.com/dropfeed/dropfeed/content"
	"github.com/dropfeed/dropfeed/content/catalog"
	"github.com/dropfeed/dropfeed/feed"
	"github.com/dropfeed/dropfeed/feed/bucket"
	"github.com/dropfeed/dropfeed/feed/httpd"
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
	RobotsTxt   *bool         `yaml:"robots_txt"`   // nil means true
	Sections    []string      `yaml:"sections"`
	Retain      time.Duration `yaml:"retain"`
	// Archives keeps older articles in RFC 5005 archive documents linked
	// from each feed; nil means true. MaxFeedBytes is the budget of each
	// feed document with archives (0: feed.DefaultMaxFeedBytes).
	Archives     *bool             `yaml:"archives"`
	MaxFeedBytes int               `yaml:"max_feed_bytes"`
	Icon         string            `yaml:"icon"`
	Logo         string            `yaml:"logo"`
	Hub          string            `yaml:"hub"`
	Aliases      map[string]string `yaml:"aliases"` // nil means DefaultAliases; {} means none
	// Publish is the bucket the static output is kept in,
	// "s3://BUCKET[/PREFIX]"; "" means none.
	Publish string `yaml:"publish"`
	// PublishMaxDelete is the largest share, in percent of the objects
	// published, one publish may delete (1 to 100; 100 means no limit).
	PublishMaxDelete int `yaml:"publish_max_delete"`

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
		MaxConnections:   httpd.DefaultMaxConnections,
		TimeZone:         "UTC",
		PublishMaxDelete: 50,
	}
}

// common holds the flags every command shares.
type common struct {
	config, content, out, baseURL, state string
	publish                              string // build and serve only
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

// registerPublish adds -publish, for the commands that publish.
func (c *common) registerPublish(fs *flag.FlagSet) {
	fs.StringVar(&c.publish, "publish", "", "also keep the static output in a bucket, `s3://BUCKET[/PREFIX]` (endpoint and key from AWS_* variables)")
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
		case "publish":
			cfg.Publish = c.publish
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
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return fmt.Errorf("%w: time_zone: %v", errConfig, err)
	}
	c.loc = loc
	// The site's own checks (base_url, max_items, retain, hub, sections,
	// aliases); serve may run without a base URL.
	site := c.site(cmp.Or(c.BaseURL, "http://localhost/"))
	if err := site.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errConfig, strings.TrimPrefix(err.Error(), feed.ErrInvalidSite.Error()+": "))
	}
	if c.Content == "" {
		return fmt.Errorf("%w: content: empty", errConfig)
	}
	if o := c.contentOptions(c.BaseURL); o.Validate() != nil {
		return fmt.Errorf("%w: %v", errConfig, o.Validate())
	}
	if within(c.Content, c.Out) {
		return fmt.Errorf("%w: the output folder %s is inside the content folder %s", errConfig, c.Out, c.Content)
	}
	for name, dir := range map[string]string{"content": c.Content, "out": c.Out} {
		if within(dir, c.State) {
			return fmt.Errorf("%w: state: %s lies inside the %s folder %s; set -state (or state:) elsewhere", errConfig, c.State, name, dir)
		}
	}
	if c.MaxConnections < 1 {
		return fmt.Errorf("%w: max_connections: %d is less than 1", errConfig, c.MaxConnections)
	}
	if c.Publish != "" {
		if _, _, err := bucket.ParseTarget(c.Publish); err != nil {
			return fmt.Errorf("%w: publish: %v", errConfig, err)
		}
	}
	if c.PublishMaxDelete < 1 || c.PublishMaxDelete > 100 {
		return fmt.Errorf("%w: publish_max_delete: %d is not a percentage from 1 to 100", errConfig, c.PublishMaxDelete)
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
		aliases = feed.DefaultAliases()
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
		NoRobots:     c.RobotsTxt != nil && !*c.RobotsTxt,
		MaxFeedBytes: c.MaxFeedBytes,
		Sections:     c.Sections,
		Icon:         c.Icon,
		Logo:         c.Logo,
		Hub:          c.Hub,
		Aliases:      aliases,
	}
}

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
