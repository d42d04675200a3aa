#!/usr/bin/env bash
# Drop-to-feed latency of "dropfeed serve": the time from an article file
# written atomically (temp file, rename) into the content folder to the first
# /rss.xml response that contains it, over a corpus of 1,000 and one of
# 100,000 generated articles, with the default quiet window (50ms) and with
# 10ms. Prints p50, p95, p99 and the maximum for each of the four runs.
#
#   bash bench/watch-latency.sh                 # SIZES="1000 100000" QUIETS="50ms 10ms" SAMPLES=200
#   SIZES=1000 SAMPLES=50 bash bench/watch-latency.sh
#   OUT=1 bash bench/watch-latency.sh           # also keep static files current (-out)
#   DISK=1 bash bench/watch-latency.sh          # -out, and also time drop -> the article's page
#                                               # and the feeds holding it on disk
#
# The corpora are made with the repo's own generator (cmd/gencorpus) in
# /dev/shm when it exists (100,000 articles take a few seconds there), else
# in TMPDIR; everything is removed at exit. The server listens on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"1000 100000"}
QUIETS=${QUIETS:-"50ms 10ms"}
SAMPLES=${SAMPLES:-200}
MAX_ITEMS=${MAX_ITEMS:-20}
if [ -n "${DISK:-}" ]; then OUT=1; fi

. bench/lib.sh
bench_work latency

go build -o "$work/dropfeed" ./cmd/dropfeed
go build -o "$work/gencorpus" ./cmd/gencorpus
go build -o "$work/latency" ./bench/latency
echo "machine: $(nproc) cores, $(uname -sr), $(go version | cut -d' ' -f3), load $(cut -d' ' -f1-3 /proc/loadavg); corpora in $base_dir"

for n in $SIZES; do
  corpus="$work/corpus-$n"
  t0=$(date +%s%N)
  "$work/gencorpus" -n "$n" -now "$corpus_now" -out "$corpus" 2>/dev/null
  echo "corpus: $n articles in $(( ($(date +%s%N) - t0) / 1000000 ))ms"
  for q in $QUIETS; do
    rm -rf "$work/state" "$work/out" "$work/serve.log"
    mkdir -p "$work/state"
    args=(serve -addr 127.0.0.1:0 -content "$corpus" -quiet "$q" -max-items "$MAX_ITEMS" -state "$work/state/state.db" -v)
    [ -n "${OUT:-}" ] && args+=(-out "$work/out")
    t0=$(date +%s%N)
    : >"$work/serve.log"
    "$work/dropfeed" "${args[@]}" 2>"$work/serve.log" &
    pid=$!
    wait_ready "$work/serve.log" 600
    base=$url
    ready_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    out_note=
    if [ -n "${OUT:-}" ]; then
      # serve is ready once it serves; the first write of the folder (every
      # page) goes on beside it. Measure once the folder is current.
      wait_out 1200
      out_note=", folder written in $(( ($(date +%s%N) - t0) / 1000000 ))ms"
      # Writing every page leaves a large heap to collect and memory to
      # return to the system; measure the steady state after it.
      sleep "${SETTLE:-5}"
    fi
    # Steady state: the watcher's first batch is a full rescan (it covers
    # what changed while the watches were being set up); at 100,000 articles
    # it takes about a second, and a file dropped meanwhile waits for it.
    # Measure after it, as the first batch done after the start build.
    for _ in $(seq 1 1200); do
      [ "$(grep -c -e 'msg=rebuild ' -e 'msg="no article changed"' "$work/serve.log")" -ge 2 ] && break
      sleep 0.05
    done
    # And after the archive pages the start left whole are cut beside
    # serving (both cores for tens of seconds at 100,000 articles); a start
    # with no page left whole logs nothing, so the wait is bounded.
    wait_cut "$work/serve.log" "$(( n >= 10000 ? 120 + n / 400 : 2 ))" # about 30 s at 100,000; minutes at 1,000,000
    printf 'n=%-6s quiet=%-5s (ready in %dms%s; load %s)\n' "$n" "$q" "$ready_ms" "$out_note" "$(cut -d' ' -f1-3 /proc/loadavg)"
    lat_args=(-dir "$corpus" -url "${base}rss.xml" -n "$SAMPLES" -pause 20ms)
    [ -n "${DISK:-}" ] && lat_args+=(-out "$work/out")
    lines=$("$work/latency" "${lat_args[@]}")
    echo "$lines" | sed 's/^/  /'
    line=$(echo "$lines" | grep '^drop-to-feed')
    echo "$n $q $(echo "$line" | sed -n 's/.*p50 \([^ ]*\) .*p99 \([^ ]*\) .*/\1 \2/p')" >>"$work/results"
    if [ -n "${DISK:-}" ]; then
      dline=$(echo "$lines" | grep '^drop-to-disk')
      echo "$n $q $(echo "$dline" | sed -n 's/.*p50 \([^ ]*\) .*max \([^ ]*\)$/\1 \2/p')" >>"$work/disk"
    fi
    if [ -n "${KEEP_LOG:-}" ]; then cp "$work/serve.log" "$KEEP_LOG.$n.$q"; fi
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
  done
  rm -rf "$corpus"
done

# The goals: p50 within the quiet window
# + 20 ms and p99 within + 50 ms at every size, and p99 at the largest size
# within 1.5x of that at the smallest.
ms() { # a Go duration (950µs, 62.4ms, 1.2s) in milliseconds
  awk -v d="$1" 'BEGIN { if (d ~ /µs$/) { sub(/µs$/, "", d); print d / 1000 } else if (d ~ /ms$/) { sub(/ms$/, "", d); print d + 0 } else { sub(/s$/, "", d); print d * 1000 } }'
}
if [ -s "$work/results" ]; then
  echo
  printf '%-8s %-6s %9s %9s %10s %10s  %s\n' articles quiet p50_ms p99_ms p50-quiet p99-quiet "goal: p50-quiet <= 20, p99-quiet <= 50"
  while read -r n q p50 p99; do
    qm=$(ms "$q"); a=$(ms "$p50"); b=$(ms "$p99")
    printf '%-8s %-6s %9.1f %9.1f %10.1f %10.1f  %s\n' "$n" "$q" "$a" "$b" "$(awk -v x="$a" -v y="$qm" 'BEGIN{print x-y}')" "$(awk -v x="$b" -v y="$qm" 'BEGIN{print x-y}')" \
      "$(awk -v x="$a" -v y="$b" -v q="$qm" 'BEGIN{print (x-q <= 20 && y-q <= 50) ? "met" : "not met"}')"
  done <"$work/results"
  for q in $QUIETS; do
    small=$(awk -v q="$q" '$2 == q { print $4; exit }' "$work/results")
    large=$(awk -v q="$q" '$2 == q { v = $4 } END { print v }' "$work/results")
    first=$(awk -v q="$q" '$2 == q { print $1; exit }' "$work/results")
    last=$(awk -v q="$q" '$2 == q { v = $1 } END { print v }' "$work/results")
    if [ -n "$small" ] && [ "$first" != "$last" ]; then
      r=$(awk -v a="$(ms "$large")" -v b="$(ms "$small")" 'BEGIN { printf "%.2f", a / b }')
      echo "quiet=$q: p99 at $last / p99 at $first = $r (goal <= 1.5: $(awk -v r="$r" 'BEGIN{print (r <= 1.5) ? "met" : "not met"}'))"
    fi
  done
fi
if [ -s "$work/disk" ]; then
  echo
  printf '%-8s %-6s %9s %9s  %s\n' articles quiet p50_ms max_ms "goal: drop -> page and feeds on disk, p50 <= 100, max <= 250, flat in size"
  while read -r n q p50 mx; do
    a=$(ms "$p50"); b=$(ms "$mx")
    printf '%-8s %-6s %9.1f %9.1f  %s\n' "$n" "$q" "$a" "$b" "$(awk -v x="$a" -v y="$b" 'BEGIN{print (x <= 100 && y <= 250) ? "met" : "not met"}')"
  done <"$work/disk"
  for q in $QUIETS; do
    first=$(awk -v q="$q" '$2 == q { print $1; exit }' "$work/disk")
    last=$(awk -v q="$q" '$2 == q { v = $1 } END { print v }' "$work/disk")
    small=$(awk -v q="$q" '$2 == q { print $3; exit }' "$work/disk")
    large=$(awk -v q="$q" '$2 == q { v = $3 } END { print v }' "$work/disk")
    if [ -n "$small" ] && [ "$first" != "$last" ]; then
      r=$(awk -v a="$(ms "$large")" -v b="$(ms "$small")" 'BEGIN { printf "%.2f", a / b }')
      echo "quiet=$q: drop-to-disk p50 at $last / p50 at $first = $r (flat: goal <= 1.5: $(awk -v r="$r" 'BEGIN{print (r <= 1.5) ? "met" : "not met"}'))"
    fi
  done
fi
