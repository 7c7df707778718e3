#!/usr/bin/env python3
"""Baseline for `saring scan`: a typical scikit-learn TF-IDF + LogisticRegression pipeline.

    # train (not timed as part of the benchmark) and save the model
    bench/.venv/bin/python bench/baseline_sklearn.py train --model target/bench/sklearn-model.joblib

    # predict the benchmark file in one process: NDJSON in, NDJSON {"id","score"} out
    bench/.venv/bin/python bench/baseline_sklearn.py predict --model target/bench/sklearn-model.joblib \\
        target/bench/corpus.ndjson --out target/bench/sklearn.ndjson

    # or both in one process (training time still reported separately)
    bench/.venv/bin/python bench/baseline_sklearn.py all target/bench/corpus.ndjson --out ...

Features: TF-IDF of char_wb 2–5-grams (max 200,000 features) and word 1–2-grams (max 100,000),
min_df 2, sublinear tf, lower-cased; LogisticRegression (liblinear, C=4). Trained on
nbc-twitter/train-weak.jsonl (weak labels: solicitation vs benign).

Prediction reads the file in batches of --batch lines (json.loads each line), vectorises the
batch, takes predict_proba and writes one `{"id": ..., "score": ...}` line per input line.
The items/s it prints cover all of that: parse + vectorise + predict + write. The process
stays single-threaded (set OMP/OPENBLAS_NUM_THREADS=1 to be sure; scan.sh does).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TRAIN = REPO_ROOT / ".." / "shared" / "data" / "nbc-twitter" / "train-weak.jsonl"


def log(msg: str) -> None:
    print(f"baseline_sklearn: {msg}", file=sys.stderr, flush=True)


def build_pipeline() -> Pipeline:
    features = FeatureUnion([
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, max_df=0.9,
                                 max_features=200_000, sublinear_tf=True, lowercase=True,
                                 dtype=np.float32)),
        ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=2, max_df=0.9,
                                 max_features=100_000, sublinear_tf=True, lowercase=True,
                                 token_pattern=r"(?u)\b\w+\b", dtype=np.float32)),
    ])
    clf = LogisticRegression(solver="liblinear", C=4.0, max_iter=1000)
    return Pipeline([("tfidf", features), ("lr", clf)])


def train(train_path: Path, model_path: Path | None) -> Pipeline:
    t0 = time.perf_counter()
    texts, labels = [], []
    with train_path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("label") not in ("solicitation", "benign"):
                continue
            texts.append(row["text"])
            labels.append(1 if row["label"] == "solicitation" else 0)
    pipe = build_pipeline()
    pipe.fit(texts, np.asarray(labels))
    dt = time.perf_counter() - t0
    n_feat = sum(len(t.vocabulary_) for _, t in pipe.named_steps["tfidf"].transformer_list)
    log(f"trained on {len(texts)} texts ({sum(labels)} solicitation) in {dt:.1f} s, "
        f"{n_feat} features")
    if model_path is not None:
        model_path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(pipe, model_path)
        log(f"model saved to {model_path}")
    return pipe


def predict(pipe: Pipeline, in_path: Path, out_path: Path, batch: int) -> tuple[int, float]:
    """Score every line of in_path; return (lines, seconds) for parse + score + write."""
    # Positive class column (labels are 0/1).
    pos = int(np.flatnonzero(pipe.classes_ == 1)[0])
    loads, dumps = json.loads, json.dumps
    n = 0
    t0 = time.perf_counter()
    with in_path.open(encoding="utf-8") as fin, \
            out_path.open("w", encoding="utf-8", buffering=1 << 20) as fout:
        ids: list[str] = []
        texts: list[str] = []

        def flush() -> None:
            scores = pipe.predict_proba(texts)[:, pos]
            fout.write("".join(dumps({"id": i, "score": round(float(s), 6)}) + "\n"
                               for i, s in zip(ids, scores)))
            ids.clear()
            texts.clear()

        for line in fin:
            if not line.strip():
                continue
            row = loads(line)
            ids.append(row["id"])
            texts.append(row["text"])
            if len(texts) >= batch:
                n += len(texts)
                flush()
        if texts:
            n += len(texts)
            flush()
    return n, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["train", "predict", "all"])
    ap.add_argument("input", nargs="?", type=Path, help="NDJSON file to score (predict, all)")
    ap.add_argument("--out", type=Path, help="NDJSON output file (predict, all)")
    ap.add_argument("--model", type=Path, help="joblib model file (written by train, read by predict)")
    ap.add_argument("--train-data", type=Path, default=DEFAULT_TRAIN,
                    help="training JSONL (default ../shared/data/nbc-twitter/train-weak.jsonl)")
    ap.add_argument("--batch", type=int, default=10_000, help="lines per predict batch (default 10000)")
    args = ap.parse_intermixed_args()

    if args.mode in ("predict", "all") and (args.input is None or args.out is None):
        ap.error("predict/all need INPUT and --out")
    if args.mode == "train" and args.model is None:
        ap.error("train needs --model")
    if args.mode == "predict" and args.model is None:
        ap.error("predict needs --model")

    if args.mode in ("train", "all"):
        pipe = train(args.train_data.resolve(), args.model)
        if args.mode == "train":
            return 0
    else:
        t0 = time.perf_counter()
        pipe = joblib.load(args.model)
        log(f"model loaded in {time.perf_counter() - t0:.2f} s")

    n, dt = predict(pipe, args.input, args.out, args.batch)
    rate = n / dt if dt > 0 else float("inf")
    log(f"predicted {n} lines in {dt:.2f} s = {rate:,.0f} items/s "
        f"(JSON parse + TF-IDF + LR + JSON write, 1 process) -> {args.out}")
    # Machine-readable line for scan.sh.
    print(json.dumps({"baseline": "sklearn", "lines": n, "seconds": round(dt, 4),
                      "items_per_s": round(rate, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
