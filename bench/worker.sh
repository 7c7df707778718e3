#!/usr/bin/env bash
# bench/worker.sh — end-to-end throughput of the scale-out path: `saring serve --ingest nats`
# publishes events to NATS JetStream, `saring worker` processes score them and commit them to
# PostgreSQL. One run per worker count; the curve is what this machine measures.
#
# Usage (from anywhere: the script cd's to the repo root):
#
#   bench/worker.sh                          # 100,000 events with 1, 2 and 4 workers
#   bench/worker.sh --events 20000 --workers 1,2
#
# Options:
#   --events N        events per run (default 100000)
#   --workers L       comma-separated worker counts, one run each (default 1,2,4)
#   --batch N         events per HTTP request and per worker pull (default 500)
#   --data DIR        data folder for the texts (default ../shared/data)
#   --pg URL          PostgreSQL server (default postgres://root@127.0.0.1:5432/postgres);
#                     each run creates and drops its own database
#   --nats URL        NATS server (default nats://127.0.0.1:4222)
#   --no-build        skip `cargo build --release -p saring --bin saring --examples`
#   -h, --help        this text
#
# What one run does:
#   1. a fresh database: `saring platform add michat`, `saring user add` (ingest token)
#   2. `saring serve --ingest nats` on it; `loadgen ingest` sends the events (batches of
#      --batch, concurrency 2, 20,000 accounts): the rate at which the API queues events
#      (validated, published, acknowledged by JetStream)
#   3. the server stops; K workers start on the full stream; the drain time is from their
#      start until the database holds every event: the rate at which K workers score and
#      commit. CPU seconds of the workers, of PostgreSQL (all its processes) and of
#      nats-server are read from /proc over the drain, so per-event costs follow.
#   4. the workers stop (SIGTERM; their summaries give the messages retried after transient
#      store errors such as deadlocks); the database is dropped. The stream (work queue) is
#      empty again and reused by the next run.
# Results: target/bench/worker/worker-results.md (and one JSON line per run).

set -euo pipefail

EVENTS=100000
WORKERS="1,2,4"
BATCH=500
DATA=""
PG="postgres://root@127.0.0.1:5432/postgres"
NATS="nats://127.0.0.1:4222"
BUILD=1

usage() { sed -n '2,/^$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "worker.sh: $*" >&2; exit 1; }
say() { echo "worker.sh: $*" >&2; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --events) [[ $# -ge 2 ]] || die "--events needs a value"; EVENTS="$2"; shift 2 ;;
        --workers) [[ $# -ge 2 ]] || die "--workers needs a value"; WORKERS="$2"; shift 2 ;;
        --batch) [[ $# -ge 2 ]] || die "--batch needs a value"; BATCH="$2"; shift 2 ;;
        --data) [[ $# -ge 2 ]] || die "--data needs a value"; DATA="$2"; shift 2 ;;
        --pg) [[ $# -ge 2 ]] || die "--pg needs a value"; PG="$2"; shift 2 ;;
        --nats) [[ $# -ge 2 ]] || die "--nats needs a value"; NATS="$2"; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown argument: $1 (try --help)" ;;
    esac
done
[[ "$EVENTS" =~ ^[1-9][0-9]*$ ]] || die "--events must be a positive integer, got '$EVENTS'"
[[ "$BATCH" =~ ^[1-9][0-9]*$ ]] || die "--batch must be a positive integer, got '$BATCH'"
[[ "$WORKERS" =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "--workers must be a list such as 1,2,4, got '$WORKERS'"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="$TARGET/release/saring"
LOADGEN="$TARGET/release/examples/loadgen"
OUT="target/bench/worker"
DATA="${DATA:-$ROOT/../shared/data}"
[[ -d "$DATA" ]] || die "data folder $DATA not found (use --data DIR)"
TEXT_ARGS=()
for f in "$DATA/nbc-twitter/dev-manual.jsonl" "$DATA/sms-spam-id/sms.jsonl"; do
    [[ -s "$f" ]] || die "text file $f not found"
    TEXT_ARGS+=(--texts "$f")
done
command -v psql > /dev/null || die "psql not found (apt-get install postgresql-client)"
command -v jq > /dev/null || die "jq not found (apt-get install jq)"
psql "$PG" -qAtc 'SELECT 1' > /dev/null 2>&1 || die "PostgreSQL is not reachable at $PG"
NATS_PID="$(pgrep -x nats-server | head -n1 || true)"
[[ -n "$NATS_PID" ]] || die "no nats-server process (start it with -js)"
CLK_TCK="$(getconf CLK_TCK)"
mkdir -p "$OUT"
rm -f "$OUT"/run-*.json "$OUT/worker-results.md"

if [[ "$BUILD" -eq 1 ]]; then
    say "cargo build --release -p saring --bin saring --examples"
    cargo build --release -p saring --bin saring --examples
fi
[[ -x "$BIN" && -x "$LOADGEN" ]] || die "$BIN or $LOADGEN missing (build failed, or --no-build without a build)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/saring-worker-bench.XXXXXX")"
PIDS=()
DBNAME=""
cleanup() {
    local rc=$?
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2> /dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2> /dev/null || true; done
    [[ -z "$DBNAME" ]] || psql "$PG" -qAtc "DROP DATABASE IF EXISTS $DBNAME WITH (FORCE)" > /dev/null 2>&1 || true
    if [[ $rc -ne 0 ]]; then say "kept $WORK (logs)"; else rm -rf "$WORK"; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The load runs on few tokens at high rates: lift the per-token limits ([limits]) unless set.
export SARING_LIMITS__API_PER_SECOND="${SARING_LIMITS__API_PER_SECOND:-1000000}" SARING_LIMITS__API_BURST="${SARING_LIMITS__API_BURST:-1000000}" \
    SARING_LIMITS__INGEST_PER_SECOND="${SARING_LIMITS__INGEST_PER_SECOND:-1000000}" SARING_LIMITS__INGEST_BURST="${SARING_LIMITS__INGEST_BURST:-1000000}"
export SARING_NATS__URL="$NATS" SARING_NATS__STREAM="SARING_BENCH" \
    SARING_NATS__SUBJECT_PREFIX="saringbench.events" SARING_NATS__CONSUMER="bench-workers" \
    SARING_NATS__BATCH="$BATCH" SARING_INGEST__MAX_BATCH_ITEMS="$BATCH"
cpu_of() { # CPU seconds (user + system) of the given pids, summed
    local t=0 p
    for p in "$@"; do
        [[ -r "/proc/$p/stat" ]] || continue
        t=$(awk -v t="$t" -v k="$CLK_TCK" '{printf "%.2f", t + ($14 + $15) / k}' "/proc/$p/stat")
    done
    echo "$t"
}
pg_pids() { pgrep -u postgres || true; }
now() { date +%s.%N; }
base="${PG%/*}"

IFS=',' read -r -a COUNTS <<< "$WORKERS"
for k in "${COUNTS[@]}"; do
    DBNAME="saring_bench_$$_$k"
    DB="$base/$DBNAME"
    psql "$PG" -qAtc "CREATE DATABASE $DBNAME" > /dev/null
    "$BIN" platform add michat --db "$DB" > /dev/null
    TOKEN="$("$BIN" user add ingest --tenant michat --role admin --db "$DB" | grep -oE 'srg_[A-Za-z0-9_-]+' | head -n1)"
    [[ -n "$TOKEN" ]] || die "no token from saring user add"

    RUST_LOG=warn "$BIN" serve --db "$DB" --ingest nats --listen 127.0.0.1:0 > "$WORK/serve-$k.log" 2>&1 &
    SERVER_PID=$!
    PIDS=("$SERVER_PID")
    URL=""
    for _ in $(seq 300); do
        kill -0 "$SERVER_PID" 2> /dev/null || { cat "$WORK/serve-$k.log" >&2; die "saring serve exited at start"; }
        URL="$(grep -oE 'listening on http://[0-9.:]+' "$WORK/serve-$k.log" | head -n1 | sed 's/^listening on //' || true)"
        [[ -n "$URL" ]] && break
        sleep 0.1
    done
    [[ -n "$URL" ]] || die "saring serve did not start"
    say "run k=$k: queueing $EVENTS events through $URL (--ingest nats)"
    LOADGEN_TOKEN="$TOKEN" "$LOADGEN" ingest --url "$URL" --events "$EVENTS" --batch "$BATCH" \
        --concurrency 2 --prefix "k$k-$$" "${TEXT_ARGS[@]}" > "$WORK/queue-$k.json" 2> "$WORK/queue-$k.stderr" \
        || { cat "$WORK/queue-$k.stderr" >&2; die "loadgen ingest failed"; }
    QUEUE_RATE="$(jq -r '.events_per_s' "$WORK/queue-$k.json")"
    kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true
    PIDS=()
    [[ "$(psql "$DB" -qAtc 'SELECT COUNT(*) FROM events')" -eq 0 ]] || die "events were stored before the workers ran"

    say "run k=$k: draining with $k worker(s)"
    pg0="$(cpu_of $(pg_pids))"
    nats0="$(cpu_of "$NATS_PID")"
    t0="$(now)"
    for i in $(seq "$k"); do
        RUST_LOG=warn "$BIN" worker --db "$DB" --name "b$i" > "$WORK/worker-$k-$i.out" 2> "$WORK/worker-$k-$i.log" &
        PIDS+=("$!")
    done
    while :; do
        n="$(psql "$DB" -qAtc 'SELECT COUNT(*) FROM events')"
        [[ "$n" -ge "$EVENTS" ]] && break
        for p in "${PIDS[@]}"; do kill -0 "$p" 2> /dev/null || { cat "$WORK"/worker-$k-*.log >&2; die "a worker died"; }; done
        sleep 0.2
    done
    t1="$(now)"
    wcpu="$(cpu_of "${PIDS[@]}")"
    pg1="$(cpu_of $(pg_pids))"
    nats1="$(cpu_of "$NATS_PID")"
    for p in "${PIDS[@]}"; do kill -TERM "$p"; done
    for p in "${PIDS[@]}"; do wait "$p" || die "a worker did not stop cleanly"; done
    PIDS=()
    RETRIED="$(cat "$WORK"/worker-$k-*.out | grep -oE 'retry [0-9]+' | awk '{s += $2} END {print s + 0}')"
    LOAD="$(cut -d' ' -f1 /proc/loadavg)"
    "$BIN" audit verify --db "$DB" > /dev/null || die "audit verify failed after the run"
    DB_MB="$(psql "$DB" -qAtc "SELECT pg_database_size(current_database()) / 1048576")"
    psql "$PG" -qAtc "DROP DATABASE $DBNAME WITH (FORCE)" > /dev/null
    DBNAME=""
    jq -n --argjson k "$k" --argjson n "$EVENTS" --argjson q "$QUEUE_RATE" \
        --argjson s "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b - a}')" \
        --argjson w "$wcpu" --argjson pg "$(awk -v a="$pg0" -v b="$pg1" 'BEGIN{printf "%.2f", b - a}')" \
        --argjson nats "$(awk -v a="$nats0" -v b="$nats1" 'BEGIN{printf "%.2f", b - a}')" \
        --argjson mb "$DB_MB" --argjson retried "$RETRIED" --argjson load "$LOAD" \
        '{workers: $k, events: $n, queue_events_per_s: $q, drain_seconds: $s,
          drain_events_per_s: (($n / $s) | floor), worker_cpu_s: $w, postgres_cpu_s: $pg,
          nats_cpu_s: $nats, worker_cpu_us_per_event: (($w / $n * 1e6) | floor),
          postgres_cpu_us_per_event: (($pg / $n * 1e6) | floor),
          nats_cpu_us_per_event: (($nats / $n * 1e6) | floor), database_mb: $mb,
          messages_retried: $retried, load_average_after: $load}' > "$OUT/run-$k.json"
    say "  $(jq -r '"\(.drain_events_per_s) events/s stored by \(.workers) worker(s) (queue \(.queue_events_per_s) events/s); CPU µs/event: worker \(.worker_cpu_us_per_event), PostgreSQL \(.postgres_cpu_us_per_event), NATS \(.nats_cpu_us_per_event)"' "$OUT/run-$k.json")"
done

CPU_MODEL="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || echo unknown)"
GIT_REV="$(git rev-parse --short HEAD 2> /dev/null || echo 'no commit')"
git diff --quiet HEAD 2> /dev/null || GIT_REV="$GIT_REV (dirty)"
{
    echo "# saring worker: end-to-end throughput"
    echo
    echo "$(nproc) cores ($CPU_MODEL), commit $GIT_REV, $(date -u +%Y-%m-%dT%H:%MZ); PostgreSQL and NATS on the same machine."
    echo "$EVENTS events per run, batches of $BATCH; release build."
    echo
    echo "| workers | queued by the API (events/s) | stored by the workers (events/s) | drain (s) | worker CPU µs/event | PostgreSQL CPU µs/event | NATS CPU µs/event | database MB | messages retried | load average after |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for k in "${COUNTS[@]}"; do
        jq -r '"| \(.workers) | \(.queue_events_per_s) | \(.drain_events_per_s) | \(.drain_seconds) | \(.worker_cpu_us_per_event) | \(.postgres_cpu_us_per_event) | \(.nats_cpu_us_per_event) | \(.database_mb) | \(.messages_retried) | \(.load_average_after) |"' "$OUT/run-$k.json"
    done
} > "$OUT/worker-results.md"
cat "$OUT/worker-results.md"
