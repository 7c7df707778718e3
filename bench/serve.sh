#!/usr/bin/env bash
# bench/serve.sh — benchmark of `saring serve`: ingest throughput and moderator latency, with
# `saring scan` over the same texts as the baseline measured in the same run.
#
# Usage (from anywhere: the script cd's to the repo root):
#
#   bench/serve.sh                     # 200,000 events at concurrency 2, 4 and 8, 30 s at 200 rps
#   bench/serve.sh --events 50000 --duration 10     # quick run
#
# Options:
#   --events N        events per ingest run (default 200000)
#   --batch N         events per request (default 500)
#   --concurrency L   comma-separated ingest concurrencies, one run each (default 2,4,8)
#   --rate R          requests/s of the mixed moderator test (default 200)
#   --duration S      seconds of the mixed test (default 30)
#   --data DIR        data folder for the texts (default ../shared/data)
#   --no-build        skip `cargo build --release -p saring --examples`
#   --keep            keep the temporary store and server log (the path is printed)
#   -h, --help        this text
#
# What it does:
#   1. cargo build --release -p saring --examples -> target/release/saring, .../examples/loadgen
#   2. a fresh SQLite store in a temporary folder: `saring platform add michat`, then
#      `saring user add` for an admin (ingest) and a moderator; their tokens go to loadgen
#      through the environment
#   3. `saring serve --listen 127.0.0.1:0` with RUST_LOG=warn (stopped by a trap on exit)
#   4. the baseline: `loadgen corpus` writes the events the ingest runs send (same seed, same
#      texts from nbc-twitter/dev-manual.jsonl and sms-spam-id/sms.jsonl) as NDJSON, and
#      `saring scan --threads 1` and `--threads 2` score them under `/usr/bin/time -v`
#      (scoring alone: no HTTP, no commit)
#   5. `loadgen ingest` once per concurrency (events spread over 20,000 accounts per run;
#      each run has its own id prefix, so later runs write into a store that already holds
#      the earlier runs' events), with the server's CPU time read from /proc before and after,
#      and the linker's backlog (events committed, not linked yet) from /healthz after
#   6. `loadgen mixed`: opens cases, then an open-loop 200 rps schedule alternating
#      GET /v1/cases/{id} and POST /v1/cases/{id}/decision for 30 s
#   7. the server's peak RSS (VmHWM in /proc/PID/status), then the table, also written to
#      target/bench/serve/serve-results.md
#
# Targets: ingest >= 20,000 events/s; moderator requests p50 and p99 <= 20 ms.
# The load generator runs on the same machine and takes CPU from the server; the table shows
# how much. See bench/README.md, section "Service", for how to read the numbers.

set -euo pipefail

EVENTS=200000
BATCH=500
CONCURRENCY="2,4,8"
RATE=200
DURATION=30
DATA=""
BUILD=1
KEEP=0

usage() { sed -n '2,/^$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "serve.sh: $*" >&2; exit 1; }
say() { echo "serve.sh: $*" >&2; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --events) [[ $# -ge 2 ]] || die "--events needs a value"; EVENTS="$2"; shift 2 ;;
        --events=*) EVENTS="${1#*=}"; shift ;;
        --batch) [[ $# -ge 2 ]] || die "--batch needs a value"; BATCH="$2"; shift 2 ;;
        --batch=*) BATCH="${1#*=}"; shift ;;
        --concurrency) [[ $# -ge 2 ]] || die "--concurrency needs a value"; CONCURRENCY="$2"; shift 2 ;;
        --concurrency=*) CONCURRENCY="${1#*=}"; shift ;;
        --rate) [[ $# -ge 2 ]] || die "--rate needs a value"; RATE="$2"; shift 2 ;;
        --rate=*) RATE="${1#*=}"; shift ;;
        --duration) [[ $# -ge 2 ]] || die "--duration needs a value"; DURATION="$2"; shift 2 ;;
        --duration=*) DURATION="${1#*=}"; shift ;;
        --data) [[ $# -ge 2 ]] || die "--data needs a value"; DATA="$2"; shift 2 ;;
        --data=*) DATA="${1#*=}"; shift ;;
        --no-build) BUILD=0; shift ;;
        --keep) KEEP=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown argument: $1 (try --help)" ;;
    esac
done
[[ "$EVENTS" =~ ^[1-9][0-9]*$ ]] || die "--events must be a positive integer, got '$EVENTS'"
[[ "$BATCH" =~ ^[1-9][0-9]*$ ]] || die "--batch must be a positive integer, got '$BATCH'"
[[ "$CONCURRENCY" =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "--concurrency must be a list such as 2,4, got '$CONCURRENCY'"
[[ "$RATE" =~ ^[1-9][0-9]*$ ]] || die "--rate must be a positive integer, got '$RATE'"
[[ "$DURATION" =~ ^[1-9][0-9]*$ ]] || die "--duration must be a positive integer, got '$DURATION'"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

TARGET="${CARGO_TARGET_DIR:-target}"
BIN="$TARGET/release/saring"
LOADGEN="$TARGET/release/examples/loadgen"
OUT="target/bench/serve"
DATA="${DATA:-$ROOT/../shared/data}"
[[ -d "$DATA" ]] || die "data folder $DATA not found (use --data DIR)"
TEXTS=("$DATA/nbc-twitter/dev-manual.jsonl" "$DATA/sms-spam-id/sms.jsonl")
for f in "${TEXTS[@]}"; do [[ -s "$f" ]] || die "text file $f not found"; done
TEXT_ARGS=()
for f in "${TEXTS[@]}"; do TEXT_ARGS+=(--texts "$f"); done
NPROC="$(nproc)"
CLK_TCK="$(getconf CLK_TCK)"
mkdir -p "$OUT"
rm -f "$OUT"/*.json "$OUT"/*.time "$OUT"/*.stderr "$OUT/serve-results.md"

# ---------------------------------------------------------------- tools
need_pkg() { # need_pkg COMMAND PACKAGE
    command -v "$1" > /dev/null && return 0
    say "$1 missing: installing the '$2' package"
    local sudo=""
    [[ "$(id -u)" -eq 0 ]] || sudo="sudo"
    { $sudo apt-get update -qq && $sudo apt-get install -y -qq "$2" > /dev/null; } \
        || die "could not install '$2' (apt-get install $2)"
}
need_pkg jq jq
need_pkg curl curl
[[ -x /usr/bin/time ]] || need_pkg /usr/bin/time time
/usr/bin/time -v true 2>&1 | grep "Maximum resident set size" > /dev/null \
    || die "/usr/bin/time is not GNU time (no -v): install the 'time' package"

# ---------------------------------------------------------------- build
if [[ "$BUILD" -eq 1 ]]; then
    say "cargo build --release -p saring --examples"
    cargo build --release -p saring --bin saring --examples
fi
[[ -x "$BIN" ]] || die "$BIN not found (build failed, or --no-build without a build)"
[[ -x "$LOADGEN" ]] || die "$LOADGEN not found (build failed, or --no-build without a build)"

# ---------------------------------------------------------------- store and server
WORK="$(mktemp -d "${TMPDIR:-/tmp}/saring-serve-bench.XXXXXX")"
SERVER_PID=""
cleanup() {
    local rc=$?
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2> /dev/null; then
        kill -TERM "$SERVER_PID" 2> /dev/null || true
        for _ in $(seq 50); do kill -0 "$SERVER_PID" 2> /dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2> /dev/null || true
        wait "$SERVER_PID" 2> /dev/null || true
    fi
    if [[ "$KEEP" -eq 1 || $rc -ne 0 ]]; then
        say "kept $WORK (store s.db, server.log)"
    else
        rm -rf "$WORK"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "starting saring serve on a fresh store in $WORK"
# shellcheck source=bench/server-common.sh
source "$ROOT/bench/server-common.sh"
start_fresh_server
say "server pid $SERVER_PID at $URL"

server_cpu() { # user + system CPU seconds of the server so far
    awk -v t="$CLK_TCK" '{printf "%.2f", ($14 + $15) / t}' "/proc/$SERVER_PID/stat"
}
server_alive() {
    kill -0 "$SERVER_PID" 2> /dev/null || { tail -n 30 "$WORK/server.log" >&2; die "the server died"; }
}
# Seconds from /usr/bin/time -v: wall (h:mm:ss or m:ss.ss) and user + system.
time_wall() { awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; printf "%.2f", s}' "$1"; }
time_cpu() { awk -F': ' '/User time|System time/{s+=$2} END{printf "%.2f", s}' "$1"; }
time_rss_mib() { awk -F': ' '/Maximum resident/{printf "%.1f", $2/1024}' "$1"; }

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- baseline: scan the same texts
CORPUS="$OUT/corpus.ndjson"
say "writing the corpus ($EVENTS events) for the scan baseline"
"$LOADGEN" corpus --out "$CORPUS" --events "$EVENTS" "${TEXT_ARGS[@]}" 2> "$OUT/corpus.stderr" \
    || { cat "$OUT/corpus.stderr" >&2; die "loadgen corpus failed"; }
for t in 1 2; do
    say "run scan-${t}t: saring scan --threads $t $CORPUS"
    /usr/bin/time -v -o "$OUT/scan-${t}t.time" "$BIN" scan --threads "$t" "$CORPUS" \
        > "$OUT/scan-${t}t.ndjson" 2> "$OUT/scan-${t}t.stderr" \
        || { tail -n 20 "$OUT/scan-${t}t.stderr" >&2; die "saring scan --threads $t failed"; }
    [[ "$(wc -l < "$OUT/scan-${t}t.ndjson")" -eq "$EVENTS" ]] || die "scan-${t}t wrote $(wc -l < "$OUT/scan-${t}t.ndjson") lines, expected $EVENTS"
    say "  $(time_wall "$OUT/scan-${t}t.time") s wall, $(time_cpu "$OUT/scan-${t}t.time") s CPU"
done

# ---------------------------------------------------------------- ingest
IFS=',' read -r -a CONCS <<< "$CONCURRENCY"
for c in "${CONCS[@]}"; do
    server_alive
    say "run ingest-c$c: $EVENTS events, batches of $BATCH, concurrency $c"
    cpu0="$(server_cpu)"
    LOADGEN_TOKEN="$INGEST_TOKEN" /usr/bin/time -v -o "$OUT/ingest-c$c.time" \
        "$LOADGEN" ingest --url "$URL" --events "$EVENTS" --batch "$BATCH" --concurrency "$c" \
        --prefix "c$c" "${TEXT_ARGS[@]}" > "$OUT/ingest-c$c.json" 2> "$OUT/ingest-c$c.stderr" \
        || { cat "$OUT/ingest-c$c.stderr" >&2; tail -n 20 "$WORK/server.log" >&2; die "ingest at concurrency $c failed"; }
    cpu1="$(server_cpu)"
    # Events committed but not linked yet when the run ended (the linker runs at a lower
    # priority and catches up after; "-" when linking is off).
    backlog="$(curl -fsS "$URL/healthz" | jq '.linker.pending_events // "-"' 2> /dev/null || echo '"?"')"
    jq -c --argjson s "$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN{printf "%.2f", b - a}')" \
        --argjson l "$(time_cpu "$OUT/ingest-c$c.time")" --argjson b "$backlog" \
        '. + {server_cpu_seconds: $s, loadgen_cpu_seconds: $l, linker_backlog_events: $b}' "$OUT/ingest-c$c.json" > "$OUT/ingest-c$c.tmp"
    mv "$OUT/ingest-c$c.tmp" "$OUT/ingest-c$c.json"
    say "  $(jq -r '"\(.events_per_s) events/s, batch p50 \(.batch_latency_ms.p50) ms, p99 \(.batch_latency_ms.p99) ms, server CPU \(.server_cpu_seconds) s"' "$OUT/ingest-c$c.json")"
done

# ---------------------------------------------------------------- mixed moderator load
server_alive
say "run mixed: $RATE requests/s for $DURATION s (after seeding cases)"
cpu0="$(server_cpu)"
if ! LOADGEN_INGEST_TOKEN="$INGEST_TOKEN" LOADGEN_MOD_TOKEN="$MOD_TOKEN" \
    "$LOADGEN" mixed --url "$URL" --rate "$RATE" --duration "$DURATION" \
    > "$OUT/mixed.json" 2> "$OUT/mixed.stderr"; then
    cat "$OUT/mixed.json" "$OUT/mixed.stderr" >&2
    tail -n 20 "$WORK/server.log" >&2
    die "the mixed test failed"
fi
cpu1="$(server_cpu)"
say "  $(jq -r '"read p50 \(.read.latency_ms.p50) p99 \(.read.latency_ms.p99) ms; decide p50 \(.decide.latency_ms.p50) p99 \(.decide.latency_ms.p99) ms; errors \(.errors)"' "$OUT/mixed.json")"
MIXED_CPU="$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN{printf "%.2f", b - a}')"

server_alive
PEAK_RSS_KB="$(awk '/^VmHWM:/{print $2}' "/proc/$SERVER_PID/status")"
DB_MB="$(du -cm "$WORK"/s.db* | awk 'END{print $1}')"
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- report
CPU_MODEL="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || echo unknown)"
if GIT_REV="$(git rev-parse --short HEAD 2> /dev/null)"; then
    git diff --quiet HEAD 2> /dev/null || GIT_REV="$GIT_REV (dirty)"
else
    GIT_REV="no commit"
fi
SCAN1_RATE="$(awk -v n="$EVENTS" -v s="$(time_wall "$OUT/scan-1t.time")" 'BEGIN{printf "%.0f", n / s}')"
SCAN2_RATE="$(awk -v n="$EVENTS" -v s="$(time_wall "$OUT/scan-2t.time")" 'BEGIN{printf "%.0f", n / s}')"
met() { if awk -v x="$1" -v y="$2" "BEGIN{exit !(x $3 y)}"; then echo MET; else echo "NOT MET"; fi; }

{
    echo "# saring serve benchmark"
    echo
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $NPROC cores ($CPU_MODEL), $(free -m | awk '/^Mem:/{print $2}') MiB RAM"
    echo "saring: $("$BIN" --version 2> /dev/null | head -n1 || echo unknown), git $GIT_REV; store: SQLite (fresh, temporary folder)"
    echo "load average (1/5/15 min) before: $LOAD_BEFORE, after: $LOAD_AFTER — the load generator shares the machine with the server"
    echo
    echo "## Ingest: POST /v1/events, $EVENTS events in batches of $BATCH (target >= 20,000 events/s)"
    echo
    echo "| run | wall s | events/s | batches/s | batch p50 ms | batch p99 ms | server CPU s | events per server CPU-s | loadgen CPU s | linker backlog at the end | target |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    for c in "${CONCS[@]}"; do
        f="$OUT/ingest-c$c.json"
        jq -r --arg c "$c" --arg met "$(met "$(jq .events_per_s "$f")" 20000 '>=')" \
            '"| concurrency \($c) | \(.seconds) | \(.events_per_s) | \(.batches_per_s) | \(.batch_latency_ms.p50) | \(.batch_latency_ms.p99) | \(.server_cpu_seconds) | \(if .server_cpu_seconds > 0 then (.events / .server_cpu_seconds | floor) else "-" end) | \(.loadgen_cpu_seconds) | \(.linker_backlog_events) | \($met) |"' "$f"
    done
    echo
    echo "## Baseline: saring scan over the same $EVENTS texts (scoring only: no HTTP, no commit)"
    echo
    echo "| run | wall s | items/s | CPU s | peak RSS MiB |"
    echo "|---|---:|---:|---:|---:|"
    echo "| scan --threads 1 | $(time_wall "$OUT/scan-1t.time") | $SCAN1_RATE | $(time_cpu "$OUT/scan-1t.time") | $(time_rss_mib "$OUT/scan-1t.time") |"
    echo "| scan --threads 2 | $(time_wall "$OUT/scan-2t.time") | $SCAN2_RATE | $(time_cpu "$OUT/scan-2t.time") | $(time_rss_mib "$OUT/scan-2t.time") |"
    echo
    echo "Ratio ingest events/s ÷ scan items/s (how much of scoring-alone speed the service keeps):"
    echo
    for c in "${CONCS[@]}"; do
        ev="$(jq .events_per_s "$OUT/ingest-c$c.json")"
        echo "- concurrency $c: $(awk -v a="$ev" -v b="$SCAN1_RATE" 'BEGIN{printf "%.2f", a / b}')× scan --threads 1, $(awk -v a="$ev" -v b="$SCAN2_RATE" 'BEGIN{printf "%.2f", a / b}')× scan --threads 2"
    done
    echo
    echo "## Moderators: open loop, $RATE requests/s for $DURATION s, reads and decisions alternating (target p50 and p99 <= 20 ms)"
    echo
    echo "| kind | requests | errors | p50 ms | p90 ms | p99 ms | max ms | target |"
    echo "|---|---:|---:|---:|---:|---:|---:|---|"
    for k in read decide; do
        jq -r --arg k "$k" --arg met "$(met "$(jq ".$k.latency_ms.p99 // 1e9" "$OUT/mixed.json")" 20 '<=')" \
            '.[$k] as $x | "| \(if $k == "read" then "GET /v1/cases/{id}" else "POST /v1/cases/{id}/decision" end) | \($x.count) | \($x.errors) | \($x.latency_ms.p50) | \($x.latency_ms.p90) | \($x.latency_ms.p99) | \($x.latency_ms.max) | \($met) |"' "$OUT/mixed.json"
    done
    jq -r --arg cpu "$MIXED_CPU" '"\nachieved rate \(.achieved_rate)/s, \(.cases_seeded) cases seeded in \(.seed_seconds) s, largest dispatch lag of the schedule \(.max_dispatch_lag_ms) ms, server CPU during seeding + load \($cpu) s"' "$OUT/mixed.json"
    echo
    echo "## Server"
    echo
    echo "peak RSS (VmHWM) $(awk -v k="$PEAK_RSS_KB" 'BEGIN{printf "%.1f", k / 1024}') MiB; store on disk at the end $DB_MB MB"
} > "$OUT/serve-results.md"
cat "$OUT/serve-results.md"
say "results written to $OUT/serve-results.md (raw JSON: $OUT/*.json)"
