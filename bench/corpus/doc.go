// Package corpus generates a deterministic corpus of synthetic news articles
// for dropfeed's tests and benchmarks: plain-text articles (.txt) and
// Markdown articles with YAML front matter (.md), with the mix of languages,
// scripts, markup and irregularities that real folders have.
//
// [Generate] makes one article in memory from its index and [Options];
// [Write] writes the first N into a directory and sets their modification
// times. Article i depends only on i and the options other than N, never on
// scheduling, so a corpus of N articles is a prefix of any larger one and the
// output is the same for any number of workers. The package imports only the
// standard library, and nothing imports it but tests, benchmarks and
// cmd/gencorpus.
//
// # Shape
//
// Sizes are 2.1 to 8 KB ([MinSize], [MaxSize]), roughly log-uniform (median
// about 4 KB). About 77% of the articles are in English, the rest in French,
// German, Spanish, Russian, Chinese, Japanese and Arabic. Text has &, <, >,
// straight and curly quotes, em dashes, accented names and places in native
// scripts; Markdown has emoji, including ZWJ sequences and flags.
//
// Names are NNNNNN-slug.txt or NNNNNN-slug.md, NNNNNN being the article
// index (so names are unique) and the slug ASCII ("article-LANG" when the
// title has no Latin letters). 55% of the files are in YYYY/MM/ (the
// publication month, UTC), 15% in SECTION/YYYY/ and 30% at the top level.
// Publication dates are spread over the two years before [Options].Now;
// modification times are the publication time plus a lag (mostly minutes,
// sometimes a day, rarely weeks), never after Now.
//
// # Plain text
//
//	Title on the first line
//	Date: 2026-03-04T10:00:00+01:00
//	Author: Name
//	Tags: a, b
//
//	Optional caption. (Photo/AGENCY) or (Photo/AGENCY/Photographer Name)
//
//	CITY, March 4 (AGENCY) — first paragraph ...
//
//	Next paragraph ...
//
//	Source: AGENCY
//
// About 7% of text articles have header lines directly under the title, with
// no blank line between: "Key: value" with the case-insensitive keys Date,
// Updated, Author, Tags, ID, Summary, Image, Link and Draft, in that order,
// each optional (Date in nearly all). The others have no date but their
// modification time. A caption comes in 40%; English first paragraphs have a
// dateline half of the time. "Source:" follows one blank line (or two, 40%).
// Half of the English ones use typographic apostrophes.
//
// # Markdown
//
// Front matter between "---" lines: title; date (RFC 3339 with offsets such
// as Z, +05:45, -09:30, +12:45; 6% with fractional seconds); author (about
// 94%); tags (1-5, a block or a flow list); summary (about 94%; 2.5% of the
// articles have neither author nor summary); image (85%, an https URL);
// draft: true (3%). Strings are plain, single- or double-quoted at random.
// The body has *em*, **strong** and _em_ sentences, links whose URLs have &
// and #, ## and ### headings (some with a raw <i>), lists (40%), fenced code
// containing <, & and " (about a quarter of the English ones), a blockquote
// (15%) and an image (10%). 5% have a relative link such as ../other/ and a
// relative image such as img/pic.png (40% of those a relative front matter
// image too).
//
// A few articles are dated after Now, to test that they are held back: 1.2%
// of the Markdown ones and 6% of the text ones with a Date line. Their
// modification time is before Now.
//
// # Quirks
//
// With [Options].Quirks: text has CRLF line ends (2%), a UTF-8 byte order mark
// (1%), "Source:" right after the last paragraph (3%) and no final newline
// (30%); Markdown has CRLF (1%), a byte order mark (0.5%) and no final
// newline (3%).
package corpus
