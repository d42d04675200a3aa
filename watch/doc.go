// Package watch turns a directory tree into debounced batches of changed
// paths.
//
// A [Watcher] takes a [Config] naming a content folder (the root) and, while
// [Watcher.Run] is running, sends [Batch] values on a channel. A batch lists
// slash-separated paths relative to the root that may have changed, or asks
// the consumer to rescan the whole tree. Paths are hints, never facts: the
// consumer lstats each one and reconciles it with its own index, because
// events are lost, reordered, coalesced and reported under stale names (see
// docs/watching.md). A path in a batch may be a file that was
// created, written, chmodded, renamed or removed; a directory whose whole
// subtree must be rescanned; or a name that no longer exists.
//
// Watch imports nothing of ours. It is the only package that imports
// github.com/fsnotify/fsnotify; besides that it uses only the standard
// library and golang.org/x/sys (statfs).
//
// # Event mode
//
// In event mode the watcher adds an inotify watch (through fsnotify) on every
// directory of the tree that is not ignored, and one on the root's parent, so
// that it notices the root being deleted, renamed or replaced. It never
// follows directory symlinks inside the tree. A new directory is first
// pruned of stale watches, then watched, then listed ("add then scan"), so
// that files created in it before its watch existed are still reported. A
// removed or renamed directory has every watch at or under its path removed,
// so that a tree moved out of the root cannot report changes made outside
// it.
//
// Every path is recorded in a pending set. The set is sent once no event has
// arrived for [Config.Quiet], or once [Config.MaxLatency] has passed since
// its first event, whichever comes first. While the consumer is busy, new
// events keep accumulating into the next batch; nothing blocks the event
// reader and nothing is dropped.
//
// A batch asks for a full rescan ([Batch.Rescan]) when the watcher knows it
// may have missed something: at startup, after a kernel queue overflow, after
// a failed watch, when the root comes back or is replaced, when a batch grows
// past a thousand paths, and periodically ([Config.Rescan]) as a safety net.
// The periodic rescan also renews every watch, so that a watch left stale by
// something no event revealed cannot stay stale.
//
// # Poll mode
//
// Polling is a timer: every [Config.PollInterval] the watcher sends a batch
// with Rescan set, and the consumer's stat-compare of the tree is the poll.
// Mode "auto" picks polling when the root is on a network or FUSE file
// system, where inotify misses remote changes. The watcher also falls back to
// polling, and logs the sysctl to raise, when it runs out of inotify watches
// (fs.inotify.max_user_watches) or instances
// (fs.inotify.max_user_instances).
//
// # Filtering
//
// Hidden paths (any component starting with ".") are never watched or
// reported; that covers version control directories and most editor and
// tool temporary files. Files named like other editor leftovers (vim's
// "4913" probe and ".swp"/".swx" swap files, backups ending in "~", emacs
// "#auto-save#" files and JetBrains "___jb_tmp___"-style names) are not
// reported either. [Config.Ignore] adds the caller's own rules; an ignored
// directory is never watched. These filters apply to the paths in batches
// only: a consumer that rescans the tree must apply the same rules itself.
//
// # The root
//
// A missing root is waited for, both at startup and when it disappears
// later; the watcher logs "root lost" and polls for it every 500ms as well
// as listening on its parent. When it is back, the tree is watched again and
// a Rescan batch is sent. A symlinked root is resolved with
// [path/filepath.EvalSymlinks] and re-resolved on every event about its name
// and on every periodic rescan, so an atomic "ln -sfn" deploy is followed.
// No batch is sent while the root is missing, and the changes not yet sent
// when it went are dropped, so the consumer keeps what it has. The consumer
// should still check that the root exists before it reconciles a batch: the
// events of a slow "rm -rf" of the root can fill batches before the root's
// own removal is seen. A root that cannot be read because of permissions is an error
// from [New] and [Watcher.Run] at startup; later it counts as lost.
package watch
