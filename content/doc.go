// Package content turns article files into [Article] values.
//
// It knows the two article formats dropfeed reads — plain-text news (.txt) and
// Markdown with YAML front matter (.md, .markdown) — and nothing of feeds, HTTP
// or file watching. Files are read only through an [io/fs.FS], so production
// code can confine reads to the content folder with [os.Root] and tests can use
// [testing/fstest.MapFS].
//
// [Load] reads a whole tree; [ParseFile] and [Parse] read one file, for
// incremental rebuilds. [Select] turns every parsed article into the list a feed
// shows: drafts and future articles left out, duplicate ids resolved, newest
// first.
//
// # Errors
//
// A file that cannot be an article yields a [*ParseError] with its path and,
// where known, its line; callers branch on the wrapped sentinels ([ErrNoTitle],
// [ErrEmpty], ...) with [errors.Is]. Loading keeps going past bad files.
// Problems that do not stop a file from being published are [Warning] values on
// the article, each with a code naming its kind. [Lint] finds, on demand, what
// readers will dislike (a very long title, a long first paragraph and no
// summary, images without alt text), at the positions the parsers record.
//
// Package content imports nothing else of dropfeed.
package content
