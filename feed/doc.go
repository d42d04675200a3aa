// Package feed turns articles into an immutable [Bundle] of RSS 2.0, Atom 1.0
// and JSON Feed 1.1 feeds plus HTML pages, and publishes bundles to outputs
// ([Output]): an [http.Handler] over the current bundle ([Server]) and a
// folder of static files ([Publisher] over a [DirStore], or [WriteDir] once),
// each run beside the rebuild loop if need be ([Background]). A [Publisher]
// writes only what changed ([Bundle.DeltaSince]) into any [Store], in an
// order that keeps every link resolving.
//
// It takes the []*content.Article that [content.Select] returns and a [Site];
// feeds and the index page are built eagerly as bytes, each with its content
// type, a strong ETag and a gzip copy; article pages are rendered on demand
// with a bounded cache, so memory does not grow with the number of articles.
//
// Package feed is the only user of github.com/gorilla/feeds. It builds the
// library's spec structs and wraps them in types of its own that fill the
// gaps the specifications and strict validators care about: the RSS
// atom:link rel="self", dc:creator for name-only authors, guid isPermaLink,
// categories; Atom self and alternate links, published, categories with term;
// JSON Feed feed_url, "items": [] and 1.1 key names.
//
// Output is byte-for-byte deterministic: the same articles and site give the
// same bytes. No time in the output comes from the clock; only the HTTP
// Last-Modified of a file ([File].ModTime) does, since it says when a
// [Builder] saw the file's bytes change ([Saved] keeps those times across
// restarts, [ReadSaved] and [WriteSaved] in a file).
//
// Package feed imports only content of dropfeed.
package feed
