#!/usr/bin/env bash
# The model's figures against the targets of issue 3, on data not used for training or
# tuning. Usage: bench/model-eval.sh [SARING] [extra eval flags, e.g. --model M --threshold T]
#   SARING defaults to target/release/saring; the model and threshold default to the
#   builtin model and the policy pack's threshold. Plots go to target/model-eval/.
set -euo pipefail
cd "$(dirname "$0")/.."
SARING=${1:-target/release/saring}
shift || true
DATA=${SARING_DATA:-../shared/data}
OUT=target/model-eval
mkdir -p "$OUT"
common=(--corrections data/corrections/corrections.jsonl --split data/splits/splits.tsv --part test "$@")

echo "== 1. hand-labelled NBC test split (dev-manual, part test), with the keyword baseline"
"$SARING" eval "${common[@]}" --baseline keyword --plots "$OUT/nbc-test" \
  "$DATA/nbc-twitter/dev-manual.jsonl"

echo
echo "== 2. chat-style synthetic test set (no hashtags; held-out names, places, phrasings), per slice"
"$SARING" eval "${common[@]}" --tags --baseline keyword --plots "$OUT/chat-test" \
  data/synthetic/chat-test.jsonl

echo
echo "== 3. hard negatives held out from training: SMS and gambling comments (test parts)"
"$SARING" eval "${common[@]}" --variant clean \
  "$DATA/sms-spam-id/sms.jsonl" "$DATA/judol-comments/comments.jsonl"

echo
echo "== 4. minor-risk flag on the held-out minor-risk lists (data/minor-risk/README.md: test.jsonl"
echo "      and extra.jsonl were not read while writing rules; dev.jsonl and dev-extra.jsonl were)"
for f in test extra dev dev-extra; do
  "$SARING" eval "${common[@]}" --tags "data/minor-risk/$f.jsonl" | grep -A6 '^protection flags' | grep -v third_party
done
