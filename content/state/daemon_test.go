package state

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
)

// TestDaemonSharesTheFile: while a daemon keeps a state file, writers are
// refused with ErrDaemonRunning (naming its pid), readers read what it
// recorded, a write it cannot make while a reader holds the file is kept and
// made with the next one, and once it stops a writer opens the file again.
func TestDaemonSharesTheFile(t *testing.T) {
	old := saveTimeout
	saveTimeout = 50 * time.Millisecond
	t.Cleanup(func() { saveTimeout = old })

	db := filepath.Join(t.TempDir(), "state.db")
	d, _, err := Open(db, Options{Daemon: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	a := parse(t, "a.txt", undated, t0)
	stamped, err := d.Apply([]*content.Article{a}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Release(); err != nil {
		t.Fatal(err)
	}

	for _, o := range []Options{{}, {Daemon: true}} {
		_, _, err := Open(db, o)
		if !errors.Is(err, ErrDaemonRunning) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) {
			t.Errorf("Open(%+v) while a daemon runs = %v, want ErrDaemonRunning naming pid %d", o, err, os.Getpid())
		}
	}

	r, _, err := Open(db, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("Open(ReadOnly) while a daemon runs: %v", err)
	}
	if got := apply(t, r, t0.Add(time.Hour), parse(t, "a.txt", undated, t0.Add(time.Minute))); got["a.txt"].ID != stamped[0].ID || !got["a.txt"].Published.Equal(stamped[0].Published) {
		t.Errorf("reader stamps a.txt %s %v, the daemon published %s %v", got["a.txt"].ID, got["a.txt"].Published, stamped[0].ID, stamped[0].Published)
	}

	r.Close()

	// A reader that has not released the file holds it: the daemon's write
	// waits, gives up and keeps the record.
	r, _, err = Open(db, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	b := parse(t, "b.txt", "Another one\n\nThe body.\n\nSource: Desk\n", t0.Add(time.Hour))
	if _, err := d.Update(nil, []*content.Article{b}, t0.Add(time.Hour)); !errors.Is(err, ErrLocked) {
		t.Fatalf("daemon Update while a reader holds the file = %v, want ErrLocked", err)
	}
	if _, ok := d.Get("b.txt"); !ok {
		t.Fatal("the record of b.txt is lost from memory after a failed write")
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	c := parse(t, "c.txt", "A third\n\nThe body.\n\nSource: Desk\n", t0.Add(2*time.Hour))
	if _, err := d.Update(nil, []*content.Article{c}, t0.Add(2*time.Hour)); err != nil {
		t.Fatalf("daemon Update after the reader left: %v", err)
	}
	r2, _, err := Open(db, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"a.txt", "b.txt", "c.txt"} {
		if _, ok := r2.Get(p); !ok {
			t.Errorf("a reader after the daemon's next write finds no record of %s", p)
		}
	}
	r2.Close()

	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	w, _, err := Open(db, Options{})
	if err != nil {
		t.Fatalf("Open for writing after the daemon stopped: %v", err)
	}
	if w.Len() != 3 {
		t.Errorf("%d records after the daemon stopped, want 3", w.Len())
	}
	w.Close()
}

// TestApplyBehind: ApplyBehind stamps as Apply does and writes the same
// records on another goroutine; the store's other methods wait for them
// (run under -race); a write that fails (a reader holds the file) is told by
// Wait, once, and made with the next one.
func TestApplyBehind(t *testing.T) {
	old := saveTimeout
	saveTimeout = 50 * time.Millisecond
	t.Cleanup(func() { saveTimeout = old })

	var arts []*content.Article
	for i := range 50 {
		arts = append(arts, parse(t, fmt.Sprintf("a%02d.txt", i), fmt.Sprintf("Title %d\n\nThe body %d.\n\nSource: Desk\n", i, i), t0.Add(time.Duration(i)*time.Minute)))
	}
	dir := t.TempDir()
	ref, _, err := Open(filepath.Join(dir, "sync.db"), Options{Daemon: true})
	if err != nil {
		t.Fatal(err)
	}
	want, err := ref.Apply(arts, t0)
	if err != nil {
		t.Fatal(err)
	}
	ref.Close()

	db := filepath.Join(dir, "behind.db")
	d, _, err := Open(db, Options{Daemon: true})
	if err != nil {
		t.Fatal(err)
	}
	got := d.ApplyBehind(arts, t0)
	for i := range want {
		if got[i].ID != want[i].ID || !got[i].Published.Equal(want[i].Published) || !got[i].Updated.Equal(want[i].Updated) {
			t.Errorf("%s: ApplyBehind stamps %s %v %v, Apply %s %v %v", arts[i].Path, got[i].ID, got[i].Published, got[i].Updated, want[i].ID, want[i].Published, want[i].Updated)
		}
	}
	if n := d.Len(); n != len(arts) { // waits for the writes
		t.Errorf("Len after ApplyBehind = %d, want %d", n, len(arts))
	}
	if err := d.Wait(); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	r, _, err := Open(db, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range arts {
		rec, ok := r.Get(a.Path)
		if !ok {
			t.Errorf("no record of %s on disk once Wait returned", a.Path)
			continue
		}
		if w, _ := ref.Get(a.Path); rec != w {
			t.Errorf("%s on disk: %+v, Apply wrote %+v", a.Path, rec, w)
		}
	}

	// A reader holds the file: the write behind fails, Wait says so once,
	// and the next write makes it.
	more := append(slices.Clone(arts), parse(t, "b.txt", "Another one\n\nThe body.\n\nSource: Desk\n", t0.Add(time.Hour)))
	d.ApplyBehind(more, t0.Add(time.Hour))
	if err := d.Wait(); !errors.Is(err, ErrLocked) {
		t.Errorf("Wait after a write behind a reader's hold = %v, want ErrLocked", err)
	}
	if err := d.Wait(); err != nil {
		t.Errorf("a second Wait = %v, want nil (told once)", err)
	}
	r.Close()
	c := parse(t, "c.txt", "A third\n\nThe body.\n\nSource: Desk\n", t0.Add(2*time.Hour))
	if _, err := d.Update(nil, []*content.Article{c}, t0.Add(2*time.Hour)); err != nil {
		t.Fatalf("Update after the reader left: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	w, _, err := Open(db, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, p := range []string{"a00.txt", "b.txt", "c.txt"} {
		if _, ok := w.Get(p); !ok {
			t.Errorf("no record of %s on disk after the daemon stopped", p)
		}
	}
}
