package catalog_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/content"
	"github.com/dropfeed/dropfeed/content/catalog"
	"github.com/dropfeed/dropfeed/content/state"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// site is a content folder and a catalog over it, with a clock the test moves.
type site struct {
	t     *testing.T
	dir   string
	state string
	now   time.Time
	cat   *catalog.Catalog
}

func newSite(t *testing.T, files map[string]string) *site {
	t.Helper()
	s := &site{t: t, dir: filepath.Join(t.TempDir(), "content"), state: filepath.Join(t.TempDir(), "state.db"), now: t0}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for p, text := range files {
		s.write(p, text)
	}
	return s
}

func (s *site) config(mode catalog.Mode) catalog.Config {
	opts := content.DefaultOptions()
	opts.IDAuthority = "news.example.test"
	return catalog.Config{Dir: s.dir, Options: opts, State: s.state, Mode: mode, Now: func() time.Time { return s.now }}
}

func (s *site) open(mode catalog.Mode) *catalog.Catalog {
	s.t.Helper()
	c, err := catalog.Open(s.t.Context(), s.config(mode))
	if err != nil {
		s.t.Fatalf("Open: %v", err)
	}
	s.t.Cleanup(func() { c.Close() })
	s.cat = c
	return c
}

func (s *site) write(p, text string) {
	s.t.Helper()
	full := filepath.Join(s.dir, filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(text), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

func (s *site) remove(p string) {
	s.t.Helper()
	if err := os.Remove(filepath.Join(s.dir, filepath.FromSlash(p))); err != nil {
		s.t.Fatal(err)
	}
}

func (s *site) rescan() catalog.Delta {
	s.t.Helper()
	d, err := s.cat.Rescan(s.t.Context())
	if err != nil {
		s.t.Fatalf("Rescan: %v", err)
	}
	return d
}

func (s *site) update(paths ...string) catalog.Delta {
	s.t.Helper()
	d, err := s.cat.Update(s.t.Context(), paths)
	if err != nil {
		s.t.Fatalf("Update(%q): %v", paths, err)
	}
	return d
}

func paths(arts []*content.Article) []string {
	var out []string
	for _, a := range arts {
		out = append(out, a.Path)
	}
	return out
}

func md(title, date string) string {
	return "---\ntitle: " + title + "\ndate: " + date + "\n---\nBody of " + title + ".\n"
}

// TestCatalogDelta: the first update publishes every article; later ones
// say what entered and left, with the errors and warnings they found.
func TestCatalogDelta(t *testing.T) {
	s := newSite(t, map[string]string{
		"a.md":     md("A", "2026-01-01T00:00:00Z"),
		"b.md":     md("B", "2026-01-02T00:00:00Z"),
		"bad.md":   "---\ntitle: [unclosed\n",
		"note.txt": "Undated\n\nText.\n\nSource: Desk\n",
	})
	// Undated: published when first seen, its modification time.
	if err := os.Chtimes(filepath.Join(s.dir, "note.txt"), t0.Add(-time.Hour), t0.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	s.open(catalog.Batch)
	d := s.rescan()
	if entered := paths(d.Entered); !d.First || !slices.Equal(slices.Sorted(slices.Values(entered)), []string{"a.md", "b.md", "note.txt"}) {
		t.Errorf("first Rescan: First %t, entered %q; want every article", d.First, entered)
	}
	if len(d.Errors) != 1 || !strings.Contains(d.Errors[0].Error(), "bad.md") {
		t.Errorf("first Rescan errors = %v, want bad.md", d.Errors)
	}
	if !slices.ContainsFunc(d.Warnings, func(w content.Warning) bool { return w.Path == "note.txt" }) {
		t.Errorf("first Rescan warnings = %v, want note.txt's missing date", d.Warnings)
	}

	s.write("c.md", md("C", "2026-01-03T00:00:00Z"))
	s.remove("a.md")
	d = s.update("c.md", "a.md")
	if d.First || !slices.Equal(d.Added, []string{"c.md"}) || !slices.Equal(d.Removed, []string{"a.md"}) ||
		!slices.Equal(paths(d.Entered), []string{"c.md"}) || !slices.Equal(paths(d.Left), []string{"a.md"}) {
		t.Errorf("Update: %+v", d)
	}
	if got := paths(s.cat.Visible()); !slices.Equal(got, []string{"note.txt", "c.md", "b.md"}) {
		t.Errorf("Visible() = %q", got)
	}
	if d := s.update(); !d.Empty() {
		t.Errorf("Update() with nothing changed = %+v, want empty", d)
	}
}

// TestCatalogSchedule: an article dated ahead is not visible until its
// time; NextDue says when, and an update at that time shows it.
func TestCatalogSchedule(t *testing.T) {
	s := newSite(t, map[string]string{"now.md": md("Now", "2026-01-01T00:00:00Z"), "later.md": md("Later", "2026-03-01T13:00:00Z")})
	s.open(catalog.Batch)
	s.rescan()
	at, ok := s.cat.NextDue()
	if !ok || !at.Equal(t0.Add(time.Hour)) {
		t.Fatalf("NextDue() = %v, %t, want %v", at, ok, t0.Add(time.Hour))
	}
	s.now = at
	if d := s.update(); !slices.Equal(paths(d.Entered), []string{"later.md"}) {
		t.Errorf("Update() at the due time entered %q, want later.md", paths(d.Entered))
	}
}

// TestCatalogFolderMissing: a daemon's catalog waits for a missing folder
// (its updates say so) and reads it when it appears; a batch one fails.
func TestCatalogFolderMissing(t *testing.T) {
	s := newSite(t, nil)
	if err := os.Remove(s.dir); err != nil {
		t.Fatal(err)
	}
	if _, err := catalog.Open(t.Context(), s.config(catalog.Batch)); !errors.Is(err, content.ErrFolderMissing) {
		t.Errorf("Open(Batch) of a missing folder = %v, want ErrFolderMissing", err)
	}
	s.open(catalog.Daemon)
	if _, err := s.cat.Rescan(t.Context()); !errors.Is(err, content.ErrFolderMissing) {
		t.Errorf("Rescan of a missing folder = %v, want ErrFolderMissing", err)
	}
	s.write("a.md", md("A", "2026-01-01T00:00:00Z"))
	if d := s.rescan(); !slices.Equal(paths(d.Entered), []string{"a.md"}) {
		t.Errorf("Rescan once the folder appeared entered %q", paths(d.Entered))
	}
	if err := os.RemoveAll(s.dir); err != nil {
		t.Fatal(err)
	}
	if _, err := s.cat.Update(t.Context(), []string{"a.md"}); !errors.Is(err, content.ErrFolderMissing) {
		t.Errorf("Update with the folder gone = %v, want ErrFolderMissing", err)
	}
	if got := paths(s.cat.Visible()); !slices.Equal(got, []string{"a.md"}) {
		t.Errorf("Visible() with the folder gone = %q, want the last articles kept", got)
	}
}

// TestCatalogSnapshot: while a daemon keeps the state, a batch catalog
// reads a snapshot of it — the ids and dates the daemon publishes — and
// says so; a read-only one reads it too.
func TestCatalogSnapshot(t *testing.T) {
	s := newSite(t, map[string]string{"u.txt": "Undated\n\nText.\n\nSource: Desk\n"})
	daemon := s.open(catalog.Daemon)
	s.rescan()
	published, _ := daemon.Article("u.txt")
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(s.dir, "u.txt"), later, later); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []catalog.Mode{catalog.Batch, catalog.ReadOnly} {
		b := s.open(mode)
		d := s.rescan()
		got, _ := b.Article("u.txt")
		if !got.Published.Equal(published.Published) || got.ID != published.ID {
			t.Errorf("mode %d: u.txt published %v as %s, the daemon %v as %s", mode, got.Published, got.ID, published.Published, published.ID)
		}
		if mode == catalog.Batch && (!b.Snapshot() || !slices.ContainsFunc(d.Warnings, func(w content.Warning) bool {
			return strings.Contains(w.Msg, "kept by a running dropfeed serve")
		})) {
			t.Errorf("a batch catalog beside a daemon: Snapshot %t, warnings %v", b.Snapshot(), d.Warnings)
		}
		b.Close()
	}
}

// TestCatalogMedia: a media file an article references that appears,
// changes or goes makes a new version of the article (another MediaStamp),
// reported as changed; a rescan sees changes no event told of, and a new
// catalog (a restart) sees those made while none ran.
func TestCatalogMedia(t *testing.T) {
	s := newSite(t, map[string]string{
		"news/a.md": "---\ntitle: A\ndate: 2026-01-01T00:00:00Z\nimage: pic.png\n---\nText.\n",
		"news/b.md": md("B", "2026-01-02T00:00:00Z"),
	})
	s.open(catalog.Daemon)
	s.rescan()
	stamp := func() uint64 {
		a, _ := s.cat.Article("news/a.md")
		return a.MediaStamp
	}
	if stamp() != 0 {
		t.Fatalf("MediaStamp with pic.png missing = %x, want 0", stamp())
	}
	changedA := func(what string, d catalog.Delta) {
		t.Helper()
		if !slices.Equal(d.Changed, []string{"news/a.md"}) || !slices.Equal(paths(d.Entered), []string{"news/a.md"}) || !slices.Equal(paths(d.Left), []string{"news/a.md"}) {
			t.Errorf("%s: changed %q, entered %q, left %q; want news/a.md in each", what, d.Changed, paths(d.Entered), paths(d.Left))
		}
	}
	s.write("news/pic.png", "png")
	changedA("pic.png appeared", s.update("news/pic.png"))
	first := stamp()
	if first == 0 {
		t.Fatal("MediaStamp is 0 with pic.png there")
	}
	if d := s.update("news/pic.png"); !d.Empty() {
		t.Errorf("pic.png reported again unchanged: %+v, want no change", d)
	}
	s.write("news/pic.png", "a larger png")
	changedA("pic.png changed", s.update("news"))
	if stamp() == first || stamp() == 0 {
		t.Errorf("MediaStamp after pic.png changed = %x (before %x)", stamp(), first)
	}
	s.write("news/pic.png", "png again")
	changedA("pic.png changed, seen by a rescan", s.rescan())
	second := stamp()

	// A restart over the same files stamps the same; one after the image
	// changed while no catalog ran stamps anew.
	s.cat.Close()
	s.open(catalog.Daemon)
	s.rescan()
	if got := stamp(); got != second {
		t.Errorf("MediaStamp after a restart = %x, want %x (the same file as before)", got, second)
	}
	s.cat.Close()
	s.write("news/pic.png", "changed while stopped")
	s.open(catalog.Daemon)
	s.rescan()
	if got := stamp(); got == 0 || got == second {
		t.Errorf("MediaStamp after a restart with pic.png changed = %x (before %x)", got, second)
	}

	s.remove("news/pic.png")
	changedA("pic.png removed", s.update("news/pic.png"))
	if stamp() != 0 {
		t.Errorf("MediaStamp after pic.png was removed = %x, want 0", stamp())
	}
}

// TestCatalogIgnored: a watcher may skip what is neither an article nor a
// media file, and what the ignore patterns in force name; Reconfigure
// changes the patterns it answers with.
func TestCatalogIgnored(t *testing.T) {
	s := newSite(t, nil)
	cfg := s.config(catalog.Daemon)
	cfg.Options.Ignore = []string{"drafts/*"}
	c, err := catalog.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	check := func(when string, want map[string]bool) {
		t.Helper()
		for rel, ignored := range want {
			if got := c.Ignored(rel, false); got != ignored {
				t.Errorf("%s: Ignored(%q) = %v, want %v", when, rel, got, ignored)
			}
		}
	}
	check("with drafts/* ignored", map[string]bool{"a.md": false, "news/b.txt": false, "img/photo.jpg": false,
		"notes.xyz": true, "drafts/c.md": true, ".hidden.md": true})
	opts := cfg.Options
	opts.Ignore = nil
	c.Reconfigure(opts)
	check("with no patterns", map[string]bool{"drafts/c.md": false, "notes.xyz": true})
}

// TestCatalogStartListing: Open lists the folder while it reads the state;
// the first update publishes what that listing found, a reconfigured
// catalog lists again with its new options, and a catalog closed before
// its first update lets the listing go.
func TestCatalogStartListing(t *testing.T) {
	s := newSite(t, map[string]string{
		"a.md":        md("A", "2026-01-01T00:00:00Z"),
		"drafts/b.md": md("B", "2026-01-02T00:00:00Z"),
	})
	s.open(catalog.Daemon)
	s.rescan()
	if err := s.cat.Close(); err != nil {
		t.Fatal(err)
	}

	c := s.open(catalog.Daemon) // warm: the state holds both articles
	opts := s.config(catalog.Daemon).Options
	opts.Ignore = []string{"drafts"}
	c.Reconfigure(opts)
	d := s.rescan()
	if got := paths(d.Entered); !slices.Equal(got, []string{"a.md"}) {
		t.Errorf("first update after Reconfigure: entered %q, want only a.md (drafts/ ignored)", got)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	c = s.open(catalog.Daemon)
	if err := c.Close(); err != nil {
		t.Fatalf("Close before the first update: %v", err)
	}
	s.open(catalog.Daemon)
	if got := paths(s.rescan().Entered); !slices.Equal(slices.Sorted(slices.Values(got)), []string{"a.md", "drafts/b.md"}) {
		t.Errorf("warm start: entered %q, want both articles", got)
	}
}

// TestCatalogSeedBehind: Open returns while the index is seeded from the
// state's parse cache; what reads the articles waits for that seeding: the
// files are counted from the cache before any update, and a warm start's
// first update parses nothing again.
func TestCatalogSeedBehind(t *testing.T) {
	files := map[string]string{}
	for i := range 200 {
		files[fmt.Sprintf("d%d/a%03d.md", i%4, i)] = md(fmt.Sprintf("A %d", i), "2026-01-01T00:00:00Z")
	}
	s := newSite(t, files)
	s.open(catalog.Daemon)
	s.rescan()
	if err := s.cat.Close(); err != nil {
		t.Fatal(err)
	}
	reads := 0
	cfg := s.config(catalog.Daemon)
	cfg.OnRead = func(done, total int) { reads = done }
	c, err := catalog.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if n := c.Files(); n != len(files) {
		t.Errorf("Files() right after a warm Open: %d, want the %d the parse cache holds", n, len(files))
	}
	d, err := c.Rescan(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Entered) != len(files) || reads != 0 {
		t.Errorf("warm start: %d entered, %d files read; want %d entered and none read", len(d.Entered), reads, len(files))
	}
}

// TestCatalogOnOpen: OnOpen is called once Open holds the state file, so a
// second daemon's Open fails before calling it, and a catalog without a state
// file never calls it.
func TestCatalogOnOpen(t *testing.T) {
	s := newSite(t, map[string]string{"a.txt": "A\n\nText.\n\nSource: Desk\n"})
	calls := 0
	cfg := s.config(catalog.Daemon)
	cfg.OnOpen = func() { calls++ }
	first, err := catalog.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if calls != 1 {
		t.Fatalf("OnOpen called %d times by the first daemon's Open, want 1", calls)
	}
	if second, err := catalog.Open(t.Context(), cfg); err == nil {
		second.Close()
		t.Fatal("a second daemon opened the state file the first keeps")
	}
	if calls != 1 {
		t.Errorf("OnOpen called by a daemon that could not keep the state file (%d calls)", calls)
	}
	cfg.State = ""
	none, err := catalog.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	none.Close()
	if calls != 1 {
		t.Errorf("OnOpen called without a state file (%d calls)", calls)
	}
}

// TestCatalogFlush: the first update of a daemon or a batch writes its
// records beside what follows; once Flush returns (with no warning) they are
// on disk (a batch's once it lets the file go), where a reader of the state
// file finds every one, with the ids published.
func TestCatalogFlush(t *testing.T) {
	files := map[string]string{}
	for i := range 20 {
		files[fmt.Sprintf("a%02d.txt", i)] = fmt.Sprintf("Title %d\n\nText %d.\n\nSource: Desk\n", i, i)
	}
	for name, mode := range map[string]catalog.Mode{"daemon": catalog.Daemon, "batch": catalog.Batch} {
		t.Run(name, func(t *testing.T) {
			s := newSite(t, files)
			c := s.open(mode)
			s.rescan()
			if ws := c.Flush(); len(ws) > 0 {
				t.Fatalf("Flush after the first update: %v", ws)
			}
			arts := c.Articles()
			if mode == catalog.Batch {
				// A batch holds the file until it is done.
				if err := c.Close(); err != nil {
					t.Fatal(err)
				}
			}
			r, _, err := state.Open(s.state, state.Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			for _, a := range arts {
				rec, ok := r.Get(a.Path)
				if !ok || rec.ID != a.ID {
					t.Errorf("%s: on disk %+v (found %t), published with id %s", a.Path, rec, ok, a.ID)
				}
			}
			if r.Len() != len(files) {
				t.Errorf("%d records on disk, want %d", r.Len(), len(files))
			}
		})
	}
}
