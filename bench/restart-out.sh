#!/usr/bin/env bash
# Start and restart of "dropfeed serve -out" with article pages over N
# generated articles (default 100,000):
#
#   first start: no state file, an empty output folder: the time to ready
#                (serving) and to the folder written (/healthz says the
#                static output is current);
#   restart:     the state file and the output folder of the first start,
#                nothing changed: the time to ready and to the folder
#                checked, and whether anything in the folder was written
#                (every file's modification time, and the manifest, compared).
#
# The read floor (bench/floor: every article file read and split into
# lines, on two cores) of the same folder is the yardstick: the goal is a
# restart ready within 0.5x the floor, writing nothing.
#
#   bash bench/restart-out.sh                 # N=100000 RUNS=3
#   N=10000 RUNS=1 bash bench/restart-out.sh
#   BIN=/path/to/dropfeed bash bench/restart-out.sh   # another build, side by side
#
# The corpus is made with the repo's own generator (cmd/gencorpus) in
# /dev/shm when it is writable, else in TMPDIR; everything is removed at
# exit. The server listens on 127.0.0.1 and is stopped by the script.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000}
RUNS=${RUNS:-3}
TIMEOUT=${TIMEOUT:-1200}
BASE_URL=https://news.example.com/

. bench/lib.sh
bench_work restart

if [ -n "${BIN:-}" ]; then cp "$BIN" "$work/dropfeed"; else go build -o "$work/dropfeed" ./cmd/dropfeed; fi
go build -o "$work/gencorpus" ./cmd/gencorpus
go build -o "$work/floor" ./bench/floor
echo "machine: $(nproc) cores, $(uname -sr), $(go version | cut -d' ' -f3), load $(cut -d' ' -f1-3 /proc/loadavg); files in $base_dir"

now_ns() { date +%s%N; }
secs() { awk -v d="$1" 'BEGIN{printf "%.3f", d/1e9}'; }
median() { sort -g | awk '{a[NR]=$1} END{if (NR == 0) print "nan"; else print (NR%2)? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

t0=$(now_ns)
"$work/gencorpus" -n "$N" -now "$corpus_now" -out "$work/corpus" 2>/dev/null
echo "corpus: $N articles, made in $(( ($(now_ns) - t0) / 1000000 )) ms"
floor=$("$work/floor" "$work/corpus" | sed -n 's/.* in \([0-9.]*\)s.*/\1/p')
echo "read floor: ${floor} s"

# serve_once: starts serve -out over the corpus with the state and folder in
# $work, and sets ready_s (exec to /healthz 200), first_s (exec to the first
# /rss.xml 200: a restart serves its last run's feeds before its first build)
# and out_s (exec to the folder current).
serve_once() {
  local log=$work/serve.log t0
  : >"$log"
  t0=$(now_ns)
  (cd "$work" && exec "$work/dropfeed" serve -addr 127.0.0.1:0 -base-url "$BASE_URL" -content "$work/corpus" \
    -state "$work/state.db" -out "$work/out" -v 2>"$log") &
  pid=$!
  wait_ready "$log" "$TIMEOUT" rss.xml "$t0" "$work/early.xml"
  ready_s=$(secs $(( $(now_ns) - t0 )))
  wait_out "$TIMEOUT"
  out_s=$(secs $(( $(now_ns) - t0 )))
}

stop() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=
}

for run in $(seq 1 "$RUNS"); do
  rm -rf "$work/state.db" "$work/state.db.feeds" "$work/out"
  serve_once
  stop
  echo "$ready_s" >>"$work/first.ready"; echo "$out_s" >>"$work/first.out"
  files=$(find "$work/out" -type f | wc -l)
  printf '  run %d/%d  first start: ready in %7.3f s, folder written in %7.3f s (%d files)\n' "$run" "$RUNS" "$ready_s" "$out_s" "$files"

  cp "$work/out/.dropfeed-manifest" "$work/manifest.before"
  touch -d '-1 second' "$work/marker" # anything written from now on is newer
  serve_once
  stop
  written=$(find "$work/out" -type f -newer "$work/marker" ! -name .dropfeed-manifest | wc -l)
  same=yes; cmp -s "$work/manifest.before" "$work/out/.dropfeed-manifest" || same=no
  echo "$ready_s" >>"$work/restart.ready"; echo "$out_s" >>"$work/restart.out"; echo "$written" >>"$work/restart.written"
  echo "$first_s" >>"$work/restart.first"
  if ! cmp -s "$work/early.xml" "$work/out/rss.xml"; then
    echo "  MISMATCH: the first /rss.xml the restart served differs from the folder's" >&2; echo x >>"$work/early.bad"
  fi
  printf '  run %d/%d  restart:     ready in %7.3f s, /rss.xml from %7.3f s, folder checked in %7.3f s; files written: %d, manifest unchanged: %s\n' \
    "$run" "$RUNS" "$ready_s" "$first_s" "$out_s" "$written" "$same"
  [ "$same" = yes ] || echo "manifest.changed" >>"$work/restart.bad"
done

echo
fr=$(median <"$work/first.ready"); fo=$(median <"$work/first.out")
rr=$(median <"$work/restart.ready"); ro=$(median <"$work/restart.out"); rf=$(median <"$work/restart.first")
wmax=$(sort -g "$work/restart.written" | tail -1)
printf 'first start, no state, empty folder: ready %.3f s, folder written %.3f s (medians of %d)\n' "$fr" "$fo" "$RUNS"
printf 'restart, nothing changed:           ready %.3f s (%.2fx the floor), folder checked %.3f s (%.2fx), files written: %s at most\n' \
  "$rr" "$(awk -v a="$rr" -v f="$floor" 'BEGIN{print a/f}')" "$ro" "$(awk -v a="$ro" -v f="$floor" 'BEGIN{print a/f}')" "$wmax"
printf 'restart, the last run'"'"'s feeds:       /rss.xml from %.3f s (%.2fx the floor), the same bytes as the folder'"'"'s\n' \
  "$rf" "$(awk -v a="$rf" -v f="$floor" 'BEGIN{print a/f}')"
printf 'goal: restart ready <= 0.5x the read floor (%s), writing nothing: ready %s, writing %s\n' "$floor" \
  "$(awk -v a="$rr" -v f="$floor" 'BEGIN{print (a <= 0.5*f) ? "met" : "not met"}')" \
  "$( [ "$wmax" = 0 ] && [ ! -s "$work/restart.bad" ] && echo "nothing: met" || echo "something: not met")"
if [ -s "$work/early.bad" ]; then exit 1; fi
