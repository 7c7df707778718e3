#!/usr/bin/env python3
"""Scores a networks file against the planted truth and against exact Jaccard on a sample.

    evaluate.py --ads ADS.ndjson --truth ADS.ndjson.truth.tsv NETWORKS.ndjson [...]

Prints one JSON object per networks file:

* `planted`: pair precision and recall over *accounts* against the planted networks. A pair
  is two accounts in one predicted network; it is true when both are in one planted
  network. Precision counts only predicted pairs that involve a planted account
  (`precision_planted`); pairs of two background accounts are reported apart
  (`background_pairs`) because the background is spliced from real ads, which repeat
  themselves — such pairs are often genuine near-duplicates, not errors.
* `exact`: on a sample (all ads of 150 random planted networks plus 3,000 random ads), every
  pair of ads of different accounts whose *exact* Jaccard similarity of character 5-gram
  sets (lowercased, whitespace collapsed: saring's `--shingles raw`) is ≥ the threshold;
  `recall` is the share of those pairs whose accounts end up in one predicted network.
* `template_links`: for up to 20,000 template links of the networks file, the share whose
  two ads have exact raw Jaccard ≥ threshold (and ≥ threshold − 0.1).
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter, defaultdict


def shingles(text: str, k: int = 5) -> frozenset[str]:
    t = " ".join(text.lower().split())
    return frozenset(t[i:i + k] for i in range(max(1, len(t) - k + 1)))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter) if (a or b) else 1.0


def c2(n: int) -> int:
    return n * (n - 1) // 2


def similar_pairs(items: list[tuple[str, frozenset[str]]], t: float):
    """Pairs (i, j, J) with exact Jaccard ≥ t: prefix filtering, exact verification."""
    freq = Counter(s for _, sh in items for s in sh)
    order = [sorted(sh, key=lambda s: (freq[s], s)) for _, sh in items]
    index: dict[str, list[int]] = defaultdict(list)
    out = []
    for i, toks in enumerate(order):
        n = len(toks)
        prefix = n - int(t * n + 1e-9) + 1
        cands = set()
        for s in toks[:prefix]:
            cands.update(index[s])
            index[s].append(i)
        for j in cands:
            if items[i][0] == items[j][0]:
                continue
            jj = jaccard(items[i][1], items[j][1])
            if jj >= t:
                out.append((j, i, jj))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("networks", nargs="+")
    ap.add_argument("--ads", required=True)
    ap.add_argument("--truth", required=True)
    ap.add_argument("--threshold", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--limit", type=int, default=0, help="only the first N ads were linked")
    args = ap.parse_args()
    rng = random.Random(args.seed)

    truth = {}
    with open(args.truth, encoding="utf-8") as f:
        for line in f:
            account, net = line.rstrip("\n").split("\t")
            truth[account] = net
    text_of: dict[str, tuple[str, str]] = {}
    with open(args.ads, encoding="utf-8") as f:
        for n, line in enumerate(f):
            if args.limit and n >= args.limit:
                break
            row = json.loads(line)
            text_of[row["id"]] = (row["account"], row["text"])
    present = {acc for acc, _ in text_of.values()}
    truth = {a: n for a, n in truth.items() if a in present}
    truth_sizes = Counter(truth.values())
    truth_pairs = sum(c2(n) for n in truth_sizes.values())

    # The sample for exact Jaccard.
    by_net: dict[str, list[str]] = defaultdict(list)
    for item, (acc, _) in text_of.items():
        if acc in truth:
            by_net[truth[acc]].append(item)
    nets = sorted(by_net)
    sample_ids = set()
    for net in rng.sample(nets, min(150, len(nets))):
        sample_ids.update(by_net[net])
    sample_ids.update(rng.sample(sorted(text_of), min(3000, len(text_of))))
    sample = sorted(sample_ids)
    items = [(text_of[i][0], shingles(text_of[i][1])) for i in sample]
    pairs = similar_pairs(items, args.threshold)

    for path in args.networks:
        network_of: dict[str, int] = {}
        pred_pairs = planted_pred_pairs = tp = 0
        links = []
        with open(path, encoding="utf-8") as f:
            for k, line in enumerate(f):
                row = json.loads(line)
                # saring writes `platform/account`; the truth names accounts alone.
                members = [m.split("/", 1)[-1] for m in row["members"]]
                for m in members:
                    network_of[m] = k
                counts = Counter(truth.get(m) for m in members)
                background = counts.pop(None, 0)
                pred_pairs += c2(len(members))
                planted_pred_pairs += c2(len(members)) - c2(background)
                tp += sum(c2(n) for n in counts.values())
                links.extend(l for l in row.get("links", []) if l.get("by") == "template")
        found = sum(
            1 for i, j, _ in pairs
            if network_of.get(items[i][0], -1) == network_of.get(items[j][0], -2)
        )
        result = {
            "file": path,
            "planted": {
                "precision_planted": round(tp / planted_pred_pairs, 4) if planted_pred_pairs else None,
                "recall": round(tp / truth_pairs, 4) if truth_pairs else None,
                "true_pairs": truth_pairs,
                "predicted_pairs": pred_pairs,
                "background_pairs": pred_pairs - planted_pred_pairs,
            },
            "exact": {
                "sample_ads": len(sample),
                "pairs_at_threshold": len(pairs),
                "recall": round(found / len(pairs), 4) if pairs else None,
            },
        }
        if links:
            picked = rng.sample(links, min(20000, len(links)))
            js = []
            for l in picked:
                a, b = l["items"]
                if a in text_of and b in text_of:
                    js.append(jaccard(shingles(text_of[a][1]), shingles(text_of[b][1])))
            if js:
                result["template_links"] = {
                    "checked": len(js),
                    "exact_at_threshold": round(sum(j >= args.threshold for j in js) / len(js), 4),
                    "exact_at_threshold_minus_0.1": round(
                        sum(j >= args.threshold - 0.1 for j in js) / len(js), 4),
                    "median_exact": round(sorted(js)[len(js) // 2], 4),
                }
        print(json.dumps(result))


if __name__ == "__main__":
    main()
