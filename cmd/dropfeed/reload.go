package main

import (
	"context"
	"slices"
)

// reloadConfig reads the config again (SIGHUP) and applies it: the site
// settings, the parse settings (every file is parsed again), the ignore
// patterns (the watcher follows them), the WebSub hub and the cache max-age
// take effect at once. The keys that name what the process holds open — the
// listen addresses, the content folder, the state file, the output folder,
// the quiet window, the connection limit and the bucket — keep their old values, with a
// warning naming each one that changed: they need a restart. A config that
// cannot be read or is invalid is logged, and the old one stays in force.
func (d *daemon) reloadConfig(ctx context.Context) {
	if d.reload == nil {
		return
	}
	nc, base, err := d.reload()
	if err != nil {
		d.log.Error("reload config; keeping the old one", "err", err)
		return
	}
	old := d.cfg
	for _, k := range []struct {
		key     string
		changed bool
		keep    func()
	}{
		{"content", nc.Content != old.Content, func() { nc.Content = old.Content }},
		{"addr", nc.Addr != old.Addr, func() { nc.Addr = old.Addr }},
		{"state", nc.State != old.State, func() { nc.State = old.State }},
		{"out", nc.Out != old.Out, func() { nc.Out = old.Out }},
		{"quiet", nc.Quiet != old.Quiet, func() { nc.Quiet = old.Quiet }},
		{"max_connections", nc.MaxConnections != old.MaxConnections, func() { nc.MaxConnections = old.MaxConnections }},
		{"publish", nc.Publish != old.Publish || nc.PublishMaxDelete != old.PublishMaxDelete, func() { nc.Publish, nc.PublishMaxDelete = old.Publish, old.PublishMaxDelete }},
	} {
		if k.changed {
			d.log.Warn("the config changed a setting that needs a restart; keeping the old value until then", "key", k.key)
			k.keep()
		}
	}
	d.cfg, d.site = nc, nc.site(base)
	d.srv.SetMaxAge(nc.CacheMaxAge)
	d.metrics.SetBase(base)
	if d.hub != nil {
		d.hub.SetHub(d.site.Hub)
	}
	if d.builder != nil {
		d.saved = d.builder.Save() // for the next builder: when each document changed
	}
	d.builder = nil // the site settings may have changed
	d.cat.Reconfigure(nc.contentOptions(base))
	if !slices.Equal(nc.Ignore, old.Ignore) {
		d.w.Renew() // watch what is no longer ignored, stop watching what now is
	}
	d.log.Info("config reloaded", "path", nc.file)
	d.step(ctx, "reload", d.cat.Rescan)
}
