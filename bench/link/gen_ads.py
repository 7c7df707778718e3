#!/usr/bin/env python3
"""Generate the `saring link` benchmark corpus: ads with planted networks of known membership.

Stdlib only, seeded and deterministic (same --data, --ads, --seed → byte-identical files).

    python3 bench/link/gen_ads.py --ads 1000000 --out target/bench/link/ads.ndjson

Writes OUT (NDJSON, `{"id","account","platform","kind","text"}`) and OUT.truth.tsv
(`account<TAB>network` for every account of a planted network; other accounts are in no
network).

* **Background ads** (~90 %): each is spliced from two real texts under --data (a window of
  up to 30 words of one, then 3–10 words of another), so background ads are almost never
  near-duplicates of each other by construction. Every phone number and @handle in them is
  replaced by a fresh invented one, so background ads share no identifier. Each background
  ad has its own account.
* **Planted networks** (~10 % of ads): one operator, 2–12 accounts, 1–5 ads per account. The
  network has one ad template: a real solicitation text from --data (its numbers and handles
  removed) wrapped in randomly chosen framing with slots — name, age, two prices, a place, a
  contact. Every ad fills the slots anew (invented names, prices, apartment towers), and
  some ads drop or repeat a phrase or add emoji. The network has 1–3 invented phone numbers;
  about half of its accounts write one of them (in a random spelling: spaces, dots, dashes,
  +62, number words, fullwidth digits, emoji keycaps), the others a number of their own, so
  that part of every network is linked only by its template.

All names and numbers are invented; the real texts keep only their words.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

SOURCES = [
    "nbc-twitter/train-weak.jsonl",
    "nbc-twitter/dev-manual.jsonl",
    "nbc-twitter/unlabeled.jsonl",
    "sms-spam-id/sms.jsonl",
    "judol-comments/comments.jsonl",
    "id-tweets-abusive/tweets.jsonl",
]

PLANTED_SHARE = 0.10

NAMES = [
    "Dinda", "Sinta", "Rara", "Ayu", "Bella", "Citra", "Dewi", "Eka", "Fani", "Gita", "Hana",
    "Indah", "Jessi", "Kiki", "Lala", "Mira", "Nita", "Oliv", "Putri", "Qori", "Rina", "Salsa",
    "Tari", "Uci", "Vina", "Winda", "Yuni", "Zahra", "Nadia", "Tasya", "Cindy", "Anggi",
]
PLACES = [
    "Kalibata City", "Margonda Residence", "Green Pramuka", "Bassura City", "Cibubur Village",
    "Tamansari Semanggi", "Gading Nias", "Mediterania", "Puri Park View", "Sentra Timur",
    "Jogja City", "Seturan", "Babarsari", "Depok Town Square", "Cinere Bellevue",
]
PRICES_ST = ["250rb", "300rb", "350rb", "400rb", "450k", "500k", "300 rb", "350k"]
PRICES_LT = ["700rb", "800rb", "1jt", "1,2jt", "1.5jt", "1 jt", "900k", "2jt"]
EMOJI = ["💋", "🔥", "💦", "😘", "🌹", "✨", "❤️", "🥰"]
OPENERS = [
    "Ready {name} kak", "open bo {name} ready", "Halo kak, {name} avail", "READY NOW {name}",
    "{name} ready say", "Avail malam ini {name}", "Mau ditemenin? {name} ready",
]
AGES = ["{age}th", "umur {age}", "usia {age}", "{age} y.o", "{age}thn"]
PRICE_LINES = ["ST {st} LT {lt}", "short {st} long {lt}", "st {st} / lt {lt}", "ST:{st} LT:{lt}"]
PLACE_LINES = ["apart {place}", "lokasi {place}", "di {place}", "area {place} tower {tower}"]
CONTACTS = ["WA {phone}", "wa: {phone}", "hub {phone}", "chat WA {phone}", "📞 {phone}"]
CLOSERS = ["no DP", "no tipu", "real pict", "fast resp", "include room", "bisa COD"]

DIGIT_WORDS = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan",
               "sembilan"]
FULLWIDTH = {str(d): chr(0xFF10 + d) for d in range(10)}

PHONE_RE = re.compile(r"(?:\+?62|0)[\s.\-]?8[0-9][0-9\s.\-]{6,14}[0-9]")
DIGITS_RE = re.compile(r"[0-9][0-9\s.\-]{7,}[0-9]")
HANDLE_RE = re.compile(r"@\w+")


def load_texts(data: Path) -> tuple[list[list[str]], list[str]]:
    """All texts as word lists, and the solicitation texts (for templates)."""
    words, solicit = [], []
    for pattern in SOURCES:
        path = data / pattern
        with path.open(encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                text = " ".join(row["text"].split())
                if not text:
                    continue
                w = text.split(" ")
                words.append(w)
                if row.get("label") == "solicitation" and 8 <= len(w) <= 40:
                    solicit.append(text)
    return words, solicit


def invented_phone(rng: random.Random) -> str:
    """An invented Indonesian mobile number, 12 digits (08xx + 8 digits)."""
    return "08" + rng.choice("1235789") + str(rng.randrange(10)) + "".join(
        str(rng.randrange(10)) for _ in range(8)
    )


def spell(phone: str, rng: random.Random) -> str:
    """One of the spellings people use for `phone` (digits starting with 08)."""
    style = rng.randrange(8)
    if style == 0:
        return phone
    if style == 1:
        return f"{phone[:4]} {phone[4:8]} {phone[8:]}"
    if style == 2:
        return f"{phone[:4]}-{phone[4:8]}-{phone[8:]}"
    if style == 3:
        return f"{phone[:4]}.{phone[4:8]}.{phone[8:]}"
    if style == 4:
        return f"+62 {phone[1:4]} {phone[4:8]} {phone[8:]}"
    if style == 5:
        return " ".join(DIGIT_WORDS[int(c)] for c in phone)
    if style == 6:
        return "".join(FULLWIDTH[c] for c in phone)
    return "".join(c + "\ufe0f\u20e3" for c in phone)


def scrub(text: str, rng: random.Random) -> str:
    """Replaces phone numbers and handles with fresh invented ones."""
    text = PHONE_RE.sub(lambda _m: invented_phone(rng), text)
    return HANDLE_RE.sub(lambda _m: "@u" + str(rng.randrange(10**9)), text)


def strip_contacts(text: str) -> str:
    """Removes numbers that look like contacts, and handles (for template bodies)."""
    text = PHONE_RE.sub("", text)
    text = DIGITS_RE.sub("", text)
    return " ".join(HANDLE_RE.sub("", text).split())


def make_template(body: str, rng: random.Random) -> list[str]:
    """A template: a list of parts, some with slots."""
    body = body.replace("{", "{{").replace("}", "}}")  # literal braces, not slots
    parts = [rng.choice(OPENERS), rng.choice(AGES), body, rng.choice(PRICE_LINES),
             rng.choice(PLACE_LINES), rng.choice(CONTACTS)]
    parts += rng.sample(CLOSERS, k=rng.randrange(1, 3))
    if rng.random() < 0.5:
        # Some templates put the price list first.
        parts.insert(1, parts.pop(3))
    return parts


def fill(parts: list[str], phone: str, rng: random.Random) -> str:
    """An ad from a template, slots filled anew, with small edits."""
    chosen = list(parts)
    if rng.random() < 0.25 and len(chosen) > 6:
        del chosen[rng.randrange(6, len(chosen))]
    text = " ".join(chosen).format(
        name=rng.choice(NAMES), age=rng.randrange(19, 28), st=rng.choice(PRICES_ST),
        lt=rng.choice(PRICES_LT), place=rng.choice(PLACES), tower=rng.choice("ABCDEFGH"),
        phone=spell(phone, rng),
    )
    if rng.random() < 0.5:
        text += " " + rng.choice(EMOJI) * rng.randrange(1, 4)
    return text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ads", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=20261129)
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[3] / "shared/data")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    words, solicit = load_texts(args.data)

    rows: list[tuple[str, str]] = []  # (account, text)
    truth: list[tuple[str, str]] = []
    planted_target = int(args.ads * PLANTED_SHARE)
    net = 0
    while len(rows) < planted_target:
        net += 1
        body = strip_contacts(rng.choice(solicit))
        parts = make_template(body, rng)
        phones = [invented_phone(rng) for _ in range(rng.randrange(1, 4))]
        for a in range(rng.randrange(2, 13)):
            account = f"n{net}-{a}"
            truth.append((account, f"net{net}"))
            own = rng.choice(phones) if rng.random() < 0.5 else invented_phone(rng)
            for _ in range(rng.randrange(1, 6)):
                rows.append((account, fill(parts, own, rng)))
    b = 0
    while len(rows) < args.ads:
        b += 1
        first = rng.choice(words)
        second = rng.choice(words)
        i = rng.randrange(max(1, len(first) - 29))
        j = rng.randrange(max(1, len(second) - 9))
        text = " ".join(first[i:i + 30] + second[j:j + rng.randrange(3, 11)])
        rows.append((f"b{b}", scrub(text, rng)))
    rows = rows[: args.ads]
    rng.shuffle(rows)

    out = sys.stdout if str(args.out) == "-" else args.out.open("w", encoding="utf-8")
    kinds = ["post"] * 8 + ["profile", "nearby"]
    for n, (account, text) in enumerate(rows):
        out.write(json.dumps({"id": f"a{n}", "account": account, "platform": "michat",
                              "kind": rng.choice(kinds), "text": text},
                             ensure_ascii=False) + "\n")
    if out is not sys.stdout:
        out.close()
        with Path(str(args.out) + ".truth.tsv").open("w", encoding="utf-8") as f:
            for account, network in truth:
                f.write(f"{account}\t{network}\n")
    print(f"wrote {len(rows)} ads, {net} planted networks ({len(truth)} accounts)",
          file=sys.stderr)


if __name__ == "__main__":
    main()
