#!/usr/bin/env bash
# bench/scan.sh — end-to-end benchmark of `saring scan` against two Python baselines.
#
# Usage (from the repo root, or anywhere: the script cd's to the repo root):
#
#   bench/scan.sh                  # 1,000,000 lines: ~8 min on 2 cores (mostly sklearn) + build
#   bench/scan.sh --lines 50000    # quick run
#
# Options:
#   --lines N     corpus size (default 1000000)
#   --seed S      corpus seed (default 20261129)
#   --threads N   threads for the "all cores" saring run (default: saring's own default,
#                 counted as `nproc` cores)
#   --data DIR    data folder for the corpus (default ../shared/data)
#   --no-build    skip `cargo build --release -p saring` (use the existing binary)
#   --regen       regenerate the corpus even if a matching one exists
#   -h, --help    this text
#
# What it does:
#   1. cargo build --release -p saring               -> target/release/saring
#   2. bench/.venv (created if missing) with bench/requirements.txt installed
#   3. target/bench/corpus.ndjson (or corpus-N.ndjson for --lines N), from bench/gen_corpus.py,
#      seeded; reused while lines, seed and generator are unchanged
#   4. each run under `/usr/bin/time -v` (wall time, CPU time, maximum RSS), writing its
#      output to a file under target/bench/ so the cost of writing counts:
#        a. saring scan --threads 1 CORPUS             > target/bench/saring-1t.ndjson
#        b. saring scan CORPUS  (all cores)            > target/bench/saring-all.ndjson
#        c. sklearn TF-IDF + LogisticRegression predict  -> target/bench/sklearn.ndjson
#           (trained first on nbc-twitter/train-weak.jsonl; training reported, not counted)
#        d. Python keyword regex                         -> target/bench/regex.ndjson
#   5. prints the table (lines, seconds, lines/s, lines/s per core, peak RSS) and the ratios
#      saring(1 thread)/sklearn and saring(1 thread)/regex, and whether the
#      300,000 lines/s per core target was met; also writes target/bench/scan-results.md.
#
# The baselines run with OMP/OPENBLAS/MKL threads pinned to 1 (one process, one core).
# See bench/README.md for how to read the numbers.

set -euo pipefail

LINES=1000000
SEED=20261129
THREADS=""
DATA=""
BUILD=1
REGEN=0

usage() { sed -n '2,/^$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "scan.sh: $*" >&2; exit 1; }
say() { echo "scan.sh: $*" >&2; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --lines) [[ $# -ge 2 ]] || die "--lines needs a value"; LINES="$2"; shift 2 ;;
        --lines=*) LINES="${1#*=}"; shift ;;
        --seed) [[ $# -ge 2 ]] || die "--seed needs a value"; SEED="$2"; shift 2 ;;
        --seed=*) SEED="${1#*=}"; shift ;;
        --threads) [[ $# -ge 2 ]] || die "--threads needs a value"; THREADS="$2"; shift 2 ;;
        --threads=*) THREADS="${1#*=}"; shift ;;
        --data) [[ $# -ge 2 ]] || die "--data needs a value"; DATA="$2"; shift 2 ;;
        --data=*) DATA="${1#*=}"; shift ;;
        --no-build) BUILD=0; shift ;;
        --regen) REGEN=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown argument: $1 (try --help)" ;;
    esac
done
[[ "$LINES" =~ ^[1-9][0-9]*$ ]] || die "--lines must be a positive integer, got '$LINES'"
[[ "$SEED" =~ ^[0-9]+$ ]] || die "--seed must be a non-negative integer, got '$SEED'"
[[ -z "$THREADS" || "$THREADS" =~ ^[1-9][0-9]*$ ]] || die "--threads must be a positive integer"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

BIN="${CARGO_TARGET_DIR:-target}/release/saring"
OUT="target/bench"
VENV="bench/.venv"
VPY="$VENV/bin/python"
DATA="${DATA:-$ROOT/../shared/data}"
[[ -d "$DATA" ]] || die "data folder $DATA not found (use --data DIR)"
NPROC="$(nproc)"
mkdir -p "$OUT"

# ---------------------------------------------------------------- /usr/bin/time
if [[ ! -x /usr/bin/time ]]; then
    say "/usr/bin/time missing: installing the 'time' package"
    SUDO=""
    [[ "$(id -u)" -eq 0 ]] || SUDO="sudo"
    if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq time >/dev/null; }; then
        die "could not install 'time' (apt-get install time)"
    fi
fi
/usr/bin/time -v true 2>&1 | grep -q "Maximum resident set size" \
    || die "/usr/bin/time is not GNU time (no -v): install the 'time' package"

# ---------------------------------------------------------------- build
if [[ "$BUILD" -eq 1 ]]; then
    say "cargo build --release -p saring"
    cargo build --release -p saring
fi
[[ -x "$BIN" ]] || die "$BIN not found (build failed, or --no-build without a build)"

# ---------------------------------------------------------------- venv
PYTHON="$(command -v python3.11 || command -v python3 || true)"
[[ -n "$PYTHON" ]] || die "python3 not found"
if [[ ! -x "$VPY" ]]; then
    say "creating $VENV with $PYTHON"
    "$PYTHON" -m venv "$VENV"
fi
REQ_HASH="$(sha256sum bench/requirements.txt | cut -d' ' -f1)"
if [[ "$(cat "$VENV/.requirements.sha256" 2>/dev/null || true)" != "$REQ_HASH" ]]; then
    say "installing bench/requirements.txt into $VENV"
    "$VPY" -m pip install -q --disable-pip-version-check -r bench/requirements.txt
    echo "$REQ_HASH" > "$VENV/.requirements.sha256"
fi

# ---------------------------------------------------------------- corpus
if [[ "$LINES" -eq 1000000 ]]; then CORPUS="$OUT/corpus.ndjson"; else CORPUS="$OUT/corpus-$LINES.ndjson"; fi
GEN_HASH="$(sha256sum bench/gen_corpus.py | cut -d' ' -f1)"
CORPUS_META="lines=$LINES seed=$SEED data=$(cd "$DATA" && pwd) gen=$GEN_HASH"
if [[ "$REGEN" -eq 1 || ! -s "$CORPUS" || "$(cat "$CORPUS.meta" 2>/dev/null || true)" != "$CORPUS_META" ]]; then
    say "generating $CORPUS ($LINES lines, seed $SEED)"
    rm -f "$CORPUS.meta"
    "$VPY" bench/gen_corpus.py --data "$DATA" --lines "$LINES" --seed "$SEED" --out "$CORPUS"
    echo "$CORPUS_META" > "$CORPUS.meta"
else
    say "reusing $CORPUS"
fi
CORPUS_BYTES="$(stat -c %s "$CORPUS")"

# ---------------------------------------------------------------- sklearn model (not timed in the table)
MODEL="$OUT/sklearn-model.joblib"
TRAIN_DATA="$DATA/nbc-twitter/train-weak.jsonl"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
TRAINED=0
if [[ ! -s "$MODEL" || bench/baseline_sklearn.py -nt "$MODEL" || bench/requirements.txt -nt "$MODEL" \
      || "$TRAIN_DATA" -nt "$MODEL" ]]; then
    say "training the sklearn baseline on $TRAIN_DATA (not counted)"
    /usr/bin/time -v -o "$OUT/sklearn-train.time" \
        "$VPY" bench/baseline_sklearn.py train --train-data "$TRAIN_DATA" --model "$MODEL" \
        2> "$OUT/sklearn-train.stderr" || { cat "$OUT/sklearn-train.stderr" >&2; die "sklearn training failed"; }
    grep '^baseline_sklearn:' "$OUT/sklearn-train.stderr" >&2 || true
    TRAINED=1
fi

# ---------------------------------------------------------------- runs
# timed NAME STDOUT_FILE CMD...  -> $OUT/NAME.time, $OUT/NAME.stderr
timed() {
    local name="$1" stdout_file="$2"; shift 2
    say "run $name: $*"
    if ! /usr/bin/time -v -o "$OUT/$name.time" "$@" > "$stdout_file" 2> "$OUT/$name.stderr"; then
        tail -n 20 "$OUT/$name.stderr" >&2
        die "$name failed (see $OUT/$name.stderr, $OUT/$name.time)"
    fi
    say "  $(grep -E 'Elapsed|Maximum resident' "$OUT/$name.time" | sed 's/^\s*//' | paste -sd';' -)"
}

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
# Warm the page cache so the first run does not pay for reading the file from disk.
cat "$CORPUS" > /dev/null

timed saring-1t "$OUT/saring-1t.ndjson" "$BIN" scan --threads 1 "$CORPUS"
if [[ -n "$THREADS" ]]; then
    ALL_CORES="$THREADS"
    timed saring-all "$OUT/saring-all.ndjson" "$BIN" scan --threads "$THREADS" "$CORPUS"
else
    ALL_CORES="$NPROC"
    timed saring-all "$OUT/saring-all.ndjson" "$BIN" scan "$CORPUS"
fi
say "sklearn predict takes a while (~3,000-5,000 lines/s: ~$(( LINES / 3000 / 60 + 1 )) min for $LINES lines)"
timed sklearn "$OUT/sklearn.stdout" \
    "$VPY" bench/baseline_sklearn.py predict --model "$MODEL" "$CORPUS" --out "$OUT/sklearn.ndjson"
timed regex "$OUT/regex.stdout" \
    "$VPY" bench/baseline_regex.py "$CORPUS" --out "$OUT/regex.ndjson"
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- report
if [[ "$TRAINED" -eq 1 ]]; then
    TRAIN_NOTE="sklearn training (not counted): $(grep -h 'trained on' "$OUT/sklearn-train.stderr" | sed 's/^baseline_sklearn: //'), $(grep 'Maximum resident' "$OUT/sklearn-train.time" | awk '{printf "peak RSS %.0f MiB", $NF/1024}')"
else
    TRAIN_NOTE="sklearn training: reused $MODEL (delete it to retrain)"
fi
CPU_MODEL="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || echo unknown)"
if GIT_REV="$(git rev-parse --short HEAD 2>/dev/null)"; then
    git diff --quiet HEAD 2>/dev/null || GIT_REV="$GIT_REV (dirty)"
else
    GIT_REV="no commit"
fi
SARING_VERSION="$("$BIN" --version 2>/dev/null | head -n1 || echo unknown)"

"$VPY" bench/report.py --lines "$LINES" --md "$OUT/scan-results.md" \
    --header "date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $NPROC cores ($CPU_MODEL), $(free -m | awk '/^Mem:/{print $2}') MiB RAM" \
    --header "saring: $SARING_VERSION, git $GIT_REV; corpus: $CORPUS ($LINES lines, $(( CORPUS_BYTES / 1000000 )) MB, seed $SEED)" \
    --header "load average (1/5/15 min) before: $LOAD_BEFORE, after: $LOAD_AFTER — other load on the machine inflates wall times; lines per CPU-second is less sensitive to it" \
    --header "$TRAIN_NOTE" \
    --run "saring scan --threads 1|$OUT/saring-1t.time|1|$OUT/saring-1t.ndjson" \
    --run "saring scan (all cores)|$OUT/saring-all.time|$ALL_CORES|$OUT/saring-all.ndjson" \
    --run "sklearn TF-IDF + LR|$OUT/sklearn.time|1|$OUT/sklearn.ndjson|$OUT/sklearn.stdout" \
    --run "regex (Python re)|$OUT/regex.time|1|$OUT/regex.ndjson|$OUT/regex.stdout" \
    --appendix "$OUT/saring-1t.stderr" \
    --appendix "$OUT/saring-all.stderr"
say "results written to $OUT/scan-results.md"
