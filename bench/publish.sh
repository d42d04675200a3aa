#!/usr/bin/env bash
# Publishing N generated articles (default 10,000) to a bucket of a local
# SeaweedFS, with "dropfeed build -out -publish", side by side with
# "rclone sync" (and "aws s3 sync" with AWS=1) of the same folder:
#
#   first:     an empty prefix: the time, and the objects uploaded;
#   unchanged: the same again: the time, and the objects uploaded (0);
#   one new:   one article dropped in, the newest: the time, and the
#              uploads (its page and the feeds and index it changes).
#
# dropfeed's times are those its own line reports for the upload alone
# ("published ... in"), and the whole build's (parse, render, write the
# folder, publish). The syncs copy the folder the build wrote, without the
# .gz copies and dropfeed's hidden files, so that both publish the same
# objects.
#
#   bash bench/publish.sh                 # N=10000
#   N=1000 AWS=1 bash bench/publish.sh
#
# The weed binary comes from WEED, else from .ci/seaweedfs's cache. It
# listens on 127.0.0.1 only and is stopped at exit, its data removed.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
BASE_URL=https://news.example.com/
WEED=${WEED:-$(bash .ci/seaweedfs -path)}
[ -x "$WEED" ] || { echo "no weed binary at $WEED: run .ci/seaweedfs" >&2; exit 1; }

. bench/lib.sh
bench_work publish
weed_pid=
cleanup() {
  if [ -n "$weed_pid" ]; then kill "$weed_pid" 2>/dev/null || true; wait "$weed_pid" 2>/dev/null || true; fi
  bench_cleanup
}
trap cleanup EXIT

go build -o "$work/dropfeed" ./cmd/dropfeed
go build -o "$work/gencorpus" ./cmd/gencorpus
echo "machine: $(nproc) cores, $(uname -sr), $(go version | cut -d' ' -f3), load $(cut -d' ' -f1-3 /proc/loadavg); files in $base_dir"
"$work/gencorpus" -n "$N" -now "$corpus_now" -out "$work/corpus" 2>/dev/null

# SeaweedFS: every component on 127.0.0.1, on ports from a random base.
KEY=BENCHKEY0000000000 SECRET=bench-secret-$RANDOM$RANDOM
port=$(( 20000 + RANDOM % 30000 ))
mkdir -p "$work/weed/data"
printf '{"identities":[{"name":"bench","credentials":[{"accessKey":"%s","secretKey":"%s"}],"actions":["Admin","Read","List","Tagging","Write"]}]}' \
  "$KEY" "$SECRET" >"$work/weed/s3.json"
args=(-logdir="$work/weed" mini -ip=127.0.0.1 -ip.bind=127.0.0.1 -master.telemetry=false -dir="$work/weed/data"
  -s3.config="$work/weed/s3.json" -s3.port.https=0 -s3.port.iceberg=0 -s3.port.lance=0 -webdav=false -admin.ui=false
  -admin.port.legacy=0 -s3.autoCreateBucket=false -metricsPort=0 -s3.metricsPort=0 -bucket=site
  -filer.localSocket="$work/weed/f.sock" -s3.localSocket="$work/weed/s.sock")
i=0
for n in master.port master.port.grpc volume.port volume.port.grpc filer.port filer.port.grpc s3.port s3.port.grpc admin.port admin.port.grpc; do
  args+=("-$n=$(( port + i ))"); i=$(( i + 1 ))
done
s3=http://127.0.0.1:$(( port + 6 ))
(cd "$work/weed" && env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY HOME="$work/weed" "$WEED" "${args[@]}" >"$work/weed/log" 2>&1) &
weed_pid=$!

export AWS_ENDPOINT_URL_S3=$s3 AWS_ACCESS_KEY_ID=$KEY AWS_SECRET_ACCESS_KEY=$SECRET AWS_REGION=us-east-1
unset AWS_CA_BUNDLE AWS_PROFILE AWS_ENDPOINT_URL || true
rc=(--s3-provider SeaweedFS --s3-endpoint "$s3" --s3-access-key-id "$KEY" --s3-secret-access-key "$SECRET" --s3-region us-east-1
  --exclude '*.gz' --exclude '.dropfeed*' --transfers 16 --checkers 16 --stats-one-line -v)
for _ in $(seq 600); do
  rclone lsd ":s3:" "${rc[@]}" 2>/dev/null | grep -q ' site$' && break
  sleep 0.2
done
rclone lsd ":s3:" "${rc[@]}" 2>/dev/null | grep -q ' site$' || { echo "SeaweedFS did not start:" >&2; tail "$work/weed/log" >&2; exit 1; }

now_ns() { date +%s%N; }
secs() { awk -v d="$1" 'BEGIN{printf "%.2f", d/1e9}'; }

# publish LABEL: one build -publish; prints its line.
publish() {
  local t0 line
  t0=$(now_ns)
  "$work/dropfeed" build -content "$work/corpus" -out "$work/out" -state "$work/state.db" -base-url "$BASE_URL" \
    -publish s3://site/dropfeed 2>"$work/build.log"
  line=$(grep -E '^(published|nothing to upload)' "$work/build.log")
  printf '%-10s dropfeed: build+publish %s s; %s\n' "$1" "$(secs $(( $(now_ns) - t0 )))" "$line"
}

# sync LABEL TOOL: the folder synced by rclone (or aws) to a prefix of its own.
sync() {
  local t0 out n
  t0=$(now_ns)
  mkdir -p "$work/copy"
  rsync -a --delete --exclude '*.gz' --exclude '.dropfeed*' "$work/out/" "$work/copy/"
  t0=$(now_ns)
  if [ "$2" = rclone ]; then
    out=$(rclone sync "$work/copy" ":s3:site/rclone" "${rc[@]}" 2>&1)
    n=$(echo "$out" | grep -c ': Copied' || true)
  else
    out=$(aws s3 sync "$work/copy" s3://site/aws --delete --endpoint-url "$s3" --only-show-errors --no-progress 2>&1; aws s3 sync "$work/copy" s3://site/aws --delete --endpoint-url "$s3" --dryrun 2>/dev/null | wc -l)
    n=?
  fi
  printf '%-10s %s sync: %s s; %s objects copied\n' "$1" "$2" "$(secs $(( $(now_ns) - t0 )))" "$n"
}

tools=(rclone)
[ "${AWS:-0}" = 1 ] && tools+=(aws)
publish first
for t in "${tools[@]}"; do sync first "$t"; done
echo "objects: $(find "$work/copy" -type f | wc -l) files in the folder (no .gz)"
publish unchanged
for t in "${tools[@]}"; do sync unchanged "$t"; done
# Dated now: the newest article, at the top of the main feeds.
printf 'The dam holds\nDate: %s\n\nThe water stayed behind it.\n' "$(date -u '+%Y-%m-%d %H:%M')" >"$work/corpus/zz-dam-holds.txt"
publish "one new"
for t in "${tools[@]}"; do sync "one new" "$t"; done
