package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/dropfeed/dropfeed/feed"
	"github.com/dropfeed/dropfeed/feed/httpd"
	"github.com/dropfeed/dropfeed/feed/s3pub"
	"github.com/dropfeed/dropfeed/feed/websub"
)

// publishRetry is the first pause before serve publishes to the bucket
// again after a failure; it doubles up to 8 times that.
const publishRetry = 2 * time.Second

// openPublish returns the publisher to the bucket of cfg.Publish, with the
// endpoint and key read from the environment the way the AWS tools read
// them; nil when there is no target.
func openPublish(cfg *Config) (*s3pub.Publisher, error) {
	if cfg.Publish == "" {
		return nil, nil
	}
	p, err := s3pub.Open(cfg.Publish, os.Getenv, s3pub.Config{MaxAge: cfg.CacheMaxAge, MaxDelete: float64(cfg.PublishMaxDelete) / 100})
	if err != nil {
		return nil, fmt.Errorf("%w: publish: %v", errConfig, err)
	}
	return p, nil
}

// publishOnce publishes b for build and says what it did.
func publishOnce(ctx context.Context, p *s3pub.Publisher, b *feed.Bundle, log *slog.Logger, json bool, stderr io.Writer) error {
	start := time.Now()
	if err := p.Publish(ctx, b); err != nil {
		return err
	}
	st := p.Stats()
	took := time.Since(start).Round(time.Millisecond)
	switch {
	case json:
		log.Info("published", "target", p.String(), "uploaded", st.Uploaded, "deleted", st.Deleted, "objects", st.Recorded, "duration", took)
	case st.Uploaded == 0 && st.Deleted == 0:
		fmt.Fprintf(stderr, "nothing to upload to %s (%d objects unchanged, %s)\n", p, st.Recorded, took)
	default:
		fmt.Fprintf(stderr, "published %d objects to %s, deleted %d, in %s\n", st.Uploaded, p, st.Deleted, took)
	}
	return nil
}

// newBucketOutput returns serve's publisher to the bucket, run beside the
// rebuild loop, retrying with backoff after a failure; it logs and counts
// each publish, and queues the WebSub pings after it; working is called
// around each publish (see httpd.MemLimit.Working).
func newBucketOutput(p *s3pub.Publisher, log *slog.Logger, m *httpd.Metrics, hub *websub.Pinger, working func() func()) *feed.Background {
	report := func(r feed.Report) {
		st := p.Stats()
		m.Published(st.Uploaded, st.Deleted, r.Err != nil)
		switch {
		case r.Cut:
			log.Warn("publish to the bucket not finished at the stop; the next start completes it", "target", p.String(), "generation", r.Generation, "duration", r.Duration.Round(time.Millisecond))
			return
		case r.Err != nil:
			log.Error("publish to the bucket; it keeps what it had, trying again", "target", p.String(), "generation", r.Generation, "err", r.Err)
			return
		}
		log.Info("published", "target", p.String(), "generation", r.Generation, "uploaded", st.Uploaded, "deleted", st.Deleted,
			"objects", st.Recorded, "duration", r.Duration.Round(time.Millisecond))
	}
	return feed.NewBackground(websub.After(p, hub), feed.BackgroundConfig{Retry: publishRetry, Report: report, Working: working})
}
