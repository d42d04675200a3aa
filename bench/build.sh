#!/usr/bin/env bash
# Cold build of the feeds, side by side: dropfeed vs Hugo (Debian's) vs the
# read-and-split floor, over the same Markdown corpus, for each size in SIZES
# (goals: <= 0.2x Hugo's time and <= 2x the floor, and at 50,000 articles
# <= 0.1x Hugo's memory). Prints medians of RUNS runs: wall seconds, CPU seconds
# (user + system) and cores used (CPU / wall), and peak resident memory
# (/usr/bin/time's maximum RSS, as -v prints it), then the ratios.
#
# Like for like: Hugo reads every article but writes only its home RSS feed
# (the 50 newest; no article, taxonomy or section pages), and dropfeed runs
# with -pages=false and tag_feeds: false, which still writes more (RSS, Atom,
# JSON Feed and the index page, each with a .gz copy). Each run checks that
# the feed holds 50 items. With PAGES=1 (the default), both also
# build every article page: dropfeed without -pages=false, Hugo with a
# one-line page layout.
#
# Installs hugo and time from Debian if missing; makes its corpora with the
# repo's own generator, in /dev/shm when it can.
#
#   bash bench/build.sh                       # SIZES="10000 50000" RUNS=3 PAGES=1
#   SIZES=10000 RUNS=5 PAGES=0 bash bench/build.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"10000 50000"}
RUNS=${RUNS:-3}
PAGES=${PAGES:-1}
if ! command -v hugo >/dev/null || ! command -v bc >/dev/null || [ ! -x /usr/bin/time ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hugo time bc >/dev/null
fi
corpus_now=$(date -u +%Y-%m-%dT%H:%M:%SZ) # the corpus's -now: see corpus_now in bench/lib.sh
work=$(mktemp -d /dev/shm/dropfeed-bench.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/dropfeed" ./cmd/dropfeed
go build -o "$work/gencorpus" ./cmd/gencorpus
go build -o "$work/floor" ./bench/floor

# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END{print (NR%2)? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# measure CMD...: prints "wall_seconds peak_kib cpu_seconds"
measure() {
  /usr/bin/time -f "%e %M %U %S" -o "$work/time" "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; cat "$work/time" >&2; }
  tail -1 "$work/time" | awk '{print $1, $2, $3 + $4}'
}

tools="floor dropfeed hugo"
if [ "$PAGES" = 1 ]; then tools="$tools dropfeed-pages hugo-pages"; fi
echo "machine: $(nproc) cores, $(uname -sr), $(go version | cut -d' ' -f3), $(hugo version | cut -d' ' -f1-2), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-8s %-16s %9s %9s %6s %11s\n" articles tool "wall (s)" "cpu (s)" cores "peak (MiB)"
for n in $SIZES; do
  # Two Hugo sites over one corpus: the feeds-only site has no layouts of its
  # own (a page layout that uses .Content makes Hugo render every article's
  # content even when pages have no output: 3x the time and memory), the
  # pages site has a one-line page layout.
  site="$work/hugo-$n" pages_site="$work/hugo-pages-$n"
  "$work/gencorpus" -n "$n" -now "$corpus_now" -format md -out "$site/content/posts" 2>/dev/null
  mkdir -p "$pages_site/layouts/_default"
  # Hugo must keep its regular pages (disabling the "page" kind leaves the
  # feed empty); the feeds site gives them no output of their own.
  for kind in feeds pages; do
    outputs='page = []' dir=$site
    if [ $kind = pages ]; then outputs='page = ["HTML"]' dir=$pages_site; fi
    cat > "$dir/hugo.toml" <<TOML
baseURL = "https://news.example.com/"
contentDir = "$site/content"
title = "Bench"
disableKinds = ["section", "taxonomy", "term", "sitemap", "robotsTXT", "404"]
[outputs]
home = ["RSS"]
$outputs
[services.rss]
limit = 50
TOML
  done
  echo '<!doctype html><title>{{ .Title }}</title><h1>{{ .Title }}</h1>{{ .Content }}' > "$pages_site/layouts/_default/single.html"
  if [ -e "$site/layouts" ]; then echo "the feeds-only Hugo site must have no layouts" >&2; exit 1; fi
  cat > "$work/dropfeed-$n.yaml" <<YAML
title: Bench
content: $site/content/posts
base_url: https://news.example.com/
max_items: 50
tag_feeds: false
# Like for like: Hugo writes one feed of the newest 50, no archive documents.
archives: false
YAML
  # warm the page cache once
  "$work/floor" "$site/content/posts" >/dev/null
  declare -A wall mem cpu
  for tool in $tools; do
    : > "$work/w"; : > "$work/m"; : > "$work/c"
    for _ in $(seq "$RUNS"); do
      rm -rf "$work/out" "$site/public" "$pages_site/public" "$work/state.db"
      case $tool in
        floor) r=$(measure "$work/floor" "$site/content/posts") ;;
        dropfeed) r=$(measure "$work/dropfeed" build -config "$work/dropfeed-$n.yaml" -out "$work/out" -state "$work/state.db" -pages=false) ;;
        dropfeed-pages) r=$(measure "$work/dropfeed" build -config "$work/dropfeed-$n.yaml" -out "$work/out" -state "$work/state.db") ;;
        hugo) r=$(measure hugo --quiet -s "$site" -d "$site/public") ;;
        hugo-pages) r=$(measure hugo --quiet -s "$pages_site" -d "$pages_site/public") ;;
      esac
      # Both must have written the full feed, or the comparison means nothing.
      case $tool in
        dropfeed*) items=$(grep -o '<item>' "$work/out/rss.xml" | wc -l) ;;
        hugo) items=$(grep -o '<item>' "$site/public/index.xml" | wc -l) ;;
        hugo-pages) items=$(grep -o '<item>' "$pages_site/public/index.xml" | wc -l) ;;
        *) items=50 ;;
      esac
      if [ "$items" -ne 50 ]; then echo "$tool wrote $items feed items, want 50" >&2; exit 1; fi
      read -r w m c <<< "$r"
      echo "$w" >> "$work/w"; echo "$m" >> "$work/m"; echo "$c" >> "$work/c"
    done
    wall[$tool]=$(median < "$work/w"); mem[$tool]=$(median < "$work/m"); cpu[$tool]=$(median < "$work/c")
    printf "%-8s %-16s %9.3f %9.3f %6.2f %11.1f\n" "$n" "$tool" "${wall[$tool]}" "${cpu[$tool]}" \
      "$(echo "${cpu[$tool]} / ${wall[$tool]}" | bc -l)" "$(echo "${mem[$tool]} / 1024" | bc -l)"
  done
  printf "%-8s feeds: dropfeed/hugo time %.2f (goal <= 0.2), dropfeed/floor time %.2f (goal <= 2), dropfeed/hugo peak memory %.3f (goal <= 0.1 at 50k)\n" "$n" \
    "$(echo "${wall[dropfeed]} / ${wall[hugo]}" | bc -l)" "$(echo "${wall[dropfeed]} / ${wall[floor]}" | bc -l)" "$(echo "${mem[dropfeed]} / ${mem[hugo]}" | bc -l)"
  if [ "$PAGES" = 1 ]; then
    printf "%-8s pages: dropfeed/hugo time %.2f, dropfeed/floor time %.2f, dropfeed/hugo peak memory %.3f (no goal)\n" "$n" \
      "$(echo "${wall[dropfeed-pages]} / ${wall[hugo-pages]}" | bc -l)" "$(echo "${wall[dropfeed-pages]} / ${wall[floor]}" | bc -l)" \
      "$(echo "${mem[dropfeed-pages]} / ${mem[hugo-pages]}" | bc -l)"
  fi
  rm -rf "$site" "$pages_site"
done
