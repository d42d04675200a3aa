package diag

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
)

// DefaultLimit is how many warnings of one kind build and serve print per
// batch before counting the rest in one line.
const DefaultLimit = 3

// moreHint ends the line that counts the warnings a limit left out.
const moreHint = "more like this; dropfeed check lists them all"

// Reporter prints batches of diagnostics, as text lines or as slog records.
// It is safe for concurrent use; the lines of two batches never interleave.
//
// # Summarizing
//
// With a limit above zero, a batch prints every error but, of the warnings
// of one kind (the same [Diagnostic.Code]), only the first limit; right
// after the last one printed comes one line that counts the rest:
//
//	warning: 997 more like this; dropfeed check lists them all
//
// (as a record: level warn, that message without the number, attributes
// count and code). A warning without a code is a kind of its own and is
// always printed. The counting starts again with each batch: a daemon that
// reports each rebuild as one batch shows the warning of a file dropped
// later, while its first scan of a thousand undated files prints a few
// lines. A limit of zero prints everything, as check does.
type Reporter struct {
	mu    sync.Mutex
	w     io.Writer    // text lines, or
	log   *slog.Logger // records
	limit int
}

// NewText returns a reporter that writes text lines to w, in writes of
// whole lines (so a writer that redraws a progress line between writes, as
// build's does, never splits one). limit is as in [Reporter].
func NewText(w io.Writer, limit int) *Reporter { return &Reporter{w: w, limit: limit} }

// NewLog returns a reporter that writes one record to log per diagnostic:
// level error or warn, the message, and the attributes path, line and
// column (where known) and code. limit is as in [Reporter].
func NewLog(log *slog.Logger, limit int) *Reporter { return &Reporter{log: log, limit: limit} }

// Counts are the errors and warnings of a batch, summarized ones included.
type Counts struct{ Errors, Warnings int }

// Report prints one batch of diagnostics, sorted by path, line and column
// (the site's first), summarizing repeated warnings (see [Reporter]), and
// returns its counts. batch is not modified. After a text writer's error,
// the rest of the batch is not written; the counts are still all of it.
func (r *Reporter) Report(batch []Diagnostic) Counts {
	c, _ := r.report(batch)
	return c
}

// report is Report, returning the text writer's error.
func (r *Reporter) report(batch []Diagnostic) (Counts, error) {
	var c Counts
	for _, d := range batch {
		if d.Severity == Warning {
			c.Warnings++
		} else {
			c.Errors++
		}
	}
	if len(batch) == 0 {
		return c, nil
	}
	ds := make([]Diagnostic, len(batch))
	copy(ds, batch)
	Sort(ds)
	var total map[string]int
	if r.limit > 0 {
		total = make(map[string]int)
		for _, d := range ds {
			if summarized(d) {
				total[d.Code]++
			}
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := printer{r: r}
	shown := make(map[string]int, len(total))
	for _, d := range ds {
		if !summarized(d) || r.limit <= 0 {
			out.print(d)
			continue
		}
		n := shown[d.Code] + 1
		shown[d.Code] = n
		if n > r.limit {
			continue
		}
		out.print(d)
		if n == r.limit && total[d.Code] > n {
			out.more(total[d.Code]-n, d.Code)
		}
	}
	out.flush()
	return c, out.err
}

// summarized reports whether d is a warning a limit applies to.
func summarized(d Diagnostic) bool { return d.Severity == Warning && d.Code != "" }

// printer writes one batch: text lines gathered into writes of whole
// lines, or records.
type printer struct {
	r   *Reporter
	buf strings.Builder
	err error
}

// flushAt is the size above which the gathered lines are written.
const flushAt = 32 << 10

func (p *printer) print(d Diagnostic) {
	if p.r.log != nil {
		p.r.log.LogAttrs(context.Background(), d.Severity.level(), d.Message, d.attrs()...)
		return
	}
	d.appendText(&p.buf)
	p.buf.WriteByte('\n')
	if p.buf.Len() >= flushAt {
		p.flush()
	}
}

func (p *printer) more(n int, code string) {
	if p.r.log != nil {
		p.r.log.LogAttrs(context.Background(), slog.LevelWarn, moreHint, slog.Int("count", n), slog.String("code", code))
		return
	}
	p.buf.WriteString("warning: " + strconv.Itoa(n) + " " + moreHint + "\n")
}

func (p *printer) flush() {
	if p.buf.Len() == 0 || p.r.w == nil {
		return
	}
	if p.err == nil {
		_, p.err = io.WriteString(p.r.w, p.buf.String())
	}
	p.buf.Reset()
}
