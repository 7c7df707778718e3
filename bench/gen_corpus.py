#!/usr/bin/env python3
"""Generate the NDJSON corpus for the `saring scan` benchmark.

Stdlib only, Python 3.11, seeded and deterministic: the same --data, --lines and --seed
always give a byte-identical file.

    python3 bench/gen_corpus.py --lines 1000000 --out target/bench/corpus.ndjson
    python3 bench/gen_corpus.py --lines 1000 --out - | head     # to stdout

Each line is one JSON object:

    {"id": "b0000042", "account": "acct-001234", "platform": "michat",
     "kind": "post" | "profile" | "nearby", "text": "..."}

Texts are drawn (uniformly, with replacement) from the real texts under --data:
nbc-twitter/*.jsonl, sms-spam-id/sms.jsonl, judol-comments/comments.jsonl and
id-tweets-abusive/tweets.jsonl. Then, independently per line:

* ~20 % have their hashtags stripped (the whole `#tag` token is removed; if nothing would
  be left, only the `#` signs are dropped), because chat-app ads carry no hashtags;
* ~30 % are obfuscated: one obfuscation (sometimes two) applied either to a few words
  (solicitation keywords when the text has any, otherwise random words) or to the whole
  text. The obfuscations are implemented here, independently of the Rust crate's own
  `obfuscate` module, so the benchmark input is not shaped by the detector's authors:

  leet        o→0 e→3 a→4 i→1 s→5 (all or some of them)
  split       letters separated by dots, spaces, stars or dashes ("o.p.e.n", "b o")
  stretch     stretched letters ("avaaaiil", "booo")
  fullwidth   ＯＰＥＮ ＢＯ
  homoglyph   Cyrillic / Greek look-alikes (о, е, р, а, Β, Ο, ν …)
  math        mathematical bold / bold italic / bold script / sans-serif bold (𝐨𝐩𝐞𝐧, 𝗕𝗢)
  enclosed    circled ⓞ, negative circled 🅞, negative squared 🅾️🅱️ (with or without
              VS16), squared 🄾, regional indicators 🇴 🇵
  zerowidth   U+200B/200C/200D/2060/FEFF inserted between letters

`kind` is `post` (~70 %), `profile` (~15 %, text cut to ≤ 160 chars at a word boundary, like
a bio) or `nearby` (~15 %, ≤ 80 chars, like a "people nearby" status). Accounts come from a
skewed pool, so some accounts have many lines.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from pathlib import Path

SOURCES = [
    "nbc-twitter/*.jsonl",
    "sms-spam-id/sms.jsonl",
    "judol-comments/comments.jsonl",
    "id-tweets-abusive/tweets.jsonl",
]

OBFUSCATE_RATE = 0.30
HASHTAG_STRIP_RATE = 0.20

# Words that obfuscators typically hide. Matched on the lower-cased word with punctuation
# trimmed; when a text has any of them, they are the words that get obfuscated.
KEYWORDS = frozenset(
    """open bo booking book avail ready bispak bisyar vcs vcall vc st lt crot include
    exclude room incall outcall cod dp nodp full service fs ml sange pijat plus tante
    ayam kampus jablay lonte psk wp panlok keep fwb ons real pict rate nego sewa
    hotel apartemen apart tower wa dm chat michat telegram fix""".split()
)

# --- character maps -------------------------------------------------------------------

LEET_FULL = str.maketrans({"o": "0", "O": "0", "e": "3", "E": "3", "a": "4", "A": "4",
                           "i": "1", "I": "1", "s": "5", "S": "5"})
LEET_SOME = [
    str.maketrans({"o": "0", "O": "0", "i": "1", "I": "1"}),
    str.maketrans({"a": "4", "A": "4", "e": "3", "E": "3"}),
    str.maketrans({"o": "0", "O": "0", "s": "5", "S": "5"}),
]

FULLWIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)} | {" ": "\u3000"})

CYRILLIC = str.maketrans({
    "a": "\u0430", "c": "\u0441", "e": "\u0435", "i": "\u0456", "j": "\u0458", "o": "\u043e",
    "p": "\u0440", "s": "\u0455", "x": "\u0445", "y": "\u0443", "h": "\u04bb",
    "A": "\u0410", "B": "\u0412", "C": "\u0421", "E": "\u0415", "H": "\u041d", "I": "\u0406",
    "K": "\u041a", "M": "\u041c", "O": "\u041e", "P": "\u0420", "S": "\u0405", "T": "\u0422",
    "X": "\u0425", "Y": "\u04ae",
})
GREEK = str.maketrans({
    "o": "\u03bf", "v": "\u03bd", "u": "\u03c5", "i": "\u03b9", "k": "\u03ba", "a": "\u03b1",
    "n": "\u03b7", "p": "\u03c1", "t": "\u03c4",
    "A": "\u0391", "B": "\u0392", "E": "\u0395", "H": "\u0397", "I": "\u0399", "K": "\u039a",
    "M": "\u039c", "N": "\u039d", "O": "\u039f", "P": "\u03a1", "T": "\u03a4", "X": "\u03a7",
    "Y": "\u03a5", "Z": "\u0396",
})
# Half Cyrillic, half Greek: the mixed-script case.
MIXED_HOMOGLYPH = str.maketrans({
    "a": "\u0430", "e": "\u0435", "o": "\u03bf", "p": "\u0440", "v": "\u03bd", "i": "\u0456",
    "s": "\u0455", "c": "\u0441", "B": "\u0392", "O": "\u041e", "A": "\u0391", "E": "\u0415",
})


def _alpha_map(upper_start: int, lower_start: int, digit_start: int | None = None) -> dict:
    m = {chr(ord("A") + k): chr(upper_start + k) for k in range(26)}
    m |= {chr(ord("a") + k): chr(lower_start + k) for k in range(26)}
    if digit_start is not None:
        m |= {chr(ord("0") + k): chr(digit_start + k) for k in range(10)}
    return m


# Styles without holes in the Mathematical Alphanumeric Symbols block.
MATH = [
    str.maketrans(_alpha_map(0x1D400, 0x1D41A, 0x1D7CE)),  # bold
    str.maketrans(_alpha_map(0x1D468, 0x1D482)),           # bold italic
    str.maketrans(_alpha_map(0x1D4D0, 0x1D4EA)),           # bold script
    str.maketrans(_alpha_map(0x1D5D4, 0x1D5EE, 0x1D7EC)),  # sans-serif bold
]
MATH_WEIGHTS = [4, 1, 1, 3]


def _upper_only(start: int, suffix: str = "") -> dict:
    m = {}
    for k in range(26):
        g = chr(start + k) + suffix
        m[chr(ord("A") + k)] = g
        m[chr(ord("a") + k)] = g
    return m


ENCLOSED = [
    str.maketrans(_alpha_map(0x24B6, 0x24D0) | {str(d): chr(0x2460 + d - 1) for d in range(1, 10)}
                  | {"0": "\u24ea"}),                        # circled ⓐ Ⓐ ① ⓪
    str.maketrans(_upper_only(0x1F150)),                      # negative circled 🅐
    str.maketrans(_upper_only(0x1F170, "\ufe0f")),            # negative squared 🅾️ (emoji VS16)
    str.maketrans(_upper_only(0x1F170)),                      # negative squared 🅾 (bare)
    str.maketrans(_upper_only(0x1F130)),                      # squared 🄾
    str.maketrans(_upper_only(0x1F1E6, "\u200b")),            # regional indicators, ZWSP kept
    str.maketrans(_upper_only(0x1F1E6, " ")),                 #   apart so they don't form flags
]
ENCLOSED_WEIGHTS = [3, 2, 3, 1, 1, 1, 1]

ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
SPLIT_SEPS = [".", " ", "*", "-", ". ", " . ", "_", "•"]
SPLIT_SEP_WEIGHTS = [5, 4, 3, 3, 1, 1, 1, 1]
VOWELS = set("aiueoAIUEO")

# method name -> (weight, stage). Stage order: stretch (0) → insertions (1) → char maps (2),
# so separators never land between an emoji letter and its VS16.
METHODS = {
    "leet": (5, 2),
    "split": (4, 1),
    "stretch": (3, 0),
    "fullwidth": (2, 2),
    "homoglyph": (3, 2),
    "math": (3, 2),
    "enclosed": (2, 2),
    "zerowidth": (3, 1),
}
METHOD_NAMES = list(METHODS)
METHOD_WEIGHTS = [METHODS[m][0] for m in METHOD_NAMES]
CHAR_MAP_METHODS = {m for m, (_, stage) in METHODS.items() if stage == 2}

HASHTAG_RE = re.compile(r"#\w+")
WORD_SPLIT_RE = re.compile(r"([ \n]+)")
MULTI_BLANK_RE = re.compile(r"[ \t]{2,}|\n{2,}")
TRIM = ".,!?:;()[]\"'*-_~/\\|@#"

PLATFORMS = {
    "post": (["twitter", "tiktok", "telegram", "facebook"], [5, 2, 2, 1]),
    "profile": (["michat", "wechat", "telegram", "twitter"], [4, 2, 2, 2]),
    "nearby": (["michat", "wechat"], [3, 1]),
}
KINDS = ["post", "profile", "nearby"]
KIND_WEIGHTS = [70, 15, 15]
KIND_MAX_CHARS = {"profile": 160, "nearby": 80}


def load_texts(data: Path) -> list[str]:
    texts: list[str] = []
    for pattern in SOURCES:
        files = sorted(data.glob(pattern))
        if not files:
            raise SystemExit(f"gen_corpus: no files match {data / pattern}")
        for f in files:
            with f.open(encoding="utf-8") as fh:
                for line in fh:
                    if not line.strip():
                        continue
                    t = json.loads(line).get("text") or ""
                    if t.strip():
                        texts.append(t)
    return texts


def strip_hashtags(text: str) -> str:
    out = HASHTAG_RE.sub("", text)
    out = MULTI_BLANK_RE.sub(lambda m: "\n" if "\n" in m.group() else " ", out).strip()
    return out if out else text.replace("#", "")


def truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    sp = max(cut.rfind(" "), cut.rfind("\n"))
    return (cut[:sp] if sp >= limit // 2 else cut).rstrip()


def stretch(rng: random.Random, w: str) -> str:
    letters = [k for k, c in enumerate(w) if c.isalpha()]
    if not letters:
        return w
    vowels = [k for k in letters if w[k] in VOWELS]
    k = rng.choice(vowels) if vowels and rng.random() < 0.7 else letters[-1]
    return w[:k] + w[k] * rng.randint(3, 7) + w[k + 1:]


def zero_width(rng: random.Random, w: str) -> str:
    if rng.random() < 0.5:
        return rng.choice(ZERO_WIDTH).join(w)
    # one or two invisible characters at random positions
    if len(w) < 2:
        return w
    for _ in range(rng.randint(1, 2)):
        k = rng.randint(1, len(w) - 1)
        w = w[:k] + rng.choice(ZERO_WIDTH) + w[k:]
    return w


def char_table(rng: random.Random, method: str):
    if method == "leet":
        return LEET_FULL if rng.random() < 0.6 else rng.choice(LEET_SOME)
    if method == "fullwidth":
        return FULLWIDTH
    if method == "homoglyph":
        r = rng.random()
        return CYRILLIC if r < 0.5 else GREEK if r < 0.8 else MIXED_HOMOGLYPH
    if method == "math":
        return rng.choices(MATH, MATH_WEIGHTS)[0]
    if method == "enclosed":
        return rng.choices(ENCLOSED, ENCLOSED_WEIGHTS)[0]
    raise ValueError(method)


def obfuscate(rng: random.Random, text: str) -> str:
    methods = [rng.choices(METHOD_NAMES, METHOD_WEIGHTS)[0]]
    if rng.random() < 0.25:
        second = rng.choices(METHOD_NAMES, METHOD_WEIGHTS)[0]
        # at most one character map per line; otherwise any pair
        if second != methods[0] and not (second in CHAR_MAP_METHODS and methods[0] in CHAR_MAP_METHODS):
            methods.append(second)
    methods.sort(key=lambda m: METHODS[m][1])

    # Whole-text character maps (as in the gambling comments' fancy letters) — sometimes.
    if len(methods) == 1 and methods[0] in CHAR_MAP_METHODS and rng.random() < 0.25:
        return text.translate(char_table(rng, methods[0]))

    # Words at even indices, the spaces/newlines between them at odd ones.
    words = WORD_SPLIT_RE.split(text)
    keyword_idx = []
    candidate_idx = []
    for k in range(0, len(words), 2):
        w = words[k]
        core = w.strip(TRIM).lower()
        if len(core) < 2 or w.startswith(("http", "#", "@", "pic.twitter")) or core.isdigit():
            continue
        candidate_idx.append(k)
        if core in KEYWORDS:
            keyword_idx.append(k)
    pool = keyword_idx or candidate_idx
    if not pool:
        return text
    targets = rng.sample(pool, min(len(pool), rng.randint(1, 3)))

    sep = rng.choices(SPLIT_SEPS, SPLIT_SEP_WEIGHTS)[0]
    tables = {m: char_table(rng, m) for m in methods if m in CHAR_MAP_METHODS}
    for k in targets:
        w = words[k]
        for m in methods:
            if m == "stretch":
                w = stretch(rng, w)
            elif m == "split":
                w = sep.join(w)
            elif m == "zerowidth":
                w = zero_width(rng, w)
            else:
                w = w.translate(tables[m])
        words[k] = w
    return "".join(words)


def generate(texts: list[str], lines: int, seed: int, out) -> dict:
    rng = random.Random(seed)
    n_accounts = max(1, lines // 20)
    stats = {"obfuscated": 0, "hashtags_stripped": 0, "post": 0, "profile": 0, "nearby": 0}
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    buf: list[str] = []
    n_texts = len(texts)
    rand = rng.random
    for i in range(lines):
        text = texts[int(rand() * n_texts)]
        kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
        stats[kind] += 1
        if kind in KIND_MAX_CHARS:
            text = truncate(text, KIND_MAX_CHARS[kind])
        if rand() < HASHTAG_STRIP_RATE:
            text = strip_hashtags(text)
            stats["hashtags_stripped"] += 1
        if rand() < OBFUSCATE_RATE:
            text = obfuscate(rng, text)
            stats["obfuscated"] += 1
        acct = int(n_accounts * rand() ** 2)  # skewed: low ids are busy accounts
        names, weights = PLATFORMS[kind]
        platform = rng.choices(names, weights)[0]
        buf.append(dumps({"id": f"b{i:07d}", "account": f"acct-{acct:06d}",
                          "platform": platform, "kind": kind, "text": text}))
        if len(buf) >= 8192:
            out.write("\n".join(buf))
            out.write("\n")
            buf.clear()
    if buf:
        out.write("\n".join(buf))
        out.write("\n")
    return stats


def main() -> int:
    repo_root = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=repo_root / ".." / "shared" / "data",
                    help="data folder (default: ../shared/data relative to the repo root)")
    ap.add_argument("--lines", type=int, default=1_000_000, help="lines to write (default 1000000)")
    ap.add_argument("--seed", type=int, default=20261129, help="random seed (default 20261129)")
    ap.add_argument("--out", default="target/bench/corpus.ndjson",
                    help="output file, '-' for stdout (default target/bench/corpus.ndjson)")
    args = ap.parse_args()
    if args.lines < 0:
        ap.error("--lines must be >= 0")

    t0 = time.perf_counter()
    texts = load_texts(args.data.resolve())
    t_load = time.perf_counter() - t0

    if args.out == "-":
        stats = generate(texts, args.lines, args.seed, sys.stdout)
        size = None
    else:
        out_path = Path(args.out)
        out_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = out_path.with_name(out_path.name + ".tmp")
        with tmp.open("w", encoding="utf-8", newline="\n", buffering=1 << 20) as fh:
            stats = generate(texts, args.lines, args.seed, fh)
        os.replace(tmp, out_path)  # never leave a half-written corpus under the final name
        size = out_path.stat().st_size
    dt = time.perf_counter() - t0
    msg = (f"gen_corpus: {args.lines} lines from {len(texts)} source texts (seed {args.seed}) "
           f"in {dt:.1f} s (loading {t_load:.1f} s)")
    if size is not None:
        msg += f", {size / 1e6:.1f} MB -> {args.out}"
    print(msg, file=sys.stderr)
    n = max(args.lines, 1)
    print("gen_corpus: " + ", ".join(f"{k} {v} ({100 * v / n:.1f} %)" for k, v in stats.items()),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
