# Sourced by the bench scripts: the work folder and waiting for serve.

# corpus_now is the -now of every corpus the scripts make: the time the
# script started. The generator schedules a share of its articles an hour to
# sixty days after -now (not yet visible) and dates the rest before it. With
# its fixed default, those articles come due one by one as the calendar
# passes it, and one that comes due during a run changes the feeds between
# two starts over the same folder: a warm start then serves saved feeds that
# differ from the build after it, and a restart that should write nothing
# writes. From the run's own time, none comes due within the hour.
corpus_now=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# bench_work NAME makes the work folder $work, in /dev/shm when it is
# writable (else TMPDIR; $base_dir says which), and at exit stops the
# server whose PID is in $pid and removes $work and the folder in $disk.
bench_work() {
  base_dir=${TMPDIR:-/tmp}
  [ -d /dev/shm ] && [ -w /dev/shm ] && base_dir=/dev/shm
  work=$(mktemp -d "$base_dir/dropfeed-$1.XXXXXX")
  pid= disk=
  trap bench_cleanup EXIT
  go build -o "$work/ready" ./bench/ready
}

bench_cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
  if [ -n "$disk" ]; then rm -rf "$disk"; fi
}

# wait_ready LOG SECONDS waits until the serve started as $pid, logging to
# LOG, has printed its listening line and answers /healthz with 200; it sets
# $url to the base URL. It exits the script when serve exits first or is
# not ready within SECONDS. The waiting is bench/ready (bench_work builds
# it): one process polling every 5 ms, where a shell loop forking curl took
# CPU from the serve it timed.
#
# wait_ready LOG SECONDS PATH T0 OUT also times the first 200 of PATH (a
# restart serves its last run's feeds before its first build): it sets
# $first_s, the seconds from T0 (Unix nanoseconds) to that answer, and
# keeps that answer's body in OUT.
wait_ready() {
  local log=$1 out
  local args=(-log "$log" -pid "$pid" -timeout "$2s")
  if [ $# -ge 5 ]; then args+=(-first "$3" -since "$4" -first-out "$5"); fi
  if ! out=$("$work/ready" "${args[@]}"); then
    echo "serve was not ready:" >&2; tail -5 "$log" >&2; exit 1
  fi
  url=$(sed -n 1p <<<"$out")
  first_s=$(sed -n 2p <<<"$out")
}

# wait_cut LOG SECONDS waits until serve logs that it cut the archive pages
# its start left whole (tens of seconds on both cores at 100,000 articles;
# logged with pages=0 when it left none), or SECONDS went by.
wait_cut() {
  local deadline=$(( $(date +%s%N) + $2 * 1000000000 ))
  while [ "$(date +%s%N)" -lt "$deadline" ]; do
    grep -q 'msg="archive pages cut"' "$1" && return
    sleep 0.05
  done
}

# wait_out SECONDS waits until the serve at $url says in /healthz that its
# static folder (-out) holds the build it serves (a serve whose /healthz has
# no "outputs" wrote the folder before it turned ready); it exits the script
# when serve exits first or the folder is not current within SECONDS.
wait_out() {
  local deadline=$(( $(date +%s%N) + $1 * 1000000000 )) h
  while :; do
    h=$(curl -fs "${url}healthz" 2>/dev/null || true)
    if echo "$h" | grep -q '"out":{[^}]*"current":true'; then return; fi
    if [ -n "$h" ] && ! echo "$h" | grep -q '"outputs"'; then return; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "serve exited before its static output was current" >&2; exit 1; fi
    if [ "$(date +%s%N)" -gt "$deadline" ]; then echo "static output not current after $1 s" >&2; exit 1; fi
    sleep 0.05
  done
}
