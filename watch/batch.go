package watch

import (
	"slices"
	"time"
)

// Batch is one debounced set of changes.
//
// Paths are slash-separated, relative to the root, sorted and deduplicated.
// They are hints: the consumer lstats each one and reconciles. A path may be
// a file (created, written, chmodded, renamed or removed), a directory whose
// whole subtree must be rescanned, or a name that is gone, in which case
// everything the consumer knows at or under it is gone too.
type Batch struct {
	// Paths lists the changed paths. It is nil when Rescan is set.
	Paths []string
	// Rescan asks the consumer to rescan the whole tree: at startup, after
	// an event queue overflow, when the root comes back or is replaced,
	// after a failed watch, for a batch of more than a thousand paths, on
	// the periodic safety rescan and on every poll tick.
	Rescan bool
}

// maxBatchPaths is the size past which a batch becomes a full rescan, which
// costs the consumer about the same and bounds memory (docs/watching.md R2).
const maxBatchPaths = 1000

// pathSet is a set of changed paths, or a full rescan.
type pathSet struct {
	paths  map[string]struct{}
	rescan bool
}

func (s *pathSet) empty() bool { return !s.rescan && len(s.paths) == 0 }

func (s *pathSet) add(rel string) {
	if s.rescan {
		return
	}
	if s.paths == nil {
		s.paths = make(map[string]struct{})
	}
	s.paths[rel] = struct{}{}
	if len(s.paths) > maxBatchPaths {
		s.setRescan()
	}
}

func (s *pathSet) setRescan() {
	s.rescan = true
	s.paths = nil
}

func (s *pathSet) has(rel string) bool {
	_, ok := s.paths[rel]
	return ok
}

// merge adds every change in o to s.
func (s *pathSet) merge(o *pathSet) {
	if o.rescan {
		s.setRescan()
		return
	}
	for p := range o.paths {
		s.add(p)
	}
}

func (s *pathSet) batch() Batch {
	if s.rescan {
		return Batch{Rescan: true}
	}
	paths := make([]string, 0, len(s.paths))
	for p := range s.paths {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return Batch{Paths: paths}
}

// batcher debounces changes. Changes go into a pending set; when the
// pending set has been quiet long enough, or its first change is old
// enough, flush moves it into the ready set, which waits for the consumer.
// A batcher belongs to one goroutine and takes the time as an argument.
type batcher struct {
	quiet, maxLatency time.Duration

	pending     pathSet
	first, last time.Time // of the pending set's changes

	ready pathSet
	next  Batch // ready as a Batch, built by flush
}

// add records a change to rel at now. It reports whether the pending set
// was empty, so the caller must arm its timer for [batcher.due].
func (b *batcher) add(rel string, now time.Time) (started bool) {
	started = b.touch(now)
	b.pending.add(rel)
	return started
}

// rescan records that the whole tree must be rescanned. It reports whether
// the pending set was empty, like add. A rescan is not activity on the
// tree, so unlike add it does not extend the quiet window of a pending set.
func (b *batcher) rescan(now time.Time) (started bool) {
	if b.pending.empty() {
		started = b.touch(now)
	}
	b.pending.setRescan()
	return started
}

// touch records an event at now without a path, extending the quiet window.
func (b *batcher) touch(now time.Time) (started bool) {
	if b.pending.empty() {
		b.first = now
		started = true
	}
	b.last = now
	return started
}

// pendingHas reports whether rel is already in the pending set.
func (b *batcher) pendingHas(rel string) bool { return b.pending.has(rel) }

// hasPending reports whether anything waits for the quiet window.
func (b *batcher) hasPending() bool { return !b.pending.empty() }

// due returns when the pending set must be flushed.
func (b *batcher) due() time.Time {
	quiet, capped := b.last.Add(b.quiet), b.first.Add(b.maxLatency)
	if capped.Before(quiet) {
		return capped
	}
	return quiet
}

// flush moves the pending set into the ready set.
func (b *batcher) flush() {
	if b.pending.empty() {
		return
	}
	if b.ready.empty() {
		b.ready, b.pending = b.pending, pathSet{}
	} else {
		b.ready.merge(&b.pending)
		b.pending = pathSet{}
	}
	b.next = b.ready.batch()
}

// hasReady reports whether a batch waits for the consumer.
func (b *batcher) hasReady() bool { return !b.ready.empty() }

// sent forgets the ready batch after the consumer took it.
func (b *batcher) sent() {
	b.ready = pathSet{}
	b.next = Batch{}
}

// drop forgets every change, pending or ready.
func (b *batcher) drop() {
	b.pending, b.ready, b.next = pathSet{}, pathSet{}, Batch{}
}
