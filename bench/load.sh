#!/usr/bin/env bash
# Load test (issue 8): mixed traffic at a FIXED rate on loopback for ten minutes against
# `saring serve` (release build, SQLite), recording errors (target 0), p50/p99 latency per
# operation, and the server's RSS every 10 s (target: flat), with a CSV and an SVG chart of
# memory over time.
#
# Usage: bench/load.sh [options]
#
#   --duration S        seconds of load (default 600)
#   --ingest-rate R     ingest batches per second (default 2)
#   --batch N           events per batch (default 100)
#   --ads-per-batch N   clear ads on new accounts per batch; they open the cases the
#                       decisions take (default 8)
#   --read-rate R       GET /v1/cases/{id} per second (default 150)
#   --queue-rate R      GET /v1/cases?limit=50 per second (default 38)
#   --decide-rate R     freeze decisions per second (default 10)
#   --data DIR          folder with nbc-twitter/ and sms-spam-id/ (default ../shared/data)
#   --no-build          use the existing target/release binaries
#   --keep              keep the temporary store and the server log
#
# Default mix: 2 + 150 + 38 + 10 = 200 requests/s, 200 events/s. The load generator is
# `loadgen soak` (crates/saring/examples/loadgen/soak.rs): open loop, each kind on its own
# schedule, latency from the scheduled start; the freeze orders go to a webhook receiver it
# runs. The server is started with SARING_WEBHOOK__ALLOW_PRIVATE_TARGETS=true for that
# receiver; any other SARING_* variable in the environment reaches the server too. The
# per-token rate limits ([limits]) are lifted for the run unless SARING_LIMITS__* are set:
# two tokens carry all the traffic, and the limiter's 429s would count as errors.
#
# Writes target/bench/load/: load.csv (t_s, rss_mib, requests, errors), load.svg,
# load.json (the loadgen summary), load-results.md (the table), loadavg.csv.

set -euo pipefail

DURATION=600
INGEST_RATE=2
BATCH=100
ADS=8
READ_RATE=150
QUEUE_RATE=38
DECIDE_RATE=10
DATA=""
BUILD=1
KEEP=0

die() { echo "load.sh: $*" >&2; exit 1; }
say() { echo "load.sh: $*" >&2; }
num='^[0-9]+([.][0-9]+)?$'
while [[ $# -gt 0 ]]; do
    case "$1" in
        --duration) DURATION="${2:?--duration needs a value}"; shift 2 ;;
        --ingest-rate) INGEST_RATE="${2:?--ingest-rate needs a value}"; shift 2 ;;
        --batch) BATCH="${2:?--batch needs a value}"; shift 2 ;;
        --ads-per-batch) ADS="${2:?--ads-per-batch needs a value}"; shift 2 ;;
        --read-rate) READ_RATE="${2:?--read-rate needs a value}"; shift 2 ;;
        --queue-rate) QUEUE_RATE="${2:?--queue-rate needs a value}"; shift 2 ;;
        --decide-rate) DECIDE_RATE="${2:?--decide-rate needs a value}"; shift 2 ;;
        --data) DATA="${2:?--data needs a value}"; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --keep) KEEP=1; shift ;;
        -h|--help) sed -n '2,/^$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $1 (try --help)" ;;
    esac
done
for v in "$DURATION" "$INGEST_RATE" "$READ_RATE" "$QUEUE_RATE" "$DECIDE_RATE"; do
    [[ "$v" =~ $num ]] || die "rates and --duration must be non-negative numbers, got '$v'"
done
[[ "$BATCH" =~ ^[1-9][0-9]*$ && "$ADS" =~ ^[0-9]+$ ]] || die "--batch and --ads-per-batch must be integers"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="$TARGET/release/saring"
LOADGEN="$TARGET/release/examples/loadgen"
OUT="target/bench/load"
DATA="${DATA:-$ROOT/../shared/data}"
TEXTS=("$DATA/nbc-twitter/dev-manual.jsonl" "$DATA/sms-spam-id/sms.jsonl")
for f in "${TEXTS[@]}"; do [[ -s "$f" ]] || die "text file $f not found (use --data DIR)"; done
command -v jq > /dev/null || die "jq is needed (apt-get install jq)"
mkdir -p "$OUT"
rm -f "$OUT"/load.*  "$OUT/loadavg.csv" "$OUT/load-results.md"

if [[ "$BUILD" -eq 1 ]]; then
    say "cargo build --release -p saring --bin saring --examples"
    cargo build --release -p saring --bin saring --examples
fi
[[ -x "$BIN" && -x "$LOADGEN" ]] || die "$BIN or $LOADGEN missing (build failed, or --no-build without a build)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/saring-load.XXXXXX")"
SERVER_PID=""
LOADAVG_PID=""
cleanup() {
    local rc=$?
    [[ -n "$LOADAVG_PID" ]] && kill "$LOADAVG_PID" 2> /dev/null || true
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2> /dev/null; then
        kill -TERM "$SERVER_PID" 2> /dev/null || true
        for _ in $(seq 50); do kill -0 "$SERVER_PID" 2> /dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2> /dev/null || true
    fi
    if [[ "$KEEP" -eq 1 || $rc -ne 0 ]]; then say "kept $WORK (store s.db, server.log)"; else rm -rf "$WORK"; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The load runs on few tokens at high rates: the per-token limits ([limits]) are lifted
# unless set; webhook targets on this machine are allowed.
# shellcheck source=bench/server-common.sh
source "$ROOT/bench/server-common.sh"
start_fresh_server \
    SARING_LIMITS__API_PER_SECOND="${SARING_LIMITS__API_PER_SECOND:-1000000}" \
    SARING_LIMITS__API_BURST="${SARING_LIMITS__API_BURST:-1000000}" \
    SARING_LIMITS__INGEST_PER_SECOND="${SARING_LIMITS__INGEST_PER_SECOND:-1000000}" \
    SARING_LIMITS__INGEST_BURST="${SARING_LIMITS__INGEST_BURST:-1000000}" \
    SARING_WEBHOOK__ALLOW_PRIVATE_TARGETS=true
say "server pid $SERVER_PID at $URL; $DURATION s of load"

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
( echo "t_s,load1,load5,load15"; t=0
  while true; do echo "$t,$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)"; sleep 10; t=$((t + 10)); done ) > "$OUT/loadavg.csv" &
LOADAVG_PID=$!

TEXT_ARGS=()
for f in "${TEXTS[@]}"; do TEXT_ARGS+=(--texts "$f"); done
set +e
LOADGEN_INGEST_TOKEN="$INGEST_TOKEN" LOADGEN_MOD_TOKEN="$MOD_TOKEN" "$LOADGEN" soak --url "$URL" \
    --server-pid "$SERVER_PID" --duration "$DURATION" --ingest-rate "$INGEST_RATE" --batch "$BATCH" \
    --ads-per-batch "$ADS" --read-rate "$READ_RATE" --queue-rate "$QUEUE_RATE" \
    --decide-rate "$DECIDE_RATE" "${TEXT_ARGS[@]}" --csv "$OUT/load.csv" --svg "$OUT/load.svg" \
    > "$OUT/load.json" 2> "$OUT/loadgen.stderr"
rc=$?
set -e
kill "$LOADAVG_PID" 2> /dev/null || true
LOADAVG_PID=""
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
kill -0 "$SERVER_PID" 2> /dev/null || { tail -n 30 "$WORK/server.log" >&2; die "the server died during the test"; }
[[ -s "$OUT/load.json" ]] || { cat "$OUT/loadgen.stderr" >&2; die "loadgen soak failed before its summary"; }
PEAK_KB="$(awk '/^VmHWM:/{print $2}' "/proc/$SERVER_PID/status")"
DB_MB="$(du -cm "$WORK"/s.db* | awk 'END{print $1}')"
LOAD_MEAN="$(awk -F, 'NR > 1 {s += $2; n++} END {if (n) printf "%.1f", s / n}' "$OUT/loadavg.csv")"

{
    echo "# saring serve load test"
    echo
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); git $(git rev-parse --short HEAD 2> /dev/null || echo none)$(git diff --quiet HEAD 2> /dev/null || echo ' (dirty)'); $(nproc) cores; store: SQLite, fresh"
    echo "load average (1/5/15 min) before: $LOAD_BEFORE; after: $LOAD_AFTER; mean 1-min load during the test: $LOAD_MEAN (target/bench/load/loadavg.csv)"
    jq -r '"rates: \(.rates_per_s.ingest_batches) ingest batches/s of \(.rates_per_s.batch) (\(.rates_per_s.events) events/s), \(.rates_per_s.read) case reads/s, \(.rates_per_s.queue) queue reads/s, \(.rates_per_s.decide) decisions/s = \(.rates_per_s.total_requests) requests/s for \(.duration_s) s"' "$OUT/load.json"
    echo
    echo "| operation | requests | errors | p50 ms | p90 ms | p99 ms | max ms |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    for k in ingest read queue decide; do
        jq -r --arg k "$k" '.kinds[$k] as $x | "| \($k) | \($x.count) | \($x.errors) | \($x.latency_ms.p50 // "-") | \($x.latency_ms.p90 // "-") | \($x.latency_ms.p99 // "-") | \($x.latency_ms.max // "-") |"' "$OUT/load.json"
    done
    echo
    jq -r '"errors: \(.errors) of \(.requests) requests (target 0); decisions skipped for want of an open case: \(.decisions_skipped_no_open_case); orders delivered to the receiver: \(.orders_delivered)"' "$OUT/load.json"
    jq -r '"server RSS: first minute \(.rss_mib.first_minute_mean) MiB, last minute \(.rss_mib.last_minute_mean) MiB, min \(.rss_mib.min), max \(.rss_mib.max); slope \(.rss_mib.slope_per_min) MiB/min over the run, \(.rss_mib.slope_per_min_second_half) MiB/min over its second half (\(.rss_mib.samples) samples)"' "$OUT/load.json"
    echo "server peak RSS (VmHWM): $(awk -v k="$PEAK_KB" 'BEGIN{printf "%.1f", k / 1024}') MiB; store on disk at the end: $DB_MB MB"
} > "$OUT/load-results.md"
cat "$OUT/load-results.md"
say "results in $OUT/ (load-results.md, load.csv, load.svg, load.json)"
exit "$rc"
