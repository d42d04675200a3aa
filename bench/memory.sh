#!/usr/bin/env bash
# Resident memory of "dropfeed serve" over N generated articles (default
# 100,000), against the goals of <= 256 MiB resident while serving and a
# peak (VmHWM) <= 384 MiB, after a cold start as after a warm one.
#
# Each run starts serve twice: cold (no state file) and warm (the state file
# the cold start wrote). Memory is read from /proc/PID/status once serve is
# ready (/healthz 200) and idle, and again after a bounded load (once serve
# has cut the archive pages its start left whole, beside serving): FEEDS
# requests for the feeds and the index (half with Accept-Encoding: gzip) and
# PAGES distinct article pages spread over the corpus (more than the page
# cache holds). VmHWM is the peak resident size since exec, VmRSS the current
# one: RssAnon (the Go heap and stacks) plus "mapped", RssFile + RssShmem (the
# binary and the memory-mapped state file, in RssShmem when it is in /dev/shm).
# "live heap" is go_gc_heap_live_bytes from /metrics: what the last GC found
# reachable. Prints the medians of RUNS runs.
#
# With OUT=1, serve also writes the static folder (-out, with the article
# pages): "ready" is then sampled once the folder is current (/healthz),
# which at a cold start means after its first write (338,625 files at
# 100,000 articles; the folder, in the work folder, takes some 6.5 GB). The
# warm start finds it current and writes nothing.
#
#   bash bench/memory.sh                    # N=100000 RUNS=3 FEEDS=300 PAGES=600
#   N=10000 RUNS=1 bash bench/memory.sh
#   GOMEMLIMIT=200MiB bash bench/memory.sh  # the Go runtime settings pass through
#   OUT=1 RUNS=1 bash bench/memory.sh       # serve -out
#   BIN=/path/to/dropfeed bash bench/memory.sh   # another build, side by side
#
# The corpus is made with the repo's own generator (cmd/gencorpus) in
# /dev/shm when it is writable, else in TMPDIR; everything is removed at exit.
# The server listens on 127.0.0.1 and is stopped by the script.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000}
RUNS=${RUNS:-3}
FEEDS=${FEEDS:-300}
PAGES=${PAGES:-600}
OUT=${OUT:-0}
TIMEOUT=${TIMEOUT:-600} # seconds one start (and, with OUT=1, its first write) may take
GOAL_MIB=256     # VmRSS while serving
GOAL_HWM_MIB=384 # VmHWM, the peak since exec

if ! command -v curl >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then echo "memory.sh needs curl" >&2; exit 1; fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >/dev/null
fi

. bench/lib.sh
bench_work memory

if [ -n "${BIN:-}" ]; then cp "$BIN" "$work/dropfeed"; else go build -o "$work/dropfeed" ./cmd/dropfeed; fi
go build -o "$work/gencorpus" ./cmd/gencorpus
rt=
for v in GOGC GOMEMLIMIT GOMAXPROCS GODEBUG; do [ -n "${!v:-}" ] && rt="$rt $v=${!v}"; done
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), $(go version | cut -d' ' -f3), load $(cut -d' ' -f1-3 /proc/loadavg); corpus in $base_dir${rt:+; runtime:$rt}$( [ "$OUT" = 1 ] && echo "; serve -out (pages)")"

t0=$(date +%s%N)
"$work/gencorpus" -n "$N" -now "$corpus_now" -out "$work/corpus" 2>/dev/null
echo "corpus: $N articles, $(du -sm "$work/corpus" | cut -f1) MB on disk, made in $(( ($(date +%s%N) - t0) / 1000000 )) ms"

# The article pages to ask for: PAGES paths spread evenly over the corpus
# (drafts and future articles among them answer 404, and are counted).
(cd "$work/corpus" && find . -type f \( -name '*.md' -o -name '*.txt' \) | sed 's|^\./||' | LC_ALL=C sort) |
  grep -E '^[A-Za-z0-9._/-]+$' >"$work/paths" || true
total=$(wc -l <"$work/paths")
awk -v n="$PAGES" -v t="$total" 'BEGIN{step = t / n; if (step < 1) step = 1} NR >= next_ { print; next_ += step } ' \
  next_=1 "$work/paths" | head -n "$PAGES" | sed -E 's/\.(md|txt)$//' >"$work/slugs"

median() { sort -g | awk '{a[NR]=$1} END{if (NR == 0) print "nan"; else print (NR%2)? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

start() {
  local st=$1 log=$2
  : >"$log"
  local out=()
  if [ "$OUT" = 1 ]; then out=(-out "$work/out"); fi
  (cd "$work" && exec "$work/dropfeed" serve -addr 127.0.0.1:0 -base-url https://news.example.com/ -content "$work/corpus" -state "$st" "${out[@]}" 2>"$log") &
  pid=$!
  wait_ready "$log" "$TIMEOUT"
  if [ "$OUT" = 1 ]; then wait_out "$TIMEOUT"; fi
}

stop() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=
}

# settle waits (at most 60 s) until serve has used no CPU for a second: the
# rescan that follows the first build, or the requests, are done.
settle() {
  local prev= cur i
  for i in $(seq 1 60); do
    cur=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    [ "$cur" = "$prev" ] && return 0
    prev=$cur
    sleep 1
  done
}

# sample KEY: appends VmHWM, VmRSS, RssAnon, RssFile + RssShmem (MiB) and the live heap
# (MiB) to $work/KEY.
sample() {
  local live
  live=$(curl -fs "${url}metrics" | awk '$1 == "go_gc_heap_live_bytes" {printf "%.1f", $2 / 1048576}')
  awk -v live="${live:-nan}" '
    /^VmHWM:/ {h = $2} /^VmRSS:/ {r = $2} /^RssAnon:/ {a = $2} /^RssFile:/ || /^RssShmem:/ {f += $2}
    END {printf "%.1f %.1f %.1f %.1f %s\n", h/1024, r/1024, a/1024, f/1024, live}' "/proc/$pid/status" >>"$work/$1"
}

# load: FEEDS requests for the feeds and the index, PAGES article pages; one
# connection per curl, so the load is bounded and sequential.
load() {
  local i f
  : >"$work/feeds.cfg"
  for i in $(seq 0 $(( FEEDS / 2 - 1 ))); do
    case $(( i % 4 )) in 0) f=rss.xml ;; 1) f=atom.xml ;; 2) f=feed.json ;; 3) f= ;; esac
    printf 'url = "%s%s"\noutput = "/dev/null"\n' "$url" "$f" >>"$work/feeds.cfg"
  done
  awk -v u="$url" '{printf "url = \"%sarticles/%s/\"\noutput = \"/dev/null\"\n", u, $0}' "$work/slugs" >"$work/pages.cfg"
  {
    curl -s -K "$work/feeds.cfg" -w '%{http_code}\n'
    curl -s -K "$work/feeds.cfg" -H 'Accept-Encoding: gzip' -w '%{http_code}\n'
  } >"$work/feeds.codes"
  curl -s -K "$work/pages.cfg" -H 'Accept-Encoding: gzip' -w '%{http_code}\n' >"$work/pages.codes"
}

for run in $(seq 1 "$RUNS"); do
  for label in cold warm; do
    if [ "$label" = cold ]; then rm -rf "$work/state.db" "$work/state.db.feeds" "$work/out"; fi # serve keeps the first two
    start "$work/state.db" "$work/serve.log"
    settle
    sample "$label-ready"
    wait_cut "$work/serve.log" 180 # the archive pages the start left whole, cut beside serving
    load
    settle
    sample "$label-load"
    printf '  run %d/%d  %-4s start: ready %s; after load %s (MiB: VmHWM VmRSS RssAnon mapped live-heap)\n' "$run" "$RUNS" "$label" \
      "$(tail -1 "$work/$label-ready")" "$(tail -1 "$work/$label-load")"
    stop
  done
done
feeds_ok=$(grep -c '^200$' "$work/feeds.codes" || true)
pages_ok=$(grep -c '^200$' "$work/pages.codes" || true)
echo "load (last run): $(wc -l <"$work/feeds.codes") feed and index requests ($feeds_ok answered 200), $(wc -l <"$work/pages.codes") distinct article pages ($pages_ok answered 200; the others are drafts or future articles)"

echo
printf '%-5s %-11s %4s %10s %10s %10s %10s %10s %9s %9s\n' start moment runs "VmHWM MiB" "VmRSS MiB" "RssAnon" "mapped" "live heap" "RSS ratio" "HWM ratio"
for label in cold warm; do
  for moment in ready load; do
    f="$work/$label-$moment"
    col() { awk -v c="$1" '{print $c}' "$f" | median; }
    hwm=$(col 1) rss=$(col 2)
    printf '%-5s %-11s %4d %10.1f %10.1f %10.1f %10.1f %10.1f %9.2f %9.2f\n' "$label" "$( [ "$moment" = ready ] && echo ready || echo "after load")" \
      "$(wc -l <"$f")" "$hwm" "$rss" "$(col 3)" "$(col 4)" "$(col 5)" \
      "$(awk -v r="$rss" -v g="$GOAL_MIB" 'BEGIN{print r/g}')" "$(awk -v h="$hwm" -v g="$GOAL_HWM_MIB" 'BEGIN{print h/g}')"
  done
done
echo "goals while serving $N articles, after a cold start as after a warm one: VmRSS <= $GOAL_MIB MiB (RSS ratio = VmRSS / $GOAL_MIB),"
echo "VmHWM <= $GOAL_HWM_MIB MiB (HWM ratio = VmHWM / $GOAL_HWM_MIB); met when <= 1"
