#!/usr/bin/env bash
# Benchmark of `saring link` against Python datasketch MinHashLSH, on a seeded corpus of ads
# with planted networks. Run from the repository root:
#
#   bench/link/run.sh                          # 1,000,000 ads (datasketch on all of them)
#   bench/link/run.sh --ads 100000             # a quicker run
#   bench/link/run.sh --baseline-ads 200000    # datasketch on the first 200,000 ads only;
#                                              # its time is scaled linearly and labelled so
#   bench/link/run.sh --no-build               # use the existing release binary
#
# Steps: build `saring` (release); create bench/.venv and install bench/link/requirements.txt
# (with bench/requirements.txt as constraints, so the two benchmarks share one venv);
# generate target/bench/link/ads-N.ndjson (+ .truth.tsv) with gen_ads.py unless present;
# run, each under /usr/bin/time -v (wall time, peak RSS):
#   1. saring link (defaults: identifiers + templates, --shingles slots-and-raw)
#   2. saring link --no-identifiers --shingles raw   (templates only, same shingles as the
#      exact-Jaccard reference and as datasketch)
#   3. saring link --no-identifiers --shingles slots
#   4. saring link --no-identifiers --shingles slots-and-raw
#   5. datasketch MinHashLSH (threshold 0.8, 128 perms, char 5-grams; one core)
# then score every networks file with evaluate.py and print a table (also written to
# target/bench/link/results.md).
set -euo pipefail

ADS=1000000
BASELINE_ADS=0
SEED=20261129
BUILD=1
THREADS=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --ads) ADS="$2"; shift 2 ;;
        --baseline-ads) BASELINE_ADS="$2"; shift 2 ;;
        --seed) SEED="$2"; shift 2 ;;
        --threads) THREADS="$2"; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
done

say() { echo "== $*" >&2; }
die() { echo "error: $*" >&2; exit 2; }

TARGET="${CARGO_TARGET_DIR:-target}"
BIN="$TARGET/release/saring"
OUT="target/bench/link"
mkdir -p "$OUT"
VENV="bench/.venv"
VPY="$VENV/bin/python"

if [[ "$BUILD" -eq 1 ]]; then
    say "building saring (release)"
    cargo build --release -p saring
fi
[[ -x "$BIN" ]] || die "$BIN not found"
if [[ ! -x /usr/bin/time ]]; then
    say "installing GNU time"
    apt-get install -y -qq time >/dev/null
fi

if [[ ! -x "$VPY" ]]; then
    say "creating $VENV"
    python3 -m venv "$VENV"
fi
REQ_HASH="$(cat bench/link/requirements.txt bench/requirements.txt | sha256sum | cut -d' ' -f1)"
if [[ "$(cat "$VENV/.link-requirements.sha256" 2>/dev/null || true)" != "$REQ_HASH" ]]; then
    say "installing bench/link/requirements.txt into $VENV"
    "$VPY" -m pip install -q --disable-pip-version-check -r bench/link/requirements.txt \
        -c bench/requirements.txt
    echo "$REQ_HASH" > "$VENV/.link-requirements.sha256"
fi

ADS_FILE="$OUT/ads-$ADS.ndjson"
GEN_META="ads=$ADS seed=$SEED gen=$(sha256sum bench/link/gen_ads.py | cut -d' ' -f1)"
if [[ ! -s "$ADS_FILE" || "$(cat "$ADS_FILE.meta" 2>/dev/null || true)" != "$GEN_META" ]]; then
    say "generating $ADS_FILE"
    rm -f "$ADS_FILE.meta"
    "$VPY" bench/link/gen_ads.py --ads "$ADS" --seed "$SEED" --out "$ADS_FILE"
    echo "$GEN_META" > "$ADS_FILE.meta"
fi

# timed NAME CMD...: runs CMD with stdout to $OUT/NAME.ndjson; records wall s and peak MiB.
declare -A WALL RSS CPU
timed() {
    local name="$1"; shift
    say "running $name"
    /usr/bin/time -v -o "$OUT/$name.time" "$@" > "$OUT/$name.ndjson" 2> "$OUT/$name.stderr"
    WALL[$name]=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$OUT/$name.time")
    CPU[$name]=$(awk -F': ' '/User time|System time/ {s+=$2} END {printf "%.1f", s}' "$OUT/$name.time")
    RSS[$name]=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$OUT/$name.time")
}

T=()
[[ -n "$THREADS" ]] && T=(--threads "$THREADS")
timed saring-default "$BIN" link "${T[@]}" "$ADS_FILE"
timed saring-raw "$BIN" link "${T[@]}" --no-identifiers --shingles raw "$ADS_FILE"
timed saring-slots "$BIN" link "${T[@]}" --no-identifiers --shingles slots "$ADS_FILE"
timed saring-slots-raw "$BIN" link "${T[@]}" --no-identifiers --shingles slots-and-raw "$ADS_FILE"
timed saring-raw-1t "$BIN" link --threads 1 --no-identifiers --shingles raw "$ADS_FILE"

LIMIT=()
DS_ADS="$ADS"
if [[ "$BASELINE_ADS" -gt 0 && "$BASELINE_ADS" -lt "$ADS" ]]; then
    LIMIT=(--limit "$BASELINE_ADS")
    DS_ADS="$BASELINE_ADS"
fi
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
    timed datasketch "$VPY" bench/link/baseline_datasketch.py "${LIMIT[@]}" "$ADS_FILE"

say "evaluating"
"$VPY" bench/link/evaluate.py --ads "$ADS_FILE" --truth "$ADS_FILE.truth.tsv" \
    "$OUT"/saring-{default,raw,slots,slots-raw}.ndjson > "$OUT/eval.jsonl"
"$VPY" bench/link/evaluate.py --ads "$ADS_FILE" --truth "$ADS_FILE.truth.tsv" \
    "${LIMIT[@]}" "$OUT/datasketch.ndjson" >> "$OUT/eval.jsonl"

{
    echo "# saring link benchmark"
    echo
    echo "$(date -u +%FT%TZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $ADS ads ($ADS_FILE), seed $SEED"
    echo
    echo "| run | ads | wall s | CPU s (user+sys) | ads/s (wall) | ads per CPU-s | peak RSS MiB |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    for name in saring-default saring-raw saring-slots saring-slots-raw saring-raw-1t datasketch; do
        n="$ADS"; [[ "$name" == datasketch ]] && n="$DS_ADS"
        echo "| $name | $n | ${WALL[$name]} | ${CPU[$name]} | $(awk -v n="$n" -v s="${WALL[$name]}" 'BEGIN {printf "%.0f", n/s}') | $(awk -v n="$n" -v s="${CPU[$name]}" 'BEGIN {printf "%.0f", n/s}') | ${RSS[$name]} |"
    done
    echo
    for name in saring-raw saring-raw-1t saring-default; do
        awk -v dw="${WALL[datasketch]}" -v dc="${CPU[datasketch]}" -v dn="$DS_ADS" \
            -v sw="${WALL[$name]}" -v sc="${CPU[$name]}" -v n="$ADS" -v name="$name" 'BEGIN {
            printf "speed-up of %s over datasketch, per ad%s: %.1fx wall, %.1fx CPU\n", name,
                (dn < n ? " (datasketch measured on " dn " ads, scaled linearly)" : ""),
                (dw / dn) / (sw / n), (dc / dn) / (sc / n) }'
    done
    echo
    echo "Quality (evaluate.py):"
    echo
    echo '```'
    cat "$OUT/eval.jsonl"
    echo '```'
    echo
    for name in saring-default saring-raw; do
        echo "summary of $name:"
        sed 's/^/    /' "$OUT/$name.stderr"
    done
} | tee "$OUT/results.md"
