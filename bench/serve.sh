#!/usr/bin/env bash
# Measures "dropfeed serve": drop-to-feed latency (median of 20 files, the
# default quiet window) and wrk requests/s for /rss.xml, plain and gzip, over
# a generated corpus. Reproducible on a fresh machine: it installs wrk from
# Debian if missing and makes its corpus with the repo's own generator.
#
#   bash bench/serve.sh            # N=1000 articles, feeds of 50 items
#   N=10000 DURATION=10s bash bench/serve.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000}
DURATION=${DURATION:-10s}
MAX_ITEMS=${MAX_ITEMS:-50}

if ! command -v wrk >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
corpus_now=$(date -u +%Y-%m-%dT%H:%M:%SZ) # the corpus's -now: see corpus_now in bench/lib.sh
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
[ -n "${KEEP_LOG:-}" ] && trap 'cp "$work/serve.log" "$KEEP_LOG"; cleanup' EXIT

go build -o "$work/dropfeed" ./cmd/dropfeed
go build -o "$work/gencorpus" ./cmd/gencorpus
"$work/gencorpus" -n "$N" -now "$corpus_now" -out "$work/corpus" 2>/dev/null

"$work/dropfeed" serve -addr 127.0.0.1:0 -content "$work/corpus" -max-items "$MAX_ITEMS" 2>"$work/serve.log" &
pid=$!
for _ in $(seq 1 300); do
  base=$(sed -n 's/^listening on \(http:[^ ]*\)$/\1/p' "$work/serve.log" | head -1)
  [ -n "$base" ] && curl -fs "${base}healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
[ -n "${base:-}" ] || { cat "$work/serve.log"; exit 1; }
size=$(curl -fs "${base}rss.xml" | wc -c)
gzsize=$(curl -fs -H 'Accept-Encoding: gzip' "${base}rss.xml" | wc -c)
echo "corpus: $N articles; /rss.xml: $MAX_ITEMS items, $size bytes ($gzsize gzip)"

go run ./bench/latency -dir "$work/corpus" -url "${base}rss.xml" -n 20

rps() { wrk -t2 -c64 -d"$DURATION" --latency "$@" | awk '/Requests\/sec/{r=$2} /99%/{p=$2} END{printf "%s req/s (p99 %s)\n", r, p}'; }
echo "wrk -t2 -c64 -d$DURATION /rss.xml plain: $(rps "${base}rss.xml")"
echo "wrk -t2 -c64 -d$DURATION /rss.xml gzip:  $(rps -H 'Accept-Encoding: gzip' "${base}rss.xml")"
