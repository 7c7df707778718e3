#!/usr/bin/env python3
"""Turn the `/usr/bin/time -v` outputs of bench/scan.sh into the results table. Stdlib only.

Called by scan.sh; not meant to be run by hand, but it can be:

    python3 bench/report.py --lines 1000000 --md target/bench/scan-results.md \\
        --run 'saring scan --threads 1|target/bench/saring-1t.time|1|target/bench/saring-1t.ndjson' ...

Each --run is `label|time file|cores used|output file[|stdout file]`, in table order. The first
run whose label starts with "saring" and uses 1 core is the reference for the ratios; runs
labelled "sklearn…" and "regex…" are the baselines.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

TARGET_PER_CORE = 300_000


@dataclass
class Run:
    label: str
    cores: int
    wall: float
    cpu: float
    rss_kb: int
    exit_status: int
    out_lines: int | None
    internal_rate: float | None  # items/s the baseline measured itself (no start-up, no model load)


def parse_elapsed(s: str) -> float:
    # "h:mm:ss" or "m:ss.cc"
    parts = [float(p) for p in s.strip().split(":")]
    secs = 0.0
    for p in parts:
        secs = secs * 60 + p
    return secs


def parse_time_file(path: Path) -> dict:
    fields = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        key, sep, val = line.strip().rpartition(": ")
        if sep:
            fields[key] = val
    try:
        return {
            "wall": parse_elapsed(fields["Elapsed (wall clock) time (h:mm:ss or m:ss)"]),
            "cpu": float(fields["User time (seconds)"]) + float(fields["System time (seconds)"]),
            "rss_kb": int(fields["Maximum resident set size (kbytes)"]),
            "exit": int(fields.get("Exit status", "0")),
        }
    except KeyError as e:
        raise SystemExit(f"report: {path}: no {e} line — is this `/usr/bin/time -v` output?")


def count_lines(path: Path) -> int | None:
    if not path.is_file():
        return None
    n = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            n += chunk.count(b"\n")
    return n


def internal_rate(path: Path | None) -> float | None:
    if path is None or not path.is_file():
        return None
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            d = json.loads(line)
        except ValueError:
            continue
        if isinstance(d, dict) and "items_per_s" in d:
            return float(d["items_per_s"])
    return None


def fmt_int(x: float) -> str:
    return f"{x:,.0f}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, required=True)
    ap.add_argument("--md", type=Path, required=True)
    ap.add_argument("--run", action="append", default=[])
    ap.add_argument("--header", action="append", default=[], help="extra line for the report head")
    ap.add_argument("--appendix", type=Path, action="append", default=[],
                    help="file whose tail goes into the report (e.g. saring's stderr summary)")
    args = ap.parse_args()

    runs: list[Run] = []
    for spec in args.run:
        parts = spec.split("|")
        label, time_file, cores, out_file = parts[:4]
        stdout_file = Path(parts[4]) if len(parts) > 4 and parts[4] else None
        t = parse_time_file(Path(time_file))
        runs.append(Run(label, int(cores), t["wall"], t["cpu"], t["rss_kb"], t["exit"],
                        count_lines(Path(out_file)), internal_rate(stdout_file)))

    n = args.lines
    out: list[str] = []
    out.append("# `saring scan` end-to-end benchmark")
    out.append("")
    out.extend(f"- {h}" for h in args.header)
    out.append("")
    out.append("| run | lines | wall s | lines/s | cores | lines/s per core | CPU s | lines per CPU-s | peak RSS MiB |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    rates = {}
    for r in runs:
        rate = n / r.wall if r.wall > 0 else float("inf")
        cpu_rate = n / r.cpu if r.cpu > 0 else float("inf")
        rates[r.label] = (rate, cpu_rate)
        out.append(f"| {r.label} | {fmt_int(n)} | {r.wall:.2f} | {fmt_int(rate)} | {r.cores} | "
                   f"{fmt_int(rate / r.cores)} | {r.cpu:.2f} | {fmt_int(cpu_rate)} | "
                   f"{r.rss_kb / 1024:.1f} |")
    out.append("")

    notes = []
    for r in runs:
        if r.exit_status != 0:
            notes.append(f"**{r.label} exited with status {r.exit_status}.**")
        if r.out_lines is not None and r.out_lines != n:
            notes.append(f"{r.label}: wrote {fmt_int(r.out_lines)} output lines for {fmt_int(n)} input lines.")
        if r.internal_rate is not None:
            notes.append(f"{r.label}: its own timer (excluding interpreter start-up and model load) "
                         f"says {fmt_int(r.internal_rate)} items/s.")

    ref = next((r for r in runs if r.label.startswith("saring") and r.cores == 1), None)
    sk = next((r for r in runs if r.label.startswith("sklearn")), None)
    rx = next((r for r in runs if r.label.startswith("regex")), None)
    out.append("## Ratios (wall-clock lines/s; in brackets: lines per CPU-second)")
    out.append("")
    if ref is None:
        out.append("- no single-thread saring run: no ratios")
    else:
        r_rate, r_cpu = rates[ref.label]
        for base in (sk, rx):
            if base is None:
                continue
            b_rate, b_cpu = rates[base.label]
            out.append(f"- {ref.label} / {base.label}: **{r_rate / b_rate:,.1f}×** "
                       f"({r_cpu / b_cpu:,.1f}×)")
    out.append("")
    out.append(f"## Target: ≥ {fmt_int(TARGET_PER_CORE)} lines/s per core end to end")
    out.append("")
    for r in runs:
        if not r.label.startswith("saring"):
            continue
        per_core = rates[r.label][0] / r.cores
        verdict = "MET" if per_core >= TARGET_PER_CORE and r.exit_status == 0 else "NOT MET"
        out.append(f"- {r.label}: {fmt_int(per_core)} lines/s per core → **{verdict}**")
    out.append("")
    out.append("The normalise + signals target (≥ 1,000,000 items/s per core) is not measured here: "
               "it is a library micro-benchmark, see the crate's criterion benches.")
    if notes:
        out.append("")
        out.append("## Notes")
        out.append("")
        out.extend(f"- {x}" for x in notes)
    for path in args.appendix:
        if path.is_file():
            tail = path.read_text(encoding="utf-8", errors="replace").splitlines()[-30:]
            out.append("")
            out.append(f"## {path.name} (last {len(tail)} lines)")
            out.append("")
            out.append("```")
            out.extend(tail)
            out.append("```")
    text = "\n".join(out) + "\n"
    args.md.parent.mkdir(parents=True, exist_ok=True)
    args.md.write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
