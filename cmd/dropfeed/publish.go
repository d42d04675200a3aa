package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/dropfeed/dropfeed/feed"
	"github.com/dropfeed/dropfeed/feed/bucket"
	"github.com/dropfeed/dropfeed/feed/s3pub"
	"github.com/prometheus/client_golang/prometheus"
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
	bc, err := bucket.ConfigFromEnv(cfg.Publish, os.Getenv)
	if err != nil {
		return nil, fmt.Errorf("%w: publish: %v", errConfig, err)
	}
	bs, err := bucket.New(bc)
	if err != nil {
		return nil, fmt.Errorf("%w: publish: %v", errConfig, err)
	}
	return s3pub.New(bs, s3pub.Config{MaxAge: cfg.CacheMaxAge, MaxDelete: float64(cfg.PublishMaxDelete) / 100})
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
// each publish, and pings the WebSub hub (hub) after it.
func newBucketOutput(p *s3pub.Publisher, log *slog.Logger, m *metrics, hub *atomic.Pointer[hubPinger]) *feed.Background {
	pm := newPublishMetrics(m)
	report := func(r feed.Report) {
		st := p.Stats()
		pm.record(st, r.Err)
		if r.Err != nil {
			log.Error("publish to the bucket; it keeps what it had, trying again", "target", p.String(), "generation", r.Generation, "err", r.Err)
			return
		}
		log.Info("published", "target", p.String(), "generation", r.Generation, "uploaded", st.Uploaded, "deleted", st.Deleted,
			"objects", st.Recorded, "duration", r.Duration.Round(time.Millisecond))
	}
	return feed.NewBackground(&pingAfter{out: p, hub: hub}, feed.BackgroundConfig{Retry: publishRetry, Report: report})
}

// pingAfter publishes to the bucket, then tells the WebSub hub which feeds
// changed: the hub fetches a feed from its public URL, which the bucket
// serves, so a ping before the upload could have it fetch the old feed.
type pingAfter struct {
	out  feed.Output
	hub  *atomic.Pointer[hubPinger]
	last *feed.Bundle // the last bundle published
}

func (p *pingAfter) Publish(ctx context.Context, b *feed.Bundle) error {
	if err := p.out.Publish(ctx, b); err != nil {
		return err
	}
	p.hub.Load().notify(changedFeeds(p.last, b))
	p.last = b
	return nil
}

// publishMetrics count what serve does to the bucket.
type publishMetrics struct {
	objects  *prometheus.CounterVec
	failures prometheus.Counter
}

func newPublishMetrics(m *metrics) *publishMetrics {
	if m == nil {
		return nil
	}
	pm := &publishMetrics{
		objects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dropfeed_publish_objects_total", Help: "Objects uploaded to or deleted from the bucket, by op (upload, delete).",
		}, []string{"op"}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dropfeed_publish_failures_total", Help: "Publishes to the bucket that failed (each is tried again).",
		}),
	}
	pm.objects.WithLabelValues("upload")
	pm.objects.WithLabelValues("delete")
	m.reg.MustRegister(pm.objects, pm.failures)
	return pm
}

func (pm *publishMetrics) record(st s3pub.Stats, err error) {
	if pm == nil {
		return
	}
	pm.objects.WithLabelValues("upload").Add(float64(st.Uploaded))
	pm.objects.WithLabelValues("delete").Add(float64(st.Deleted))
	if err != nil {
		pm.failures.Inc()
	}
}
