#!/usr/bin/env python3
"""Builds the documented minor-risk test lists (see README.md next to this file).

* `dev.jsonl` / `test.jsonl`: the 100 `minor_risk` rows of `data/synthetic/chat-test.jsonl`,
  split in two by a keyed hash (BLAKE2b of the seed and the row id), so the split does not
  depend on the file's order, Python's `hash` or `random`.
* `dev-extra.jsonl`: the same with `--test-seed 20261202`, for reading misses (dev).
* `extra.jsonl`: 400 further `minor_risk` rows drawn by `data/synthetic/gen.py` from the
  *test* pools with another seed (`--test-seed 20261201`); rows whose text equals a text of
  `chat.jsonl`, `chat-dev.jsonl` or `chat-test.jsonl` (lower-cased, spaces collapsed) are
  left out.

Standard library only; same seed, same bytes.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SYN = os.path.join(HERE, "..", "synthetic")


def key(text):
    return " ".join(text.lower().split())


def part_of(seed, row_id):
    h = hashlib.blake2b(f"{seed}\t{row_id}".encode(), digest_size=8).digest()
    return "dev" if int.from_bytes(h, "big") % 2 == 0 else "test"


def rows(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write(path, items):
    with open(path, "w", encoding="utf-8") as f:
        for r in items:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def draw(seed, prefix, seen):
    """400 fresh `minor_risk` rows from gen.py's test pools, none equal to a text in `seen`."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, os.path.join(SYN, "gen.py"), "--only", "test",
             "--test-seed", str(seed), "--test-pos", "2000", "--test-neg", "0",
             "--out-dir", tmp],
            check=True, stdout=subprocess.DEVNULL)
        out = []
        for r in rows(os.path.join(tmp, "chat-test.jsonl")):
            if r["tags"] != "minor_risk" or key(r["text"]) in seen:
                continue
            seen.add(key(r["text"]))
            r["id"] = r["id"].replace("syn-test-", prefix)
            out.append(r)
        return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=20261201, help="split seed")
    ap.add_argument("--extra-seed", type=int, default=20261201, help="gen.py --test-seed for extra.jsonl")
    ap.add_argument("--dev-extra-seed", type=int, default=20261202,
                    help="gen.py --test-seed for dev-extra.jsonl")
    ap.add_argument("--out-dir", default=HERE)
    a = ap.parse_args(argv)

    minors = [r for r in rows(os.path.join(SYN, "chat-test.jsonl")) if r["tags"] == "minor_risk"]
    parts = {"dev": [], "test": []}
    for r in minors:
        parts[part_of(a.seed, r["id"])].append(r)
    for name, items in parts.items():
        write(os.path.join(a.out_dir, f"{name}.jsonl"), items)

    seen = set()
    for f in ("chat.jsonl", "chat-dev.jsonl", "chat-test.jsonl"):
        seen.update(key(r["text"]) for r in rows(os.path.join(SYN, f)))
    extra = draw(a.extra_seed, "syn-mr-", seen)
    write(os.path.join(a.out_dir, "extra.jsonl"), extra)
    dev_extra = draw(a.dev_extra_seed, "syn-mrdev-", seen)
    write(os.path.join(a.out_dir, "dev-extra.jsonl"), dev_extra)
    print(f"dev {len(parts['dev'])}, test {len(parts['test'])}, extra {len(extra)}, "
          f"dev-extra {len(dev_extra)}")


if __name__ == "__main__":
    main()
