#!/usr/bin/env bash
# bench/during.sh — moderators while ingest runs: `loadgen mixed` (reads and decisions at a
# fixed rate, open loop) at the same time as `loadgen ingest`, on a fresh SQLite store.
# bench/serve.sh measures the two one after the other; this measures what a moderator sees
# while a platform is sending events.
#
# Usage (uses the binaries bench/serve.sh builds; build them first):
#
#   bench/during.sh                          # 200,000 events at concurrency 8, 200 rps for 8 s
#   bench/during.sh --concurrency 2
#
# Options:
#   --events N        events of the ingest run (default 200000)
#   --concurrency C   ingest clients (default 8)
#   --rate R          moderator requests/s (default 200)
#   --duration S      seconds of moderator load, started 1 s into the ingest (default 8)
#   -h, --help        this text
#
# Prints the ingest figures and the read and decision latencies (JSON, from loadgen).

set -euo pipefail

EVENTS=200000
CONC=8
RATE=200
DURATION=8
die() { echo "during.sh: $*" >&2; exit 1; }
while [[ $# -gt 0 ]]; do
    case "$1" in
        --events) [[ $# -ge 2 ]] || die "--events needs a value"; EVENTS="$2"; shift 2 ;;
        --concurrency) [[ $# -ge 2 ]] || die "--concurrency needs a value"; CONC="$2"; shift 2 ;;
        --rate) [[ $# -ge 2 ]] || die "--rate needs a value"; RATE="$2"; shift 2 ;;
        --duration) [[ $# -ge 2 ]] || die "--duration needs a value"; DURATION="$2"; shift 2 ;;
        -h|--help) sed -n '2,/^$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $1 (try --help)" ;;
    esac
done
for v in "$EVENTS" "$CONC" "$RATE" "$DURATION"; do
    [[ "$v" =~ ^[1-9][0-9]*$ ]] || die "options take positive integers, got '$v'"
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="$TARGET/release/saring"
LOADGEN="$TARGET/release/examples/loadgen"
DATA="$ROOT/../shared/data"
[[ -x "$BIN" && -x "$LOADGEN" ]] || die "$BIN or $LOADGEN missing: run bench/serve.sh (or cargo build --release -p saring --bin saring --examples) first"
command -v jq > /dev/null || die "jq is needed (apt-get install jq)"
TEXTS=(--texts "$DATA/nbc-twitter/dev-manual.jsonl" --texts "$DATA/sms-spam-id/sms.jsonl")

WORK="$(mktemp -d "${TMPDIR:-/tmp}/saring-during.XXXXXX")"
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2> /dev/null; then
        kill -TERM "$SERVER_PID" 2> /dev/null || true
        for _ in $(seq 50); do kill -0 "$SERVER_PID" 2> /dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2> /dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# shellcheck source=bench/server-common.sh
source "$ROOT/bench/server-common.sh"
start_fresh_server

LOADGEN_TOKEN="$INGEST_TOKEN" "$LOADGEN" ingest --url "$URL" --events "$EVENTS" --batch 500 \
    --concurrency "$CONC" --prefix d "${TEXTS[@]}" > "$WORK/ingest.json" 2> "$WORK/ingest.err" &
INGEST=$!
sleep 1
LOADGEN_INGEST_TOKEN="$INGEST_TOKEN" LOADGEN_MOD_TOKEN="$MOD_TOKEN" \
    "$LOADGEN" mixed --url "$URL" --rate "$RATE" --duration "$DURATION" \
    > "$WORK/mixed.json" 2> "$WORK/mixed.err" || { cat "$WORK/mixed.err" >&2; die "loadgen mixed failed"; }
wait "$INGEST" || { cat "$WORK/ingest.err" >&2; die "loadgen ingest failed"; }
jq -c '{ingest_events_per_s: .events_per_s, batch_latency_ms}' "$WORK/ingest.json"
jq -c '{read_ms: .read.latency_ms, decision_ms: .decide.latency_ms, errors}' "$WORK/mixed.json"
