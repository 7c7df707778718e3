#!/usr/bin/env bash
# Fault suite (issue 8): SIGKILL `saring serve` at a random, seeded moment while it ingests,
# decides and dispatches; restart it on the same SQLite file; check that no acknowledged
# event or decision is lost, that no order is applied twice by a receiver that dedupes by
# webhook-id, and that `saring audit verify` passes after every crash.
#
# Usage: bench/fault.sh [--runs N] [--seed S] [--release]
#
#   --runs N     runs (default 20); each starts a server on a fresh database
#   --seed S     base seed (default: the current Unix time, printed); run k uses S + k - 1,
#                so a failing run is repeated with --runs 1 --seed <its seed>
#   --release    build and run the test binary in release mode (default: debug, which is
#                enough for correctness and builds faster)
#
# The suite is the integration test `serve_faults::fault_suite_full` (ignored in the
# ordinary test run; `serve_faults::sigkill_during_ingest_decisions_and_dispatch_loses_nothing`
# runs three runs in every `cargo test`). It prints one table row per run and an overall
# PASS/FAIL, also written to target/bench/fault/fault-results.md; it exits non-zero on any
# violation. See bench/README.md, section "Fault suite", for what each column means.

set -euo pipefail

RUNS=20
SEED="$(date +%s)"
PROFILE=()

die() { echo "fault.sh: $*" >&2; exit 1; }
while [[ $# -gt 0 ]]; do
    case "$1" in
        --runs) [[ $# -ge 2 ]] || die "--runs needs a value"; RUNS="$2"; shift 2 ;;
        --runs=*) RUNS="${1#*=}"; shift ;;
        --seed) [[ $# -ge 2 ]] || die "--seed needs a value"; SEED="$2"; shift 2 ;;
        --seed=*) SEED="${1#*=}"; shift ;;
        --release) PROFILE=(--release); shift ;;
        -h|--help) sed -n '2,/^$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $1 (try --help)" ;;
    esac
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer, got '$RUNS'"
[[ "$SEED" =~ ^[0-9]+$ ]] || die "--seed must be a non-negative integer, got '$SEED'"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="target/bench/fault"
mkdir -p "$OUT"

echo "fault.sh: $RUNS runs, base seed $SEED; load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
set +e
FAULT_SUITE_RUNS="$RUNS" FAULT_SUITE_SEED="$SEED" \
    cargo test "${PROFILE[@]}" -p saring --test it -- --ignored --exact --nocapture \
    serve_faults::fault_suite_full 2>&1 | tee "$OUT/fault.log"
rc=${PIPESTATUS[0]}
set -e
{
    echo "# fault suite: $RUNS runs, base seed $SEED"
    echo
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); git $(git rev-parse --short HEAD 2> /dev/null || echo none); load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    grep -E '^\|' "$OUT/fault.log" || true
    echo
    grep -E '^overall:' "$OUT/fault.log" || echo "overall: FAIL (the suite did not finish; see $OUT/fault.log)"
} > "$OUT/fault-results.md"
echo "fault.sh: results in $OUT/fault-results.md (full log $OUT/fault.log)" >&2
exit "$rc"
