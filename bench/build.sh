#!/usr/bin/env bash
# Cold build of the feeds, side by side: dropfeed vs Hugo (Debian's) vs the
# read-and-split floor, over the same Markdown corpus, for each size in SIZES.
# Prints medians of RUNS runs (wall seconds, peak RSS from /usr/bin/time -v)
# and the ratios. Installs hugo from Debian if missing; makes its corpora with
# the repo's own generator.
#
#   bash bench/build.sh                 # SIZES="10000 50000" RUNS=3
#   SIZES=10000 RUNS=5 bash bench/build.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"10000 50000"}
RUNS=${RUNS:-3}
if ! command -v hugo >/dev/null || ! command -v bc >/dev/null || [ ! -x /usr/bin/time ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hugo time bc >/dev/null
fi
work=$(mktemp -d /dev/shm/dropfeed-bench.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/dropfeed" ./cmd/dropfeed
go build -o "$work/gencorpus" ./cmd/gencorpus
go build -o "$work/floor" ./bench/floor

# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END{print (NR%2)? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# run CMD...: prints "wall_seconds peak_kib"
measure() { /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; cat "$work/time" >&2; }; cat "$work/time" | tail -1; }

printf "%-8s %-22s %10s %12s\n" articles tool "wall (s)" "peak (MiB)"
for n in $SIZES; do
  site="$work/hugo-$n"
  mkdir -p "$site"
  "$work/gencorpus" -n "$n" -format md -out "$site/content/posts" 2>/dev/null
  cat > "$site/hugo.toml" <<TOML
baseURL = "https://news.example.com/"
title = "Bench"
disableKinds = ["page", "section", "taxonomy", "term", "sitemap", "robotsTXT", "404"]
[outputs]
home = ["RSS"]
[services.rss]
limit = 50
TOML
  cat > "$work/dropfeed-$n.yaml" <<YAML
title: Bench
content: $site/content/posts
base_url: https://news.example.com/
max_items: 50
tag_feeds: false
YAML
  # warm the page cache once
  "$work/floor" "$site/content/posts" >/dev/null
  declare -A wall mem
  for tool in floor dropfeed dropfeed-pages hugo; do
    : > "$work/w"; : > "$work/m"
    for _ in $(seq "$RUNS"); do
      rm -rf "$work/out" "$site/public" "$work/state.db"
      case $tool in
        floor) r=$(measure "$work/floor" "$site/content/posts") ;;
        dropfeed) r=$(measure "$work/dropfeed" build -config "$work/dropfeed-$n.yaml" -out "$work/out" -state "$work/state.db" -pages=false) ;;
        dropfeed-pages) r=$(measure "$work/dropfeed" build -config "$work/dropfeed-$n.yaml" -out "$work/out" -state "$work/state.db") ;;
        hugo) r=$(measure hugo --quiet -s "$site" -d "$site/public") ;;
      esac
      echo "${r% *}" >> "$work/w"; echo "${r#* }" >> "$work/m"
    done
    wall[$tool]=$(median < "$work/w"); mem[$tool]=$(median < "$work/m")
    printf "%-8s %-22s %10.3f %12.1f\n" "$n" "$tool" "${wall[$tool]}" "$(echo "${mem[$tool]} / 1024" | bc -l)"
  done
  printf "%-8s ratios: dropfeed/hugo time %.2f (goal <= 0.2), dropfeed/floor time %.2f (goal <= 2), dropfeed/hugo peak memory %.2f (goal <= 0.1 at 50k)\n" "$n" \
    "$(echo "${wall[dropfeed]} / ${wall[hugo]}" | bc -l)" "$(echo "${wall[dropfeed]} / ${wall[floor]}" | bc -l)" "$(echo "${mem[dropfeed]} / ${mem[hugo]}" | bc -l)"
  rm -rf "$site"
done
