#!/usr/bin/env bash
# Start-up time of "dropfeed serve" over N generated articles (default
# 100,000): the time from exec to the first /healthz 200, which serve answers
# only once the complete feeds of the folder are being served, and the time
# to the first /rss.xml 200 (a warm start serves its last run's saved feeds
# before its first build; they are checked against build's too).
#
#   cold start: no state file;
#   warm start: the state file of the previous run over the same, unchanged
#               folder (unchanged files should not be parsed again).
#
# Each start is checked: the served /rss.xml, /atom.xml and /feed.json must
# equal what a one-shot "dropfeed build" of the same folder writes with a copy
# of the same state file, so a fast but wrong start is caught (the script then
# exits 1). Prints the medians of RUNS runs and the ratios to the goals,
# which are relative to the read floor of the same folder in the same run
# (bench/floor: list every file, read it and split it into lines, on two
# cores; measured before each pair of starts): warm start <= 0.5x the
# floor, cold start <= 1.5x. With each start it prints the page faults
# and the CPU time serve had taken once ready (from /proc/PID/stat).
#
#   bash bench/start.sh                      # N=100000 RUNS=3
#   N=10000 RUNS=5 bash bench/start.sh
#   VERIFY=0 bash bench/start.sh             # skip the comparison with build
#   PAGE_CACHE=0 bash bench/start.sh         # skip the page-cache-cold rows
#
# The main corpus is made with the repo's own generator (cmd/gencorpus) in
# /dev/shm when it is writable, else in TMPDIR. As root, the script also
# measures both starts with the page cache dropped (echo 3 >
# /proc/sys/vm/drop_caches) over a second copy of the corpus, the state file
# and the binary on a disk-backed folder (DISK_TMPDIR, default TMPDIR or
# /var/tmp), next to page-cache-warm starts over that same copy: tmpfs files
# cannot be dropped from memory. In a virtual machine the host may still cache
# the disk, so "dropped" is the guest's cache only. Everything is removed at
# exit. The server listens on 127.0.0.1 and is stopped by the script.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000}
RUNS=${RUNS:-3}
VERIFY=${VERIFY:-1}
PAGE_CACHE=${PAGE_CACHE:-auto}
TIMEOUT=${TIMEOUT:-600} # seconds one start may take before the script gives up
BASE_URL=https://news.example.com/

if ! command -v curl >/dev/null || ! command -v cmp >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then echo "start.sh needs curl and cmp (diffutils)" >&2; exit 1; fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl diffutils >/dev/null
fi

. bench/lib.sh
bench_work start

go build -o "$work/dropfeed" ./cmd/dropfeed
go build -o "$work/gencorpus" ./cmd/gencorpus
go build -o "$work/floor" ./bench/floor
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), $(go version | cut -d' ' -f3), load $(cut -d' ' -f1-3 /proc/loadavg); corpora in $base_dir"

# Whether to measure with the page cache dropped, and where.
cold_dir= cold_why=
case $PAGE_CACHE in
  0|no|false) cold_why="PAGE_CACHE=$PAGE_CACHE" ;;
  *)
    cand=${DISK_TMPDIR:-${TMPDIR:-/var/tmp}}
    if [ "$(id -u)" -ne 0 ]; then
      cold_why="dropping the page cache needs root"
    elif [ ! -w /proc/sys/vm/drop_caches ]; then
      cold_why="/proc/sys/vm/drop_caches is not writable here"
    elif [ ! -d "$cand" ] || [ ! -w "$cand" ]; then
      cold_why="$cand is not a writable folder"
    else
      case $(stat -f -c %T "$cand") in
        tmpfs|ramfs) cold_why="$cand is in memory (set DISK_TMPDIR to a disk-backed folder)" ;;
        *) cold_dir=$cand ;;
      esac
    fi
    ;;
esac

median() { sort -g | awk '{a[NR]=$1} END{if (NR == 0) print "nan"; else print (NR%2)? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
now_ns() { date +%s%N; }

# start BIN CORPUS STATE LOG: starts serve in the background, waits until
# /healthz answers 200, sets pid, url and ready_s (seconds from exec), and
# first_s: the seconds to the first 200 of /rss.xml, whose body it keeps in
# EARLY (a restart serves the feeds its last run saved until its first build).
start() {
  local bin=$1 corpus=$2 st=$3 log=$4 early=$5 t0
  : >"$log"
  t0=$(now_ns)
  # From $work, so that no dropfeed.yaml in the working directory is read.
  (cd "$work" && exec "$bin" serve -addr 127.0.0.1:0 -base-url "$BASE_URL" -content "$corpus" -state "$st" 2>"$log") &
  pid=$!
  wait_ready "$log" "$TIMEOUT" rss.xml "$t0" "$early"
  ready_s=$(awk -v d=$(( $(now_ns) - t0 )) 'BEGIN{printf "%.3f", d/1e9}')
  # Minor and major page faults, and CPU seconds (user + system), so far.
  faults=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%d %d %.2f", $10, $12, ($14 + $15) / hz}' "/proc/$pid/stat")
}

stop() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=
}

# one LABEL CACHE BIN CORPUS DIR: one start; appends ready_s to DIR/LABEL-CACHE.t
# and "1" or "0" (feeds equal to build's) to DIR/LABEL-CACHE.ok.
one() {
  local label=$1 cache=$2 bin=$3 corpus=$4 dir=$5 f
  if [ "$label" = cold ]; then rm -f "$dir/state.db" "$dir/state.db.feeds"; fi # serve keeps both
  if [ "$cache" = dropped ]; then sync; echo 3 >/proc/sys/vm/drop_caches; fi
  start "$bin" "$corpus" "$dir/state.db" "$dir/serve.log" "$dir/early.rss.xml"
  local ok=1
  if [ "$VERIFY" != 0 ]; then
    rm -rf "$dir/served"; mkdir -p "$dir/served"
    for f in rss.xml atom.xml feed.json; do
      curl -fs -o "$dir/served/$f" "${url}$f" || ok=0
    done
  fi
  stop
  echo "$ready_s" >>"$dir/$label-$cache.t"
  echo "$first_s" >>"$dir/$label-$cache.f"
  echo "$faults" >>"$dir/$label-$cache.pf"
  if [ "$VERIFY" != 0 ]; then
    rm -rf "$dir/out" "$dir/check.db"
    cp "$dir/state.db" "$dir/check.db"
    if ! (cd "$work" && "$bin" build -base-url "$BASE_URL" -content "$corpus" -state "$dir/check.db" -out "$dir/out" -pages=false) >"$dir/build.log" 2>&1; then
      echo "build failed:" >&2; tail -5 "$dir/build.log" >&2; ok=0
    fi
    for f in rss.xml atom.xml feed.json; do
      if ! cmp -s "$dir/served/$f" "$dir/out/$f"; then
        echo "  MISMATCH: served /$f differs from the one build writes ($label start, page cache $cache); the first lines that differ:" >&2; ok=0
        diff "$dir/served/$f" "$dir/out/$f" | head -12 | cut -c1-200 >&2 || true
      fi
    done
    # Nothing changed since the last run: what it saved is current too.
    if ! cmp -s "$dir/early.rss.xml" "$dir/out/rss.xml"; then
      echo "  MISMATCH: the first /rss.xml served differs from the one build writes ($label start, page cache $cache); the first lines that differ:" >&2; ok=0
      diff "$dir/early.rss.xml" "$dir/out/rss.xml" | head -12 | cut -c1-200 >&2 || true
    fi
  fi
  echo "$ok" >>"$dir/$label-$cache.ok"
  printf '  run %d/%d  %-4s start, page cache %-7s  ready in %7.3f s, /rss.xml from %7.3f s (%s minor, %s major faults, %s s CPU)%s\n' "$run" "$RUNS" "$label" "$cache" "$ready_s" "$first_s" \
    $faults \
    "$( [ "$VERIFY" = 0 ] && echo "" || { [ "$ok" = 1 ] && echo ", feeds equal build's" || echo ", FEEDS DIFFER"; } )"
}

# series CACHES BIN CORPUS DIR: RUNS pairs of (cold, warm) starts for each
# page cache state, interleaved so load changes on the machine hit both.
series() {
  local caches=$1 bin=$2 corpus=$3 dir=$4 cache f
  for run in $(seq 1 "$RUNS"); do
    for cache in $caches; do
      if [ "$cache" = dropped ]; then sync; echo 3 >/proc/sys/vm/drop_caches; fi
      f=$("$work/floor" "$corpus" | sed -n 's/.* in \([0-9.]*\)s$/\1/p')
      echo "$f" >>"$dir/floor-$cache.t"
      printf '  run %d/%d  read floor, page cache %-7s          %7.3f s\n' "$run" "$RUNS" "$cache" "$f"
      one cold "$cache" "$bin" "$corpus" "$dir"
      one warm "$cache" "$bin" "$corpus" "$dir" # the state the cold start just wrote
    done
  done
}

t0=$(now_ns)
"$work/gencorpus" -n "$N" -now "$corpus_now" -out "$work/corpus" 2>/dev/null
echo "corpus: $N articles, $(du -sm "$work/corpus" | cut -f1) MB on disk, made in $(( ($(now_ns) - t0) / 1000000 )) ms"
series tmpfs "$work/dropfeed" "$work/corpus" "$work"
rows=("warm tmpfs $work" "cold tmpfs $work")

if [ -n "$cold_dir" ]; then
  disk=$(mktemp -d "$cold_dir/dropfeed-start.XXXXXX")
  cp "$work/dropfeed" "$disk/dropfeed"
  "$work/gencorpus" -n "$N" -now "$corpus_now" -out "$disk/corpus" 2>/dev/null
  echo "page cache: second corpus, state file and binary in $disk ($(stat -f -c %T "$disk")); dropped before each 'dropped' start"
  series "warm dropped" "$disk/dropfeed" "$disk/corpus" "$disk"
  rows+=("warm warm $disk" "cold warm $disk" "warm dropped $disk" "cold dropped $disk")
else
  echo "page cache: not dropped ($cold_why)"
fi

echo
printf '%-5s %-12s %-6s %-10s %4s %9s %8s %8s %8s %9s %6s %5s %9s %6s %7s %7s  %s\n' start "state file" files "page cache" runs "median s" "min s" "max s" "floor s" "x floor" goal ratio "minflt" "CPU s" "feed s" "x floor" "feeds = build"
bad=0
for r in "${rows[@]}"; do
  read -r label cache dir <<<"$r"
  t="$dir/$label-$cache.t"
  [ -s "$t" ] || continue
  goal=0.5 state="previous"
  if [ "$label" = cold ]; then goal=1.5 state="none"; fi
  files=disk pc=$cache
  if [ "$cache" = tmpfs ]; then files=tmpfs pc="(memory)"; fi
  med=$(median <"$t")
  fl=$(median <"$dir/floor-$cache.t")
  n=$(wc -l <"$t")
  okn=$(grep -c '^1$' "$dir/$label-$cache.ok" || true)
  verdict="$okn/$n equal"
  if [ "$VERIFY" = 0 ]; then verdict="not checked"; elif [ "$okn" -ne "$n" ]; then bad=1 verdict="$verdict: WRONG"; fi
  fmed=$(median <"$dir/$label-$cache.f")
  printf '%-5s %-12s %-6s %-10s %4d %9.3f %8.3f %8.3f %8.3f %9.2f %6s %5.2f %9d %6.2f %7.3f %7.2f  %s\n' "$label" "$state" "$files" "$pc" "$n" "$med" \
    "$(sort -g "$t" | head -1)" "$(sort -g "$t" | tail -1)" "$fl" "$(awk -v m="$med" -v f="$fl" 'BEGIN{print m/f}')" "${goal}x" \
    "$(awk -v m="$med" -v f="$fl" -v g="$goal" 'BEGIN{print m/(f*g)}')" \
    "$(awk '{print $1}' "$dir/$label-$cache.pf" | median)" "$(awk '{print $3}' "$dir/$label-$cache.pf" | median)" \
    "$fmed" "$(awk -v m="$fmed" -v f="$fl" 'BEGIN{print m/f}')" "$verdict"
done
echo "x floor = median / the read floor's median (bench/floor, same folder, same run); ratio = x floor / goal (met when <= 1): warm start <= 0.5x the floor, cold start <= 1.5x"
echo "feed s = median time to the first 200 of /rss.xml: a warm start serves the feeds its last run saved until its first build (then ready); a cold start has none, so it is its ready time"
exit "$bad"
