#!/usr/bin/env python3
"""Baseline for `saring link`: Python datasketch MinHashLSH over the same ads.

    baseline_datasketch.py ADS.ndjson [--limit N] > networks.ndjson

The usual datasketch pipeline: for each ad, lowercase it, collapse whitespace, take its
character 5-gram set, build a `MinHash(num_perm=128)` with `update_batch`, query the
`MinHashLSH(threshold=0.8, num_perm=128)` index for candidates, then insert it. Candidates
join the two accounts (union-find), as datasketch users do without re-verifying. No
identifiers, no slot normalisation: templates only, which is the part datasketch can do.
Output: one network per line (`{"members": [...]}`), like `saring link`, for the same
evaluation. One process, one core (numpy threads pinned to 1 by the caller).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from datasketch import MinHash, MinHashLSH


def find(parent: list[int], x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("ads")
    ap.add_argument("--limit", type=int, default=0, help="read only the first N ads")
    ap.add_argument("--threshold", type=float, default=0.8)
    ap.add_argument("--perms", type=int, default=128)
    ap.add_argument("--chars", type=int, default=5)
    args = ap.parse_args()
    start = time.perf_counter()
    lsh = MinHashLSH(threshold=args.threshold, num_perm=args.perms)
    accounts: dict[str, int] = {}
    names: list[str] = []
    parent: list[int] = []
    item_account: list[int] = []
    k = args.chars
    n = 0
    with open(args.ads, encoding="utf-8") as f:
        for line in f:
            if args.limit and n >= args.limit:
                break
            row = json.loads(line)
            account = row.get("account") or f"item:{row['id']}"
            a = accounts.get(account)
            if a is None:
                a = accounts[account] = len(names)
                names.append(account)
                parent.append(a)
            text = " ".join(row["text"].lower().split())
            shingles = {text[i:i + k] for i in range(max(1, len(text) - k + 1))}
            m = MinHash(num_perm=args.perms, seed=1)
            m.update_batch([s.encode("utf-8") for s in shingles])
            for other in lsh.query(m):
                ra, rb = find(parent, a), find(parent, item_account[other])
                if ra != rb:
                    parent[ra] = rb
            lsh.insert(n, m, check_duplication=False)
            item_account.append(a)
            n += 1
    groups: dict[int, list[str]] = {}
    for i, name in enumerate(names):
        groups.setdefault(find(parent, i), []).append(name)
    out = sys.stdout
    nets = 0
    for members in groups.values():
        if len(members) >= 2:
            nets += 1
            out.write(json.dumps({"members": sorted(members)}, ensure_ascii=False) + "\n")
    print(f"datasketch: {n} ads, {nets} networks, {time.perf_counter() - start:.1f} s",
          file=sys.stderr)


if __name__ == "__main__":
    main()
