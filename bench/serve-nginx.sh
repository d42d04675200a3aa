#!/usr/bin/env bash
# Serving /rss.xml, side by side: dropfeed serve vs nginx serving the same
# bytes (dropfeed build's output), plain and gzip (nginx: gzip_static), and
# vs a bare net/http handler replaying dropfeed's responses byte for byte
# (bench/nethttp): what net/http itself allows, with dropfeed's timeouts.
# wrk -t2 -c64 for DURATION, RUNS runs each, the servers taking turns;
# prints medians and the ratios.
# Installs nginx-light and wrk from Debian if missing. Loopback only.
#
#   bash bench/serve-nginx.sh          # N=2000 articles, MAX_ITEMS=20 (a 62 KB feed, 14 KB gzip)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-2000}
MAX_ITEMS=${MAX_ITEMS:-20}
DURATION=${DURATION:-10s}
RUNS=${RUNS:-3}
if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light >/dev/null
fi
corpus_now=$(date -u +%Y-%m-%dT%H:%M:%SZ) # the corpus's -now: see corpus_now in bench/lib.sh
work=$(mktemp -d); chmod 755 "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT
go build -o "$work/dropfeed" ./cmd/dropfeed
go build -o "$work/gencorpus" ./cmd/gencorpus
go build -o "$work/nethttp" ./bench/nethttp
"$work/gencorpus" -n "$N" -now "$corpus_now" -out "$work/corpus" 2>/dev/null
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# base_url LOG PATH prints the base URL a server logged ("listening on URL")
# once PATH under it answers; it waits at most 30 s.
base_url() {
  local base
  for _ in $(seq 1 300); do
    base=$(sed -n 's/^listening on \(http:[^ ]*\)$/\1/p' "$1" | head -1)
    [ -n "$base" ] && curl -fs "$base$2" >/dev/null 2>&1 && { echo "$base"; return; }
    sleep 0.1
  done
  echo "no server answered at the URL $1 logged" >&2; exit 1
}

# dropfeed serve
"$work/dropfeed" serve -addr 127.0.0.1:0 -content "$work/corpus" -max-items "$MAX_ITEMS" -state "$work/state.db" 2>"$work/serve.log" &
pids+=($!)
dbase=$(base_url "$work/serve.log" healthz)
# the same bytes as static files, under nginx
"$work/dropfeed" build -content "$work/corpus" -out "$work/public" -base-url "$dbase" -max-items "$MAX_ITEMS" -state "$work/state2.db" -pages=false 2>/dev/null
port=$(free_port)
mkdir -p "$work/nginx/logs"
cat > "$work/nginx/nginx.conf" <<NGINX
worker_processes 2;
error_log $work/nginx/logs/error.log warn;
pid $work/nginx/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on; tcp_nopush on;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:$port;
    root $work/public;
    gzip_static on;
    location = /rss.xml { types { } default_type "application/rss+xml; charset=utf-8"; expires 1m; }
  }
}
NGINX
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)
nbase="http://127.0.0.1:$port/"
for _ in $(seq 1 100); do curl -fs "${nbase}rss.xml" >/dev/null 2>&1 && break; sleep 0.05; done
cmp <(curl -fs "${dbase}rss.xml") <(curl -fs "${nbase}rss.xml") || { echo "dropfeed and nginx serve different bytes" >&2; exit 1; }
# dropfeed's two responses, replayed by a bare net/http handler
curl -fsi -o "$work/plain.http" "${dbase}rss.xml"
curl -fsi -o "$work/gzip.http" -H 'Accept-Encoding: gzip' "${dbase}rss.xml"
"$work/nethttp" -plain "$work/plain.http" -gzip "$work/gzip.http" >"$work/nethttp.log" 2>&1 &
pids+=($!)
hbase=$(base_url "$work/nethttp.log" rss.xml)
for hdr in "" "Accept-Encoding: gzip"; do
  cmp <(curl -fsi ${hdr:+-H "$hdr"} "${dbase}rss.xml" | grep -v '^Date:') <(curl -fsi ${hdr:+-H "$hdr"} "${hbase}rss.xml" | grep -v '^Date:') ||
    { echo "dropfeed and bench/nethttp send different responses (${hdr:-plain})" >&2; exit 1; }
done
echo "machine: $(nproc) cores, $(uname -sr), $(go version | cut -d' ' -f3), $(nginx -v 2>&1 | cut -d' ' -f3), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "/rss.xml: $(curl -fs "${dbase}rss.xml" | wc -c) bytes, $(curl -fs -H 'Accept-Encoding: gzip' "${dbase}rss.xml" | wc -c) gzip; $MAX_ITEMS items of $N articles"

median() { sort -g | awk '{a[NR]=$1} END{print (NR%2)? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
bench() { # url [header] -> "rps p99ms"
  for _ in $(seq "$RUNS"); do
    wrk -t2 -c64 -d"$DURATION" --latency ${2:+-H "$2"} "$1" | awk '/Requests\/sec/{r=$2} /^ +99%/{p=$2} END{print r, p}'
  done
}
for mode in plain gzip; do
  hdr=""; [ $mode = gzip ] && hdr="Accept-Encoding: gzip"
  : >"$work/d" ; : >"$work/n"; : >"$work/h"
  for _ in $(seq "$RUNS"); do # the three servers take turns, so that a noisy spell hits them alike
    RUNS=1 bench "${dbase}rss.xml" "$hdr" >>"$work/d"
    RUNS=1 bench "${nbase}rss.xml" "$hdr" >>"$work/n"
    RUNS=1 bench "${hbase}rss.xml" "$hdr" >>"$work/h"
  done
  drps=$(awk '{print $1}' "$work/d" | median); nrps=$(awk '{print $1}' "$work/n" | median); hrps=$(awk '{print $1}' "$work/h" | median)
  printf "%-6s dropfeed %9.0f req/s (p99 %s)  nginx %9.0f req/s (p99 %s)  net/http %9.0f req/s (p99 %s)\n" "$mode" \
    "$drps" "$(tail -1 "$work/d" | awk '{print $2}')" "$nrps" "$(tail -1 "$work/n" | awk '{print $2}')" "$hrps" "$(tail -1 "$work/h" | awk '{print $2}')"
  printf "%-6s dropfeed/nginx %.2f (goal >= 0.8)  net/http/nginx %.2f (what net/http allows)  dropfeed/net/http %.2f (load %s)\n" "$mode" \
    "$(echo "$drps / $nrps" | bc -l)" "$(echo "$hrps / $nrps" | bc -l)" "$(echo "$drps / $hrps" | bc -l)" "$(cut -d' ' -f1-3 /proc/loadavg)"
done
