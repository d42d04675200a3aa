// Package httpd runs the HTTP side of a dropfeed server: net/http servers
// with every timeout and limit set, a cap on open connections, a graceful
// shutdown, the Prometheus metrics of the site and its requests (/metrics),
// /healthz, and the soft memory limit a long-running server keeps
// (MemLimit). What is served comes from feed.Server; this package only runs
// it.
package httpd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"
)

// ShutdownTimeout is how long Serve waits for requests in flight once its
// context is done.
const ShutdownTimeout = 5 * time.Second

// NewServer returns a server for h with every timeout set, which sends
// X-Content-Type-Options: nosniff on every response (the JSON of /healthz,
// the text of /metrics and redirects included) and logs its errors to log.
func NewServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Content-Type-Options", "nosniff")
			h.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// Serve serves each listener with its server until ctx is done, then shuts
// them down, waiting up to ShutdownTimeout for the requests in flight. It
// returns the first error of a server, which stops the others too.
func Serve(ctx context.Context, servers map[net.Listener]*http.Server) error {
	g, gctx := errgroup.WithContext(ctx)
	for l, hs := range servers {
		g.Go(func() error {
			if err := hs.Serve(l); !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("serve http: %w", err)
			}
			return nil
		})
		g.Go(func() error {
			<-gctx.Done()
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
			defer cancel()
			if err := hs.Shutdown(sctx); err != nil {
				return fmt.Errorf("shut down http: %w", err)
			}
			return nil
		})
	}
	return g.Wait()
}
