#!/usr/bin/env python3
"""Synthetic Indonesian chat-app data for Saring's solicitation detector.

Writes two JSON Lines files next to this script (or where --out-dir says):

* chat.jsonl       -- training split, seed --seed (default 20261129),
                      about 3,000 positives and 6,000 hard negatives;
* chat-test.jsonl  -- test split, seed --test-seed (default 20260517), about 500
                      positives and 1,000 negatives, built ONLY from held-out template
                      fragments and slot values (see the `P(train=..., test=..., both=...)`
                      pools below and README.md), so a model trained on chat.jsonl can be
                      measured honestly on it.

Every row: id, text, label ("solicitation" | "benign"), tags (the slice), label_origin,
obfuscation (the obfuscation methods applied, "" for none).

Standard library only, deterministic for a given seed and Python 3.11+. All names, phone
numbers, handles and brands are invented; the digits of phone numbers are random.

Usage:
    python3 gen.py                       # both files, default seeds and sizes
    python3 gen.py --only train --seed 1 --pos 300 --neg 600
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import unicodedata
from collections import Counter

LABEL_ORIGIN = "synthetic: data/synthetic/gen.py, rules in data/synthetic/README.md"

DEFAULT_SEED = 20261129
DEFAULT_TEST_SEED = 20260517
DEFAULT_DEV_SEED = 20261130

# Share of each slice in positives / negatives (weights, normalised at run time).
POS_SLICES = {"chat_positive": 60, "pimp_menu": 20, "minor_risk": 20}
NEG_SLICES = {
    "shop": 17,
    "rental": 15,
    "gambling": 15,
    "news": 14,
    "scam_warning": 11,
    "health": 11,
    "chat": 17,
}
OBFUSCATION_RATE = 0.20


def P(train=(), test=(), both=()):
    """A pool of fragments or slot values: `train` only in the training split, `test`
    only in the test split (held out), `both` in both."""
    tr = list(train) + list(both)
    te = list(test) + list(both)
    assert tr and te, (train, test, both)
    return {"train": tr, "test": te}


# ---------------------------------------------------------------------------------------
# Slot values
# ---------------------------------------------------------------------------------------

# Invented people: common Indonesian given names only, no surnames.
NAMES = P(
    train=[
        "Nadia", "Sinta", "Dewi", "Ayu", "Putri", "Rara", "Bella", "Mega", "Intan", "Citra",
        "Dinda", "Tasya", "Vina", "Salsa", "Nisa", "Karin", "Tiara", "Laras", "Wulan", "Sari",
        "Nia", "Lia", "Rina", "Fitri", "Anggi", "Yuni", "Maya", "Cindy", "Amel", "Novi",
        "Ratna", "Devi", "Indah", "Siska", "Eka", "Winda", "Kiki", "Mita", "Lusi", "Dita",
        "Fani", "Gita", "Hani", "Jihan", "Keisha", "Lala", "Manda", "Nabila", "Olla", "Vivi",
    ],
    test=[
        "Aurel", "Bunga", "Cantika", "Dara", "Elsa", "Febi", "Gisel", "Hesti", "Irma",
        "Juwita", "Kezia", "Lestari", "Melati", "Nayla", "Oktavia", "Rosa", "Sherly", "Tari",
        "Ulfa", "Vera", "Yola", "Zahra", "Wina", "Puspita", "Rere",
    ],
)
MALE_NAMES = P(
    train=["Budi", "Agus", "Andi", "Rizky", "Dimas", "Fajar", "Hendra", "Yoga", "Bayu", "Eko",
           "Arif", "Dedi", "Rudi", "Hari"],
    test=["Galih", "Ilham", "Reza", "Taufik", "Wahyu", "Joko", "Bima", "Satria"],
)


class Loc:
    """A place: the ways people write it, its towers (if an apartment), its city."""

    def __init__(self, names, towers=None, city=None, jogja=False):
        self.names = names
        self.towers = towers or []
        self.city = city or names[0]
        self.jogja = jogja


LOCS = P(
    train=[
        Loc(["Kalibata City", "kalcit", "Kalibata city", "kalibata", "KC", "Kalcit"],
            ["Jasmine", "Flamboyan", "Herbras", "Cendana", "Akasia", "Damar", "Borneo",
             "Sakura", "Mahoni", "Palem", "Gaharu", "Kemuning"], "Jakarta Selatan"),
        Loc(["Margonda Residence", "mares", "Margonda Res", "MR", "Mares"],
            ["1", "2", "3", "4", "5"], "Depok"),
        Loc(["Green Pramuka City", "green pramuka", "GPC", "Green Pramuka"],
            ["Pino", "Faggio", "Chrysant", "Magnolia", "Orchid", "Scarlet"], "Jakarta Pusat"),
        Loc(["Bassura City", "bassura", "Bassura"], ["A", "B", "C", "D", "E", "F", "G"],
            "Jakarta Timur"),
        Loc(["Gading Nias", "Gading Nias Residence", "GNR", "gading nias"],
            ["Alamanda", "Chrysant", "Emerald", "Fragrant"], "Jakarta Utara"),
        Loc(["Mediterania", "Mediterania Garden", "medit", "MGR"],
            ["A", "B", "C", "D", "E", "F", "G", "H"], "Jakarta Barat"),
        Loc(["Puri Park View", "PPV", "puri park view"], ["A", "B", "C", "D"], "Jakarta Barat"),
        Loc(["Sentra Timur", "Sentra Timur Residence", "STR", "sentra timur"],
            ["Ruby", "Emerald", "Jade", "Topaz"], "Jakarta Timur"),
        Loc(["Cibubur", "cibubur", "Transpark Cibubur"], ["A", "B", "C"], "Jakarta Timur"),
        Loc(["Jaksel", "jaksel", "Jakarta Selatan", "jkt sel"], None, "Jakarta Selatan"),
        Loc(["Depok", "depok", "dpk"], None, "Depok"),
        Loc(["Bekasi", "bekasi", "bks", "Bekasi kota"], None, "Bekasi"),
        Loc(["Tangerang", "tangerang", "tng", "Tangerang kota"], None, "Tangerang"),
        Loc(["Seturan", "seturan", "daerah Seturan"], None, "Yogyakarta", jogja=True),
        Loc(["Babarsari", "babarsari", "Babarsari jogja"], None, "Yogyakarta", jogja=True),
        Loc(["Jalan Kaliurang", "jakal", "jl kaliurang", "Jakal km 7", "kaliurang"], None,
            "Yogyakarta", jogja=True),
        Loc(["Condongcatur", "concat", "condong catur"], None, "Yogyakarta", jogja=True),
        Loc(["Jogja", "jogja", "Yogya", "jogjakarta"], None, "Yogyakarta", jogja=True),
        Loc(["Surabaya", "sby", "surabaya", "Suroboyo"], None, "Surabaya"),
        Loc(["Semarang", "smg", "semarang"], None, "Semarang"),
        Loc(["Medan", "medan", "mdn"], None, "Medan"),
        Loc(["Makassar", "makassar", "mks", "makasar"], None, "Makassar"),
        Loc(["Bali", "bali", "Denpasar", "kuta"], None, "Denpasar"),
    ],
    test=[
        Loc(["Green Bay Pluit", "GBP", "greenbay", "Green Bay"],
            ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"], "Jakarta Utara"),
        Loc(["Pancoran Riverside", "pancoran riverside", "Riverside Pancoran"], ["A", "B"],
            "Jakarta Selatan"),
        Loc(["Kota Ayodhya", "ayodhya", "Ayodhya"], ["Alamanda", "Bougenville", "Gardenia"],
            "Tangerang"),
        Loc(["Grand Center Point", "GCP", "center point bekasi"], ["A", "B", "C"], "Bekasi"),
        Loc(["City Park Cengkareng", "city park", "City Park"], ["A", "B", "C", "D"],
            "Jakarta Barat"),
        Loc(["Educity", "educity pakuwon", "Educity Surabaya"],
            ["Harvard", "Stanford", "Princeton", "Yale"], "Surabaya"),
        Loc(["Gateway Pasteur", "gateway bandung", "Gateway"], ["Ruby", "Sapphire", "Emerald"],
            "Bandung"),
        Loc(["Tebet", "tebet"], None, "Jakarta Selatan"),
        Loc(["Kemang", "kemang"], None, "Jakarta Selatan"),
        Loc(["Cengkareng", "cengkareng", "ckg"], None, "Jakarta Barat"),
        Loc(["BSD", "bsd", "Serpong", "serpong"], None, "Tangerang Selatan"),
        Loc(["Bogor", "bogor", "bgr"], None, "Bogor"),
        Loc(["Gejayan", "gejayan"], None, "Yogyakarta", jogja=True),
        Loc(["Maguwoharjo", "maguwo", "Maguwo"], None, "Sleman", jogja=True),
        Loc(["Sleman", "sleman"], None, "Sleman", jogja=True),
        Loc(["Jombor", "jombor"], None, "Sleman", jogja=True),
        Loc(["Bandung", "bdg", "bandung"], None, "Bandung"),
        Loc(["Malang", "malang", "mlg"], None, "Malang"),
        Loc(["Solo", "solo", "Surakarta"], None, "Surakarta"),
        Loc(["Palembang", "plg", "palembang"], None, "Palembang"),
        Loc(["Balikpapan", "bpp", "balikpapan"], None, "Balikpapan"),
        Loc(["Batam", "batam"], None, "Batam"),
    ],
)

PHONE_PREFIXES = [
    "0811", "0812", "0813", "0821", "0822", "0823", "0851", "0852", "0853", "0814", "0815",
    "0816", "0855", "0856", "0857", "0858", "0817", "0818", "0819", "0859", "0877", "0878",
    "0831", "0832", "0833", "0838", "0895", "0896", "0897", "0898", "0899", "0881", "0882",
    "0887", "0888",
]
# Phone spellings. The held-out ones only appear in the test split.
PHONE_FORMATS = P(
    both=["plain", "plain", "dash", "space", "dot", "intl_space", "intl_plus_dash",
          "intl_plain", "intl_plus_plain"],
    train=["dash_short", "space_mixed"],
    test=["paren", "intl_dash_all", "three_groups", "letter_o", "underscore"],
)
WAME_FORMATS = P(
    both=["wa.me/{i}", "https://wa.me/{i}"],
    train=["wa.me/+{i}", "http://wa.me/{i}"],
    test=["api.whatsapp.com/send?phone={i}", "wa.link/{i}"],
)

ADULT_AGE_FMTS = P(
    both=["{n}th", "{n} th", "{n}thn", "{n} tahun", "umur {n}", "usia {n}", "({n})"],
    train=["{n}y", "{n}yo", "{n} thn"],
    test=["{n}tahun", "{n} y.o", "u. {n}"],
)
MINOR_AGE_FMTS = P(
    both=["{n}th", "{n} th", "umur {n}", "usia {n}", "{n} tahun", "({n})"],
    train=["{n}thn", "{n}yo", "baru {n}"],
    test=["{n}tahun", "u {n}", "{n} y.o"],
)

# Money. n is in thousands of rupiah.
SMALL_MONEY = P(
    both=["{n}rb", "{n}k", "{n}", "{n} rb", "{n}K", "Rp{n}rb", "{n}ribu", "rp {n}.000"],
    train=["IDR {n}K", "{n}.000", "Rp {n}.000"],
    test=["{n}rbu", "{n} ribu", "{n} rebu"],
)
BIG_MONEY_WHOLE = P(
    both=["{m}jt", "{m} jt", "{m}juta", "{m} juta", "Rp{m}.000.000"],
    train=["{m}jt", "{n}k"],
    test=["{m} jeti", "{m}jtan"],
)
BIG_MONEY_FRAC = P(
    both=["{a},{b}jt", "{a}.{b}jt", "{a},{b}", "{a}.{b}", "{a},{b} juta", "{a}jt{b}"],
    train=["{n}k", "Rp{a}.{b}00.000", "{a}.{b}00.000"],
    test=["{a} jt {b}00", "{a},{b}jtan"],
)

EMOJI_COMMON = ["😊", "🙏", "👍", "✅", "📌", "📍", "📲", "💯", "⭐", "✨", "🔥", "❤️", "😍",
                "🥰", "😘", "💕", "🌹", "🎉", "😁", "🤗", "💖", "🌸", "👉", "‼️", "☺️"]
EMOJI_POS_EXTRA = ["💋", "💦", "🍑", "🍒", "👄", "😈", "🏨", "🛏️"]
EMOJI_NEG_EXTRA = ["🛍️", "📦", "🏢", "🏠", "🎰", "💰", "📰", "🩺", "💊", "🍜", "☕", "📷"]
BULLETS = ["🌸", "💋", "✨", "🔥", "❤️", "🍒", "•", "-", "⭐", "✅", "👉", "▪️"]

DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember"]

TIMES = P(
    train=["malam ini", "sore ini", "hari ini", "jam 7 malam", "sampai subuh", "weekend ini",
           "siang ini", "jam {hour}"],
    test=["nanti malam", "jam {hour} ke atas", "abis magrib", "full hari ini"],
)

# ---------------------------------------------------------------------------------------
# Positive fragments
# ---------------------------------------------------------------------------------------

POS_BO = P(
    both=["open bo", "open BO", "OPEN BO", "bo", "BO", "ready bo", "open bo ya", "bisa bo",
          "openbo", "open b.o"],
    train=["avail bo", "bo area {loc}", "open bo real", "BO yuk", "terima bo"],
    test=["op bo", "opn bo", "bo dadakan", "ready BO {time}"],
)
POS_OPENERS = P(
    both=["open bo", "open bo kak", "open BO ya", "ready bo {time}", "bisa bo"],
    train=[
        "ready kak", "ready say", "avail malam ini", "avail sekarang", "open bo",
        "open bo kak", "lagi open bo nih", "open BO ya", "new 🔥", "anak baru",
        "baru gabung kak", "bisa bo", "available {time}", "masih ada slot {time}",
        "slot kosong 2 lagi", "yuk temenin aku", "siap nemenin kamu {time}",
        "cari temen tidur?", "ada yg butuh temen {time}?", "open booking real",
        "hai kak, aku {name}", "aku {name} ready ya", "{name} avail hari ini",
        "ready bo {time}", "open bo real no tipu", "avail lg nih",
    ],
    test=[
        "free slot {time} say", "baru turun kak, siap jalan", "lagi kosong nih beb",
        "on lagi yaa", "op bo ya sayang", "masih nyala kok, sini", "yuhuu {name} nyala lagi",
        "siapa yg mau ditemenin?", "buka slot {time}", "{name} on ya ganteng",
    ],
)
POS_SELF = P(
    train=["{age}", "umur {adult_age}", "mahasiswi {age}", "{height}/{weight}", "body mungil",
           "putih bersih", "asli {city}", "real pict no tipu", "foto asli 100%",
           "bisa diajak ngobrol", "ramah ga buru2", "baru pertama open", "pemula",
           "tinggi {height}", "anak kuliahan"],
    test=["karyawati {age}", "tb {height} bb {weight}", "kulit sawo matang manis",
          "foto = orangnya", "ga pake filter", "sales {age}"],
)
POS_SERVICE = P(
    train=["include room", "inc/exc ok", "exclude bisa", "bisa panggilan hotel",
           "bisa ke kos kamu", "no dp", "wajib dp", "cod no dp", "dp dulu baru jalan",
           "full service", "pake pengaman", "rr via wa", "rate & rules via wa", "rr dm",
           "cek rr di wa", "bisa 2 slot", "vcs juga bisa", "bisa vcs dulu",
           "include kamar, tinggal dateng", "include room, exclude +100"],
    test=["harga udah sama kamar", "inc kamar", "terima tamu hotel", "bisa ke apart kamu",
          "transfer dulu baru ketemu", "ready vc juga", "s&k berlaku, tanya di wa",
          "kamar disiapin"],
)
POS_LOC = P(
    train=["{loct}", "area {loc}", "ready {loc}", "standby {loc}", "unit di {loct}",
           "{loc} only", "include room {loc}", "lokasi {loct}", "base {loc}", "di {loct}",
           "{loc} area"],
    test=["nginep di {loct}", "sekitaran {loc}", "posisi {loc} skrg", "{loct} lt {floor}",
          "lagi di {loc}"],
)
POS_PRICE = P(
    train=["ST {st} LT {lt}", "st {st} / lt {lt}", "short time {st}, long time {lt}",
           "ST 1 jam {st}", "LT 3 jam {lt}", "short {st} long {lt}", "crt 1x {st}",
           "{st} 1x crt", "full service {fs}", "FS {fs}", "bo {st} include room",
           "{st} ST inc room", "rate {st}/{lt}", "ST {st} (1 jam) LT {lt} (4 jam)",
           "short time {st}", "long time {lt} sampe pagi", "harga pas {st} no nego",
           "2 shoot {lt}", "1 shoot {st}"],
    test=["shorttime {st} longtime {lt}", "1 jam {st}, 3 jam {lt}", "st:{st} lt:{lt}",
          "crot 2x {lt}", "ST={st} LT={lt}", "fullserv {fs}", "nginep {lt}"],
)
POS_VCS = P(
    train=["vcs {vcs} {dur} menit", "vcs {vcs}/{dur}mnt", "open vcs {vcs}", "vcs real no rekam",
           "vcs full body {vcs}", "vcs {dur} menit {vcs}", "vcs berbayar {vcs}"],
    test=["video call {vcs} {dur} menit", "vc {dur} mnt {vcs}", "call bugil {vcs}",
          "vc hot {vcs}"],
)
POS_PAY = P(
    train=["bayar via dana/ovo/gopay", "transfer dulu baru call", "bisa pulsa",
           "tf dulu ya", "bayar di depan"],
    test=["bayar e-wallet duluan", "qris bisa", "pembayaran di awal"],
)
POS_CONTACT = P(
    train=["wa {phone}", "WA: {phone}", "whatsapp {phone}", "{wame}", "chat wa {phone}",
           "line: {handle}", "id line {handle}", "tele @{handle}", "telegram @{handle}",
           "t.me/{handle}", "rr via wa {phone}", "wa aja ya {phone}", "📲 {phone}",
           "minat chat {phone}", "pc aja", "dm ya", "japri aja kak", "chat aja",
           "langsung wa", "wa {phone} (fast resp)"],
    test=["hubungi {phone}", "kontak: {phone}", "tg: @{handle}", "ig: @{handle} (dm)",
          "wa/tele {phone}", "nomor aku {phone}", "save no {phone}", "inbox aja"],
)
POS_CLOSER = P(
    train=["serius only", "yg iseng skip", "no hit n run", "fast respon", "slot terbatas",
           "ga bales = lagi full", "keep slot dulu ya", "langsung aja kak", "minat pc",
           "jangan nawar ya", "bisa nego dikit", "cuma {time}", "real bukan bot"],
    test=["ga serius mending minggir", "gercep sebelum full", "telat = ga kebagian",
          "yang sopan ya kak", "nego tipis", "ditunggu ya ganteng", "no php", "siap meluncur"],
)
POS_CARD = P(
    train=[
        "✨ {name} ✨\n📍 {loct}\n💰 {price}\n🏨 {service}\n📲 {contact}",
        "{name} | {age}\n{price}\n{loct}\n{contact}",
        "🔥 READY 🔥\n{name} {age}\n{price}\n{service}\nlokasi {loct}\n{contact}",
    ],
    test=[
        "〰️ {name} 〰️\nposisi: {loct}\nrate: {price}\nketentuan: {service}\nkontak: {contact}",
        "{name} ({age}) • {loc}\n{price} • {service}\n{contact}",
    ],
)
POS_CONVO = P(
    train=[
        "hai kak, aku {name} {age}, lagi di {loct} nih. {service}, {price}. {contact}",
        "kak mau ditemenin? aku di {loct}, {price}, {contact}",
        "aku {name}, {self}. {price} {service}. kalo mau {contact}",
        "halo ganteng, {name} lagi kosong {time}. {loc}, {price}. {contact}",
    ],
    test=[
        "permisi kak, {name} disini. posisi {loct}, {price}. minat? {contact}",
        "sayang, {name} free {time}. {service}. {price}. {contact}",
    ],
)

PIMP_HEADERS = P(
    train=["LIST READY HARI INI", "stok baru nih 🔥", "list ready {time}", "update list {time}",
           "menu {time} kak", "new stock!!", "mami {loc} ready semua", "ready di {loc}",
           "anak2 ready hari ini", "yg ready skrg", "LIST ANAK {time}", "stok baru mami"],
    test=["daftar anak hari ini", "line up {time}", "update anak baru", "cek list ready {time}",
          "ANAK MAMI READY"],
)
PIMP_ITEMS = P(
    train=["{i}. {name} {age} {pshort}", "{i}. {name} ({adult_age}) ST {st} LT {lt}",
           "{bullet} {name} - {age} - {height}/{weight} - {st}", "{name} {adult_age}th {st}/{lt}",
           "{i}) {name}, {age}, {desc}, {price}", "{bullet} {name} {desc} {pshort}"],
    test=["#{i} {name} | {age} | {st}", "{bullet}{name} usia {adult_age} tarif {st}",
          "{i}- {name} {desc} {lt} LT", "{name} :: {adult_age} :: {pshort}"],
)
PIMP_MINOR_ITEMS = P(
    train=["{i}. {name} {minor_age_f} masih sekolah {pshort}", "{i}. {name} ({minor_age}) pelajar {st}",
           "{bullet} {name} - abg {minor_age} - {st}", "{i}) {name}, {minor_age_f}, sma, {price}"],
    test=["#{i} {name} | {minor_age_f} | anak sekolah | {st}", "{bullet}{name} usia {minor_age} siswi {st}"],
)
PIMP_DESC = P(
    train=["putih", "manis", "mungil", "tinggi", "chubby", "hijab", "mahasiswi", "karyawati",
           "ramah", "new", "fresh", "body goals", "pendiam"],
    test=["imut", "kalem", "semok", "spg", "langsing"],
)
PIMP_FOOTERS = P(
    train=["booking via admin {contact}", "hubungi mami {contact}", "admin: {phone}",
           "include room {loc}", "exclude nambah 100rb ke hotel", "semua foto real",
           "pilih langsung chat admin", "tamu baru wajib dp ke admin", "jadwal diatur mami ya",
           "transfer ke rek admin", "bisa antar ke hotel area {loc}",
           "yg mau pilih langsung chat admin {phone}", "rr tanya admin"],
    test=["order lewat mimin {contact}", "kontak koordinator {phone}",
          "anak2 bisa diantar ke {loc}", "dp ke rekening mami dulu", "pemesanan: {contact}",
          "semua anak baru minggu ini", "kamar disiapin mimin", "tanya mimin yg lain"],
)

MINOR_MARKERS = P(
    train=["masih sekolah", "pelajar sma", "anak sma", "abg {minor_age}", "umur {minor_age}",
           "{minor_age}th", "masih {minor_age} tahun", "dibawah umur", "kelas 2 sma",
           "kelas 3 smp", "pelajar smp", "baru lulus smp", "masih abg", "abg {minor_age_f}",
           "pulang sekolah bisa"],
    test=["anak sekolahan", "masih pake seragam putih abu", "bocil {minor_age}",
          "siswi kelas 11", "{minor_age} thn masih sekolah", "belum 17", "smp kelas 9"],
)

# ---------------------------------------------------------------------------------------
# Negative fragments
# ---------------------------------------------------------------------------------------

PRODUCTS = P(
    train=["gamis syari", "hijab instan", "skincare glowing bpom", "serum wajah",
           "madu hutan asli", "herbal pelangsing", "minyak kayu putih", "pulsa & paket data",
           "token listrik", "frozen food", "kue kering", "baju anak preloved",
           "sepatu sneakers", "tas branded preloved", "daster rayon",
           "seragam sekolah SD SMP SMA", "sambal roa", "kopi bubuk", "sabun cuci piring",
           "parfum refill", "kurma ajwa", "dimsum frozen", "lipstik matte"],
    test=["mukena travel", "bedak padat", "jamu kunyit asam", "voucher game", "case hp",
          "sepatu sekolah", "rice cooker second", "kaos polos", "sprei katun", "tumbler"],
)
SHOP_INTROS = P(
    train=["ready stock {product}", "READY kak {product}", "open order {product}",
           "PO {product} batch {n}", "jual {product}", "promo {product}", "restock {product}!",
           "{product} ready lagi", "ready kak, {product}", "new arrival {product}",
           "open PO {product}", "avail {product}"],
    test=["masih ada {product}", "{product} baru dateng", "lelang {product}",
          "open jastip {product}", "clearance {product}", "stok {product} nambah lagi",
          "yg kemarin nanya {product}, udah ready", "obral {product}", "flash sale {product}"],
)
SHOP_DETAILS = P(
    train=["harga {shop_price}", "cuma {shop_price}", "{shop_price} aja kak", "bisa COD {loc}",
           "cod area {loc}", "free ongkir {loc}", "ongkir murah", "stok terbatas",
           "ready {n} pcs", "warna lengkap", "size S-XXL", "original 100%", "bpom", "halal",
           "bisa dp dulu 50%", "pre order 7 hari", "include ongkir", "reseller welcome",
           "grosir lebih murah", "kondisi 90%", "nego tipis", "slot PO terbatas",
           "avail warna hitam & navy", "full payment ya"],
    test=["bisa diambil di {loc}", "harga nett", "sisa {n} lagi", "garansi 7 hari",
          "dropship bisa", "bisa kirim ke {loc} hari ini", "cuma {shop_price} aja",
          "harga grosir {shop_price}", "pengiriman tiap {day}", "ketemuan di lobby {loc} bisa",
          "belum termasuk ongkir", "barang sesuai foto", "bayar di tempat ok"],
)
SHOP_CONTACT = P(
    train=["WA {phone}", "order via wa {phone}", "{wame}", "chat admin {phone}", "dm ya kak",
           "klik link di bio", "shopee juga ada", "line@ {shophandle}", "📲 {phone}",
           "wa aja kak {phone}", "info & order: {phone}"],
    test=["pesan ke {phone}", "cek katalog {wame}", "tele @{shophandle}", "hubungi {phone}",
          "kontak: {phone}", "ig @{shophandle}", "wa/tele {phone}", "inbox aja kak"],
)
SHOP_CARD = P(
    train=["✨ READY STOCK ✨\n{product}\n💰 {shop_price}\n📍 cod {loc}\n📲 {contact}",
           "{product} | {shop_price}\n{detail}\n{contact}",
           "🛍️ {product}\nharga {shop_price}\n{detail}\n{detail}\n{contact}"],
    test=["〰️ {product} 〰️\nharga: {shop_price}\nket: {detail}\nkontak: {contact}"],
)
SHOP_LIST_HEADERS = P(
    train=["list ready hari ini kak", "LIST HARGA", "stok baru nih", "menu {time}",
           "update stok {time}", "new stock!!", "ready semua kak"],
    test=["daftar harga terbaru", "line up produk minggu ini", "cek list ready"],
)
SHOP_LIST_ITEMS = P(
    train=["{i}. {item} {shop_price}", "{bullet} {item} - {shop_price}", "{i}) {item} size {size} {shop_price}",
           "{item} {shop_price}/pcs"],
    test=["#{i} {item} | {shop_price}", "{i}- {item} cuma {shop_price}"],
)
SHOP_ITEMS = P(
    train=["gamis Alya", "hijab voal", "nasi box ayam bakar", "risol mayo", "kue lapis",
           "serum vit C", "sunscreen", "daster motif", "kemeja flanel", "dimsum ayam",
           "bakso frozen", "brownies", "paket data 10GB", "pulsa 50rb", "kaos anak"],
    test=["mukena bali", "ayam geprek", "toner", "kue sus", "sepatu slip on"],
)

RENTAL = P(
    train=["disewakan apartemen {aptt} harian/bulanan", "sewa apartemen {apt} studio full furnished",
           "unit {aptt} ready disewakan", "room for rent {loc}", "kost putri dekat {loc}",
           "kost campur {loc} {kos}/bulan", "kamar kos eksklusif, ac, wifi, km dalam",
           "transit 3 jam {transit}", "harian {daily}, mingguan {weekly}, bulanan {monthly}",
           "2BR {apt} {monthly}/bln", "include listrik & wifi", "bebas banjir", "dekat stasiun",
           "akses kartu", "bisa short stay", "check in jam 2 siang",
           "deposit {deposit} dikembalikan", "khusus karyawan/mahasiswa",
           "pasutri wajib bawa buku nikah", "studio {daily}/malam", "ready unit hari ini",
           "tahunan lebih murah", "view kolam renang"],
    test=["apartemen {aptt} over kontrak", "kamar ready {loc}, bisa harian",
          "sewa bulanan {monthly} nett", "full furnish siap huni", "parkir motor luas",
          "minimal sewa 3 bulan", "kontrakan 2 kamar {loc}", "harga per malam {daily}",
          "unit hoki lantai {floor}", "tamu wajib lapor security", "free air & listrik",
          "dekat kampus", "bisa bayar per minggu {weekly}", "kamar mandi dalam + water heater"],
)
BOOKING_SERVICES = P(
    train=["MUA open booking bulan {month}", "open booking foto wedding & prewed",
           "open booking catering nasi box", "open booking slot les privat",
           "open booking dekor lamaran", "jasa foto wisuda open booking",
           "open booking {month} masih ada {n} slot", "DP {dp} untuk kunci tanggal",
           "include makeup + hairdo", "sewa gedung serbaguna", "open slot makeup wisuda",
           "booking slot sebelum full ya", "include album & cetak"],
    test=["ruang meeting disewakan per jam", "villa di {loc} untuk keluarga",
          "open booking henna", "open booking sound system", "open booking photobooth",
          "fotografer wisuda ready {month}", "open slot les renang anak", "sewa tenda & kursi",
          "jasa MC nikahan, tanggal {month} masih kosong", "kunci tanggal dengan dp {dp}"],
)
RENTAL_CARD = P(
    train=["🏢 Disewakan {aptt}\n💰 harian {daily} / bulanan {monthly}\n✅ full furnished\n📲 {contact}",
           "DISEWAKAN\n{loct}\n{detail}\n{detail}\n{contact}",
           "📸 OPEN BOOKING 📸\n{service}\n{detail}\n📲 {contact}"],
    test=["〰️ sewa {aptt} 〰️\nharga: {daily}/hari\nfasilitas: {detail}\nkontak: {contact}"],
)

GAMBLING = P(
    train=["situs bo gacor {brand}", "bandar bo terpercaya", "agen bo resmi",
           "bo slot gampang maxwin", "daftar sekarang di {brand}",
           "deposit pulsa tanpa potongan", "depo {gprice} bisa", "min depo {gprice}",
           "wd berapapun dibayar", "bonus new member 100%", "rtp live {pct}%",
           "link alternatif {brand}", "jackpot tiap hari", "baru main di {brand} langsung jp {win}",
           "cs 24 jam via wa {phone}", "bo togel diskon 66%", "pola gacor hari ini",
           "scatter hitam muncul terus", "bo aman no tipu", "bo resmi {brand}",
           "open member baru", "slot gacor malam ini", "wd cepat 2 menit"],
    test=["bandar online paling gacor", "bo judi bola terpercaya", "pasaran togel lengkap",
          "depo via qris {gprice}", "member baru langsung wd {win}", "cuan terus di {brand}",
          "bo 4d terbesar", "anti rungkad", "server luar no lag", "deposit e-wallet tanpa potongan",
          "cashback mingguan {pct}%", "livechat 24 jam", "mainkan sekarang di {brand}"],
)
GAMBLING_COMMENTS = P(
    train=["dikasih tau temen kalo {brand} lagi bagi2 maxwin, pas dicoba beneran cair",
           "iseng depo {gprice} di {brand} eh wd {win}",
           "mending main di {brand}, bo paling jujur",
           "udah 3 kali jp di {brand} minggu ini",
           "ga nyangka {brand} beneran bayar"],
    test=["cuma modal {gprice} di {brand} bisa bawa pulang {win}",
          "barusan liat di {brand} ada event scatter", "akhirnya lunas utang gara2 {brand}",
          "siapa yg udah coba {brand}? beneran gacor", "kemarin jp lagi di {brand}, mantap"],
)
GAMBLING_CARD = P(
    train=["🔥 {brand} 🔥\n✅ min depo {gprice}\n✅ deposit pulsa\n✅ wd cepat\n📲 wa {phone}",
           "{brand}\nbandar bo terpercaya\n{detail}\n{detail}\n{contact}"],
    test=["🎰 {brand} 🎰\nbo resmi\n{detail}\nkontak: {contact}"],
)
BRAND_A = ["PAPAYA", "KELAPA", "DURIAN", "TERONG", "SAWI", "KANCIL", "MERAK", "BADAK",
           "RAMBUTAN", "CEMPAKA", "SALAK", "KENARI", "PETAI", "JAMBU"]
BRAND_B = ["BET", "88", "77", "99", "4D", "SLOT", "TOTO", "WIN", "303", "138", "JP", "PLAY"]

NEWS_HEAD = P(
    train=[
        "Polisi gerebek praktik prostitusi online di apartemen {apt}, {n} PSK diamankan",
        "Polres {city} minta Kominfo blokir akun open BO yang marak di media sosial",
        "Mucikari berinisial {ini} ({age2}) ditangkap, tawarkan wanita lewat MiChat dengan tarif {news_price}",
        "Pengadilan Negeri {city} vonis mucikari {n} tahun penjara dalam kasus prostitusi online",
        "Satpol PP razia kos-kosan di {loc}, puluhan pasangan terjaring",
        "Pengelola {apt} bantah unitnya disewakan untuk prostitusi",
        "Polisi ungkap modus open BO via aplikasi, tarif ST {st} hingga LT {lt}",
        "Pelaku menawarkan jasa VCS dan open BO lewat Twitter, kata Kapolsek",
        "KPAI: anak di bawah umur jadi korban eksploitasi seksual lewat aplikasi pesan",
        "Dinas Sosial bina {n} perempuan yang terjaring razia di {loc}",
        "Warga {apt} resah, unit apartemen diduga jadi lokasi prostitusi",
        "Kasus TPPO: {n} remaja diselamatkan dari jaringan prostitusi di {city}",
        "Pemkot {city} tutup tempat hiburan malam yang terbukti menyediakan PSK",
        "Polda: {n} akun penyedia open BO diblokir sepanjang tahun ini",
        "Germo di {city} jual pelajar SMA lewat media sosial, polisi tetapkan tersangka",
    ],
    test=[
        "Tim gabungan amankan {n} orang dari hotel melati di {loc} terkait prostitusi",
        "Jaksa tuntut germo {ini} {n} tahun bui",
        "Bareskrim bongkar jaringan open BO lintas provinsi",
        "DPRD minta pengawasan apartemen {apt} diperketat",
        "Razia pekat di {loc}: {n} wanita diamankan",
        "Siswi SMP dijajakan lewat aplikasi kencan, dua tersangka ditahan di {city}",
        "Polisi tangkap admin grup Telegram penyedia VCS berbayar di {city}",
        "Pemprov minta pengelola apartemen {apt} perketat sewa harian",
        "Wali kota {city} janji tertibkan kos-kosan yang dipakai prostitusi",
    ],
)
NEWS_LEAD = P(
    train=["Penggerebekan dilakukan {day} malam setelah polisi menerima laporan warga.",
           "Para pelaku menawarkan jasa lewat aplikasi pesan dengan tarif {news_price}.",
           "Polisi juga menyita {n} ponsel dan uang tunai {money}.",
           "Pelaku dijerat Pasal 296 dan 506 KUHP serta UU ITE.",
           "Korban yang masih di bawah umur kini didampingi UPTD PPA.",
           "Mucikari mengambil bagian {pct}% dari setiap transaksi.",
           "Transaksi dilakukan di salah satu unit di tower {tower_any}.",
           "Akun-akun itu memasang iklan dengan kata kunci 'open BO' dan 'include room'."],
    test=["Pelaku mengaku sudah beroperasi sejak {n} bulan terakhir.",
          "Barang bukti berupa kondom, ponsel dan bukti transfer ikut disita.",
          "Para perempuan itu direkrut lewat lowongan kerja palsu.",
          "Tersangka memasang tarif {news_price} kepada pelanggan.",
          "Kasus terungkap dari patroli siber di aplikasi kencan."],
)
NEWS_QUOTE = P(
    train=['"Kami akan terus melakukan patroli siber," ujar Kasat Reskrim {rank} {ini}.',
           '"Masyarakat jangan tergiur tawaran di media sosial," kata Kapolres.',
           '"Kami minta pengelola apartemen ikut mengawasi penyewa harian," kata {rank} {ini}.',
           'Baca juga: {headline2}'],
    test=['"Kasus ini masih kami kembangkan," jelas {rank} {ini}.',
          'Simak selengkapnya di kanal berita kami.'],
)
NEWS_DATELINE = P(
    train=["{CITY} -", "{CITY}, (berita) -", "{city} -", "[{city}]", "BREAKING:"],
    test=["{CITY} | ", "Liputan {city}:"],
)

SCAM = P(
    train=["waspada penipuan modus open BO, korban transfer DP lalu diblokir",
           "hati-hati akun palsu ngaku {name}, minta dp {price1} terus ngilang",
           "jangan pernah transfer dp ke akun ga jelas",
           "nomor {phone} ini penipu, tolong sebarin",
           "modus vcs berujung pemerasan, jangan angkat video call dari nomor asing",
           "temen gue ketipu {price1} gara2 akun bo palsu",
           "akun ini pake foto orang lain buat nipu",
           "kalau ada yg ngaku admin minta transfer, itu scam",
           "lapor ke patrolisiber kalau jadi korban",
           "modus baru: pura2 sewain apartemen {apt} harian, minta dp, ujungnya kabur",
           "waspada olshop fiktif jual {product} murah",
           "screenshot ya biar ga ada korban lagi", "udah dilaporin ke polisi",
           "penipu ngaku dari bank minta kode OTP",
           "katanya 'real no tipu', ujungnya tipu juga",
           "hati2 ya kak, akun ini ga pernah kirim barang"],
    test=["awas sindikat sextortion, korban diancam videonya disebar",
          "uang {price1} melayang setelah transfer ke rekening penipu",
          "cek dulu nomor rekening sebelum transfer", "ada laporan penipuan dengan nomor {phone}",
          "modus arisan online bodong makan korban lagi",
          "jangan mau disuruh bayar 'biaya admin' duluan",
          "akun yg jualan 'bo' itu cuma nyari dp, abis transfer langsung diblok",
          "hati-hati sama akun yg pake foto {name}, itu bukan dia",
          "ngaku kurir minta klik link apk, jangan!", "teman saya kena tipu jual beli hp",
          "udah ada {n} korban, nomor rekening sama"],
)
HEALTH = P(
    train=["layanan tes HIV gratis untuk pekerja seks di puskesmas {loc}",
           "tes HIV dan IMS gratis, rahasia terjamin", "mobile VCT hadir di {loc} hari {day}",
           "pembagian kondom dan pelicin gratis oleh pendamping lapangan",
           "konseling rahasia, chat konselor di {phone}", "PrEP sekarang tersedia di puskesmas",
           "pekerja seks berhak atas layanan kesehatan tanpa stigma",
           "skrining sifilis dan hepatitis B gratis",
           "penjangkauan teman-teman di hotspot {loc} malam ini",
           "ODHIV bisa hidup sehat dengan ARV", "kelompok dukungan sebaya setiap {day}",
           "jangan takut tes, hasil dijamin rahasia", "ayo cek kesehatan reproduksi",
           "layanan ramah untuk populasi kunci", "info lengkap DM atau WA {phone}",
           "jadwal klinik IMS: {day} jam {hour}.00", "tanpa KTP juga bisa dilayani"],
    test=["tes cepat HIV 15 menit, gratis", "edukasi kesehatan seksual untuk remaja di sekolah",
          "hotline dukungan korban kekerasan seksual {phone}",
          "program pendampingan perempuan yang ingin keluar dari prostitusi",
          "pemeriksaan IMS rutin tiap bulan", "lsm pendamping buka posko di {loc}",
          "layanan konseling tanpa menghakimi", "obat ARV gratis di rumah sakit rujukan",
          "pendamping sebaya siap antar ke klinik", "kondom gratis tersedia di posko {loc}",
          "jadwal pemeriksaan: {day}, {hour}.00", "hubungi konselor {phone}"],
)
HEALTH_CARD = P(
    train=["📍 Puskesmas {loc}\n🗓 {day}, jam {hour}.00\n✅ tes HIV gratis\n📲 {phone}",
           "🩺 {detail}\n{detail}\nkontak konselor: {contact}"],
    test=["〰️ layanan kesehatan 〰️\nlokasi: {loc}\nhari: {day}\nkontak: {contact}"],
)

CHAT = P(
    train=[
        "kak pesen nasi goreng 2 ya, anter ke {loct}", "gofood aja yuk, martabak 1",
        "aku otw ya, tunggu di lobby {loc}", "aku avail jam {hour} buat meeting",
        "besok avail ga? mau bahas proposal", "slot meeting jam 3 masih kosong",
        "zoom jam 10 ya", "film itu BO-nya tembus 5 juta penonton",
        "box office minggu ini rame banget", "ketemu di lt 3 deket eskalator",
        "parkir di lt 2 ya", "ST udah ditandatangani kepala dinas, besok berangkat",
        "harga {shop_price} buat sepatu segini mahal ga sih", "hp second harga {big} worth it ga",
        "pijat refleksi keluarga, terapis bersertifikat, bisa home service area {loc}",
        "pijat bayi dan ibu hamil, hubungi {phone}",
        "pinjaman dana cepat cair tanpa jaminan WA {phone}",
        "butuh dana? gadai bpkb proses cepat hub {phone}",
        "lowongan admin olshop, min SMA, kirim CV ke WA {phone}",
        "dicari SPG event usia 18-25 area {loc}",
        "makin banyak aja akun open bo di michat, report rame2 yuk",
        "tiap buka people nearby isinya open bo semua, capek",
        "udah report akun yg jualan vcs, semoga cepet diblokir",
        "selamat pagi kak, sehat selalu", "ready kak? maksudnya udah siap berangkat?",
        "aku baru nyampe {loc}, macet parah", "ada yg tau laundry deket {loc}?",
        "nitip beli kopi ya", "open recruitment panitia 17an", "open donasi buat korban banjir",
        "toko buka jam 9 ya kak", "ready kak, tinggal ambil di kasir",
        "dasar lonte, balikin duit gue", "mulut lo kayak lonte, ga sopan",
        "anak sma sekarang pinter2 ya, les privat tiap hari",
        "adikku masih sekolah, umur 16, lagi cari sekolah bola",
        "short time aja ketemunya, aku ada kelas jam 2", "long time no see bro!",
        "full service mobil di bengkel {loc} cuma {shop_price}",
        "kalcit banjir lagi ga?", "nginep di apartemen temen di {loc} semalam",
        "bo = bau badan wkwk", "include sarapan ga hotelnya?",
        "wa aku aja ya {phone}, hp lama ilang", "ganti nomor, save ya {phone}",
        "ada yg mau ikut futsal {day} malem?", "anak kos {loc} ada yg jual galon?",
        "order ojol ke {loc} mahal banget sekarang", "besok kumpul jam 7 di kampus",
        "bu, uang kas bulan ini udah aku transfer", "kapan2 main ke {loc} yuk",
        "barusan liat akun open bo pake foto artis, parah", "cari temen nonton konser {day}",
        "ready kak, pesanan atas nama {name} bisa diambil", "dosen pembimbing avail jam 10",
        "kerja part time weekend, fee 150rb/hari, chat {phone}", "mamah lagi di rumah sakit, doain ya",
        "harga cabe naik lagi, 80rb sekilo", "pijat tradisional panggilan, khusus ibu-ibu, {phone}",
    ],
    test=[
        "arisan minggu depan di rumah bu {name}", "jemput aku di {loc} jam {hour} ya",
        "kalian avail tgl 20 buat bukber?", "cari tukang ac area {loc}",
        "open trip ke pulau seribu, masih ada 3 seat", "besok libur ga sih?",
        "tolong share loc ya", "dasar cabe-cabean, urus aja hidup lo",
        "ponakan aku masih smp, umur 14, pinter gambar", "open mic {day} malam di kafe {loc}",
        "kamar 1204 tower {tower_any} bocor, tolong cek pak", "paket aku udah sampe lobby?",
        "nomer baru aku {phone}", "lagi ada promo ST-nya? maksudnya sate taichan",
        "cuci motor deket {loc} yg bagus dimana ya", "rapat RT diundur jadi {day}",
        "aku free sore ini, mau ngopi?", "barang titipan udah aku taro di pos satpam",
        "les piano buat anak SD, hubungi {phone}", "yg kemarin minjem payung, balikin ya",
        "tukang pijat langganan ibu udah pensiun, ada rekomendasi?",
        "jual beli mobil bekas, tt juga bisa, {phone}", "mau ikut kelas yoga {day} pagi?",
        "BO film horor itu gede juga ya", "dicari guru ngaji untuk anak usia 7-12",
        "lantai 5 mati lampu lagi", "anak2 pulang sekolah jam 2, jemput ya",
        "selamat ulang tahun {name}, panjang umur ya", "lagi di lobby {loc}, turun dong",
        "ini grup alumni sma, yg belum gabung kabarin", "pesen galon 2 ke unit aku ya",
        "ga jadi nonton, hujan deres", "cek email ya, udah aku kirim",
    ],
)

SHOPHANDLE_A = ["hijabalya", "dapurmama", "tokoberkah", "griyamodis", "olshopku", "kedaikita",
                "gudangsnack", "rumahkue", "sumberrejeki", "lapakmurah"]
PERSON_HANDLE_SUFFIX = ["22", "99", "cantik", "manis", "official", "07", "new", "baru", "01",
                        "xo", "real", "aja", "123"]

HOT_WORDS = {
    "open", "bo", "booking", "vcs", "avail", "available", "ready", "include", "room", "short",
    "long", "time", "crt", "full", "service", "wa", "whatsapp", "line", "dp", "slot", "rr",
    "exclude", "st", "lt", "temenin", "anak", "baru", "masih", "sekolah", "pelajar", "abg",
    "umur", "list", "stok", "stock", "mami", "admin", "promo", "gacor", "sewa", "disewakan",
    "kost", "cod", "harga", "order", "diskon", "gratis", "deposit", "depo", "bandar", "situs",
    "apartemen", "transfer", "psk", "prostitusi", "penipuan", "hiv", "tes", "menu", "tarif",
    "kondom", "slot", "maxwin", "jual", "tower", "new", "real", "chat", "vc", "pijat",
}

# Obfuscation methods; a few styles are held out of the training split.
OBF_METHODS = P(
    both=["leet", "split", "stretch", "fullwidth", "cyrillic", "emoji", "math", "circled",
          "zw", "leet+split", "stretch+zw"],
    train=[],
    test=["greek", "parenthesized", "math_fraktur", "cyrillic+split"],
)
MATH_STYLES = P(
    both=["BOLD", "ITALIC", "BOLD ITALIC", "DOUBLE-STRUCK", "SANS-SERIF BOLD", "MONOSPACE"],
    train=["SCRIPT", "BOLD SCRIPT", "SANS-SERIF"],
    test=["FRAKTUR", "BOLD FRAKTUR", "SANS-SERIF BOLD ITALIC"],
)

ABBREV = {
    "yang": ["yg"], "sudah": ["udah", "udh", "sdh"], "tidak": ["gak", "ga", "tdk", "nggak"],
    "dengan": ["dgn", "dg"], "untuk": ["utk", "buat"], "bisa": ["bs", "bsa"],
    "saja": ["aja", "aj"], "aja": ["aj", "ajah"], "kakak": ["kak", "kk"],
    "sayang": ["say", "syg", "sayangg"], "sekarang": ["skrg", "skrng"],
    "langsung": ["lgsg", "lsg", "lgsung"], "banget": ["bgt", "bngt"], "juga": ["jg"],
    "lagi": ["lg"], "malam": ["malem", "mlm"], "kalau": ["kalo", "klo"], "boleh": ["blh"],
    "tanya": ["tny"], "kak": ["ka", "kaka", "kakk"], "ya": ["yaa", "yah", "y"],
    "chat": ["cht", "ceting"], "hari": ["hr"], "minat": ["minatt"],
}


# ---------------------------------------------------------------------------------------
# Obfuscation
# ---------------------------------------------------------------------------------------

LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7", "g": "9", "b": "8"}
CYRILLIC = {"a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х", "y": "у", "i": "і",
            "s": "ѕ", "j": "ј", "A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "K": "К",
            "M": "М", "O": "О", "P": "Р", "T": "Т", "X": "Х"}
GREEK = {"o": "ο", "v": "ν", "i": "ι", "k": "κ", "u": "υ", "A": "Α", "B": "Β", "E": "Ε",
         "O": "Ο", "P": "Ρ", "T": "Τ", "K": "Κ", "N": "Ν", "H": "Η", "I": "Ι", "Z": "Ζ",
         "M": "Μ", "X": "Χ", "Y": "Υ"}
ZW = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
DIGIT_NAMES = ["ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE"]
LETTERLIKE = {"SCRIPT": "SCRIPT", "DOUBLE-STRUCK": "DOUBLE-STRUCK", "FRAKTUR": "BLACK-LETTER",
              "ITALIC": "ITALIC"}


def _lookup(*names):
    for n in names:
        try:
            return unicodedata.lookup(n)
        except KeyError:
            continue
    return None


def math_char(c, style):
    if c.isascii() and c.isalpha():
        case = "CAPITAL" if c.isupper() else "SMALL"
        alt = LETTERLIKE.get(style, style)
        got = _lookup(f"MATHEMATICAL {style} {case} {c.upper()}", f"{alt} {case} {c.upper()}",
                      "PLANCK CONSTANT" if (style == "ITALIC" and c == "h") else "")
        return got or c
    if c.isascii() and c.isdigit():
        got = _lookup(f"MATHEMATICAL {style} DIGIT {DIGIT_NAMES[int(c)]}")
        return got or c
    return c


def circled_char(c, kind="CIRCLED"):
    if c.isascii() and c.isalpha():
        case = "CAPITAL" if c.isupper() else "SMALL"
        if kind == "PARENTHESIZED":
            case = "SMALL"
        return _lookup(f"{kind} LATIN {case} LETTER {c.upper()}") or c
    if c.isascii() and c.isdigit():
        if c == "0":
            return _lookup("CIRCLED DIGIT ZERO") if kind == "CIRCLED" else c
        return _lookup(f"{kind} DIGIT {DIGIT_NAMES[int(c)]}") or c
    return c


def emoji_char(c, squared):
    if not (c.isascii() and c.isalpha()):
        return c
    idx = ord(c.upper()) - ord("A")
    if squared:
        return chr(0x1F130 + idx)
    ch = chr(0x1F170 + idx)
    if c.upper() in "ABOP":
        ch += "\ufe0f"
    return ch


class Obfuscator:
    def __init__(self, rng, split):
        self.r = rng
        self.split = split

    def word(self, w, method):
        r = self.r
        if "+" in method:
            for m in method.split("+"):
                w = self.word(w, m)
            return w
        if method == "leet":
            out = [LEET[c.lower()] if c.lower() in LEET and r.random() < 0.75 else c for c in w]
            if "".join(out) == w:
                out = [LEET.get(c.lower(), c) for c in w]
            return "".join(out)
        if method == "split":
            sep = r.choice([".", " ", "-", "*", "_", ". ", "•", "/"])
            return sep.join(w)
        if method == "stretch":
            idx = [i for i, c in enumerate(w) if c.lower() in "aeiou"] or [len(w) - 1]
            chosen = set(r.sample(idx, k=min(len(idx), r.choice([1, 1, 2]))))
            return "".join(c * r.randint(3, 6) if i in chosen else c for i, c in enumerate(w))
        if method == "fullwidth":
            return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in w)
        if method in ("cyrillic", "greek"):
            table = CYRILLIC if method == "cyrillic" else GREEK
            out = [table[c] if c in table and r.random() < 0.8 else c for c in w]
            if "".join(out) == w:
                out = [table.get(c, table.get(c.upper(), c)) for c in w]
            return "".join(out)
        if method == "emoji":
            squared = r.random() < 0.3
            return "".join(emoji_char(c, squared) for c in w)
        if method == "math":
            style = r.choice(MATH_STYLES[self.split])
            return "".join(math_char(c, style) for c in w)
        if method == "math_fraktur":
            return "".join(math_char(c, "FRAKTUR") for c in w)
        if method == "circled":
            return "".join(circled_char(c) for c in w)
        if method == "parenthesized":
            return "".join(circled_char(c, "PARENTHESIZED") for c in w)
        if method == "zw":
            z = r.choice(ZW)
            return z.join(w) if r.random() < 0.6 else w[:1] + z + w[1:]
        raise ValueError(method)

    def text(self, text):
        """Obfuscates 1-3 words (preferably signal words) or, sometimes, every word.
        Returns (new_text, method)."""
        r = self.r
        method = r.choice(OBF_METHODS[self.split])
        tokens = [(m.start(), m.end()) for m in re.finditer(r"[A-Za-z][A-Za-z0-9]*", text)]
        if not tokens:
            return text, ""
        whole = r.random() < 0.12 and method not in ("split", "leet+split", "emoji")
        if whole:
            chosen = tokens
        else:
            hot = [t for t in tokens if text[t[0]:t[1]].lower() in HOT_WORDS]
            cold = [t for t in tokens if t not in hot and t[1] - t[0] >= 3]
            k = r.choice([1, 1, 2, 2, 3])
            pool = hot if hot and r.random() < 0.85 else (cold or hot)
            chosen = r.sample(pool, k=min(k, len(pool)))
        chosen = sorted(set(chosen))
        out, last = [], 0
        for s, e in chosen:
            out.append(text[last:s])
            out.append(self.word(text[s:e], method))
            last = e
        out.append(text[last:])
        return "".join(out), method


# ---------------------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------------------

SLOT_RE = re.compile(r"\{(\w+)\}")
CACHED = {"name", "loc", "loct", "city", "phone", "handle", "brand", "product", "tower_any",
          "wame", "apt", "aptt"}


class Gen:
    def __init__(self, seed, split):
        self.r = random.Random(seed)
        self.split = split
        self.obf = Obfuscator(self.r, split)

    # -- basics ---------------------------------------------------------------------
    def ch(self, pool):
        return self.r.choice(pool[self.split])

    def chk(self, pool, k):
        items = pool[self.split]
        return self.r.sample(items, k=min(k, len(items)))

    def fill(self, tpl, ctx):
        def rep(m):
            key = m.group(1)
            if key in ctx:
                return ctx[key]
            val = getattr(self, "s_" + key)(ctx)
            if key in CACHED:
                ctx[key] = val
            return val

        # Repeat: a slot value may itself contain slots ("{time}" -> "jam {hour}").
        for _ in range(3):
            new = SLOT_RE.sub(rep, tpl)
            if new == tpl:
                break
            tpl = new
        return tpl

    def f(self, pool, ctx):
        return self.fill(self.ch(pool), ctx)

    # -- slots ----------------------------------------------------------------------
    def _loc_obj(self, ctx):
        if "_loc" not in ctx:
            ctx["_loc"] = self.ch(LOCS)
        return ctx["_loc"]

    def s_name(self, ctx):
        return self.ch(NAMES)

    def s_mname(self, ctx):
        return self.ch(MALE_NAMES)

    def s_loc(self, ctx):
        return self.r.choice(self._loc_obj(ctx).names)

    def s_loct(self, ctx):
        loc = self._loc_obj(ctx)
        name = ctx.get("loc") or self.r.choice(loc.names)
        if not loc.towers or self.r.random() < 0.2:
            return name
        t = self.r.choice(loc.towers)
        fmt = self.r.choice(["{n} tower {t}", "{n} twr {t}", "{n} {t}", "{n} tower {t}",
                             "tower {t} {n}", "{n} tw {t}"])
        return fmt.format(n=name, t=t)

    def _apt_obj(self, ctx):
        """An apartment complex: the text's location if it is one, else another one."""
        if "_apt" not in ctx:
            loc = ctx.get("_loc")
            if not (loc and loc.towers):
                loc = self.r.choice([x for x in LOCS[self.split] if x.towers])
            ctx["_apt"] = loc
            ctx.setdefault("_loc", loc)
        return ctx["_apt"]

    def s_apt(self, ctx):
        loc = self._apt_obj(ctx)
        if ctx.get("_loc") is loc and "loc" in ctx:
            return ctx["loc"]
        return self.r.choice(loc.names)

    def s_aptt(self, ctx):
        loc = self._apt_obj(ctx)
        sub = {"_loc": loc, "loc": self.s_apt(ctx)}
        return self.s_loct(sub)

    def s_tower_any(self, ctx):
        return self.r.choice(self._apt_obj(ctx).towers)

    def s_city(self, ctx):
        return self._loc_obj(ctx).city

    def s_CITY(self, ctx):
        return self.s_city(ctx).upper()

    def s_floor(self, ctx):
        return str(self.r.randint(2, 35))

    def s_hour(self, ctx):
        return str(self.r.randint(1, 23))

    def s_day(self, ctx):
        return self.r.choice(DAYS)

    def s_month(self, ctx):
        return self.r.choice(MONTHS)

    def s_time(self, ctx):
        return self.ch(TIMES)

    def s_n(self, ctx):
        return str(self.r.choice([2, 3, 3, 4, 5, 5, 6, 7, 8, 10, 12, 15, 21]))

    def s_pct(self, ctx):
        return str(self.r.choice([30, 40, 50, 60, 85, 90, 95, 97, 98]))

    def s_i(self, ctx):
        return str(ctx.get("i", 1))

    def s_bullet(self, ctx):
        return ctx.get("bullet") or self.r.choice(BULLETS)

    def _age(self, n, fmts):
        return self.r.choice(fmts[self.split]).format(n=n)

    def s_adult_age(self, ctx):
        return str(self.r.randint(19, 29))

    def s_age(self, ctx):
        return self._age(self.r.randint(19, 29), ADULT_AGE_FMTS)

    def s_age2(self, ctx):
        return str(self.r.randint(22, 55))

    def s_minor_age(self, ctx):
        if "minor_n" not in ctx:
            ctx["minor_n"] = self.r.choice([14, 15, 15, 16, 16, 16, 17, 17])
        return str(ctx["minor_n"])

    def s_minor_age_f(self, ctx):
        return self._age(int(self.s_minor_age(ctx)), MINOR_AGE_FMTS)

    def s_height(self, ctx):
        return str(self.r.randint(150, 170))

    def s_weight(self, ctx):
        return str(self.r.randint(40, 62))

    def s_desc(self, ctx):
        return self.ch(PIMP_DESC)

    def s_ini(self, ctx):
        a = "ABCDEFGHIJKLMNOPRSTUWY"
        return self.r.choice(a) + self.r.choice(a)

    def s_rank(self, ctx):
        return self.r.choice(["AKP", "Kompol", "AKBP", "Iptu"])

    # money ----------------------------------------------------------------------
    def money(self, n):
        """n in thousands of rupiah."""
        r = self.r
        if n < 1000:
            return r.choice(SMALL_MONEY[self.split]).format(n=n)
        if n % 1000 == 0:
            return r.choice(BIG_MONEY_WHOLE[self.split]).format(m=n // 1000, n=n)
        a, rest = divmod(n, 1000)
        b = rest // 100
        if rest % 100 or b == 0:
            return r.choice(SMALL_MONEY[self.split]).format(n=n)
        return r.choice(BIG_MONEY_FRAC[self.split]).format(a=a, b=b, n=n)

    def _bare_or_money(self, n):
        # In rate cards prices are often bare: "ST 500 LT 1,2".
        if self.r.random() < 0.35:
            if n < 1000:
                return str(n)
            a, rest = divmod(n, 1000)
            return f"{a},{rest // 100}" if rest else f"{a}jt"
        return self.money(n)

    def s_st(self, ctx):
        n = self.r.randrange(300, 1050, 50)
        ctx["_st_n"] = n
        return self._bare_or_money(n)

    def s_lt(self, ctx):
        lo = max(800, (ctx.get("_st_n", 0) + 399) // 100 * 100)
        return self._bare_or_money(self.r.randrange(lo, 3100, 100))

    def s_fs(self, ctx):
        return self.money(self.r.randrange(600, 1600, 100))

    def s_vcs(self, ctx):
        return self.money(self.r.choice([50, 75, 100, 100, 150, 200, 250, 300]))

    def s_dur(self, ctx):
        return str(self.r.choice([10, 15, 20, 30, 30, 60]))

    def s_price(self, ctx):
        return self.f(POS_PRICE, ctx)

    def s_pshort(self, ctx):
        return self.r.choice(["ST {st}", "{st}", "{st}/{lt}", "LT {lt}", "st {st} lt {lt}"]) \
            .format(st=self.s_st(ctx), lt=self.s_lt(ctx))

    def s_price1(self, ctx):
        return self.money(self.r.choice([100, 150, 200, 250, 300, 500, 750, 1000, 1500]))

    def s_shop_price(self, ctx):
        return self.money(self.r.choice([15, 20, 25, 35, 45, 50, 65, 75, 89, 99, 120, 135, 150,
                                          175, 199, 250, 300, 350, 450, 500]))

    def s_big(self, ctx):
        return self.money(self.r.randrange(1000, 4000, 100))

    def s_daily(self, ctx):
        return self.money(self.r.randrange(200, 500, 25))

    def s_transit(self, ctx):
        return self.money(self.r.randrange(100, 275, 25))

    def s_weekly(self, ctx):
        return self.money(self.r.randrange(1000, 2600, 100))

    def s_monthly(self, ctx):
        return self.money(self.r.randrange(2500, 7500, 500))

    def s_kos(self, ctx):
        return self.money(self.r.randrange(700, 2600, 100))

    def s_deposit(self, ctx):
        return self.money(self.r.choice([500, 1000, 1500, 2000]))

    def s_dp(self, ctx):
        return self.money(self.r.choice([200, 300, 500, 1000]))

    def s_gprice(self, ctx):
        return self.money(self.r.choice([5, 10, 10, 20, 25, 50]))

    def s_win(self, ctx):
        return self.money(self.r.choice([1500, 2500, 3500, 5000, 7000, 12000, 25000]))

    def s_money(self, ctx):
        return "Rp" + self.r.choice(["1,5 juta", "2,3 juta", "850 ribu", "4 juta", "600 ribu"])

    def s_news_price(self, ctx):
        lo = self.r.randrange(300, 800, 100)
        hi = self.r.randrange(1000, 3000, 500)
        return self.r.choice([
            f"Rp{lo} ribu hingga Rp{hi // 1000}{',' + str((hi % 1000) // 100) if hi % 1000 else ''} juta",
            f"Rp{lo}.000 per jam", f"Rp {lo} ribu sekali kencan",
            f"antara Rp{lo} ribu dan Rp{hi // 1000} juta",
        ])

    def s_headline2(self, ctx):
        sub = {}
        return self.fill(self.r.choice(NEWS_HEAD[self.split]), sub)

    # contacts -------------------------------------------------------------------
    def _digits(self):
        pre = self.r.choice(PHONE_PREFIXES)
        n = self.r.choice([7, 8, 8, 8, 8, 9])
        rest = "".join(self.r.choice("0123456789") for _ in range(n))
        return pre, rest

    def s_phone(self, ctx):
        pre, rest = self._digits()
        a, b = rest[:4], rest[4:]
        i = "62" + pre[1:]
        fmt = self.ch(PHONE_FORMATS)
        if fmt == "plain":
            return pre + rest
        if fmt == "dash":
            return f"{pre}-{a}-{b}"
        if fmt == "space":
            return f"{pre} {a} {b}"
        if fmt == "dot":
            return f"{pre}.{a}.{b}"
        if fmt == "intl_space":
            return f"+62 {pre[1:]} {a} {b}"
        if fmt == "intl_plus_dash":
            return f"+{i}-{a}-{b}"
        if fmt == "intl_plain":
            return i + rest
        if fmt == "intl_plus_plain":
            return "+" + i + rest
        if fmt == "dash_short":
            return f"{pre}-{rest}"
        if fmt == "space_mixed":
            return f"{pre} {rest[:3]} {rest[3:]}"
        if fmt == "paren":
            return f"({pre}) {rest}"
        if fmt == "intl_dash_all":
            return f"+62-{pre[1:]}-{a}-{b}"
        if fmt == "three_groups":
            return f"{pre} {rest[:3]} {rest[3:6]} {rest[6:]}"
        if fmt == "letter_o":
            return f"{pre} {a} {b}".replace("0", "O")
        if fmt == "underscore":
            return f"{pre}_{a}_{b}"
        raise ValueError(fmt)

    def s_wame(self, ctx):
        pre, rest = self._digits()
        return self.ch(WAME_FORMATS).format(i="62" + pre[1:] + rest)

    def s_handle(self, ctx):
        name = ctx.get("name") or self.s_name(ctx)
        sep = self.r.choice(["", "_", ".", ""])
        suf = self.r.choice(PERSON_HANDLE_SUFFIX + [str(self.r.randint(10, 999))])
        base = name.lower()
        if self.r.random() < 0.2:
            base = self.r.choice(["ms", "its", "real", "hi"]) + sep + base
        return base + sep + suf

    def s_shophandle(self, ctx):
        return self.r.choice(SHOPHANDLE_A) + self.r.choice(["", "_", ".", ""]) + \
            self.r.choice(["id", "store", "official", "jkt", str(self.r.randint(1, 99))])

    def s_contact(self, ctx):
        return self.f(ctx.get("_contact_pool", POS_CONTACT), ctx)

    def s_service(self, ctx):
        return self.f(ctx.get("_service_pool", POS_SERVICE), ctx)

    def s_detail(self, ctx):
        return self.f(ctx["_detail_pool"], ctx)

    def s_self(self, ctx):
        return self.f(POS_SELF, ctx)

    def s_product(self, ctx):
        return self.ch(PRODUCTS)

    def s_item(self, ctx):
        return self.ch(SHOP_ITEMS)

    def s_size(self, ctx):
        return self.r.choice(["S", "M", "L", "XL", "XXL", "all size", "38", "40"])

    def s_brand(self, ctx):
        r = self.r
        plain = r.choice(BRAND_A) + r.choice(BRAND_B)
        style = r.choice(["plain", "math", "math", "math", "spaced", "diamond", "fullwidth",
                          "circled"])
        if style == "plain":
            return plain
        if style == "math":
            st = r.choice(MATH_STYLES[self.split])
            return "".join(math_char(c, st) for c in plain)
        if style == "spaced":
            return " ".join(plain)
        if style == "diamond":
            e = r.choice(["💎", "⭐", "🔥", "👑"])
            return f"{e}{e}{plain}{e}{e}"
        if style == "fullwidth":
            return "".join(chr(ord(c) + 0xFEE0) for c in plain)
        return "".join(circled_char(c) for c in plain)

    # -- assembly helpers ------------------------------------------------------------
    def join(self, frags, seps=None):
        r = self.r
        seps = seps or [", ", ", ", " ", "\n", ". ", " | ", " - ", " • ", ",\n", " "]
        if r.random() < 0.75:
            sep = r.choice(seps)
            return sep.join(frags)
        out = frags[0]
        for fr in frags[1:]:
            out += r.choice(seps) + fr
        return out

    def emoji(self, text, extra):
        r = self.r
        if r.random() > 0.45:
            return text
        pool = EMOJI_COMMON + extra
        k = r.choice([1, 1, 2, 3])
        for _ in range(k):
            e = r.choice(pool) * r.choice([1, 1, 1, 2, 3])
            where = r.random()
            if where < 0.35:
                text = e + " " + text
            elif where < 0.8:
                text = text + " " + e
            else:
                # Never inside a phone number or a price ("0812 3456 7890").
                spaces = [m.start() for m in re.finditer(r"(?<![0-9]) | (?![0-9])", text)]
                if spaces:
                    p = r.choice(spaces)
                    text = text[:p] + " " + e + text[p:]
        return text

    def noise(self, text, light=False):
        """Abbreviations, typos and casing, as people type."""
        r = self.r

        def protect(tok):
            return any(ch.isdigit() for ch in tok) or "/" in tok or "@" in tok or "." in tok

        if r.random() < (0.15 if light else 0.45):
            def ab(m):
                w = m.group(0)
                alts = ABBREV.get(w.lower())
                if alts and r.random() < 0.55:
                    return r.choice(alts)
                return w
            text = re.sub(r"[A-Za-z]+", ab, text)
        if r.random() < (0.1 if light else 0.3):
            def typo(m):
                w = m.group(0)
                if len(w) < 4 or protect(w) or r.random() > 0.08:
                    return w
                i = r.randrange(1, len(w) - 1)
                op = r.choice(["drop", "dup", "swap"])
                if op == "drop":
                    return w[:i] + w[i + 1:]
                if op == "dup":
                    return w[:i] + w[i] + w[i:]
                return w[:i - 1] + w[i] + w[i - 1] + w[i + 1:]
            text = re.sub(r"\S+", typo, text)
        x = r.random()
        if light:
            return text
        if x < 0.30:
            text = text.lower()
        elif x < 0.38:
            text = text.upper()
        elif x < 0.44:
            text = re.sub(r"[A-Za-z]+", lambda m: m.group(0).capitalize()
                          if r.random() < 0.5 else m.group(0), text)
        elif x < 0.50 and text:
            text = text[0].upper() + text[1:]
        # stretched endings ("yaaa", "kakkk")
        if r.random() < 0.15:
            text = re.sub(r"\b(ya|kak|say|beb|aja|yuk)\b",
                          lambda m: m.group(0) + m.group(0)[-1] * r.randint(1, 3), text,
                          count=1)
        return text

    # -- slices: positives --------------------------------------------------------------
    def bo(self, frags, ctx, p):
        """Puts an explicit "open BO" style term in, unless one is there already."""
        if self.r.random() < p and not re.search(r"\bbo\b|openbo", " ".join(frags), re.I):
            frags.insert(self.r.randint(0, min(1, len(frags))), self.f(POS_BO, ctx))
        return frags

    def g_chat_positive(self, ctx, minor=False):
        r = self.r
        kind = r.choices(["full", "short", "vcs", "convo", "card"], [35, 25, 14, 14, 12])[0]
        frags = []
        if kind == "full":
            head = self.f(POS_OPENERS, ctx)
            mid = []
            if r.random() < 0.5:
                mid.append(self.f(POS_SELF, ctx))
            mid += [self.f(POS_SERVICE, ctx) for _ in range(r.choice([0, 1, 1, 2]))]
            if r.random() < 0.85:
                mid.append(self.f(POS_LOC, ctx))
            if r.random() < 0.85:
                mid.append(self.f(POS_PRICE, ctx))
            if r.random() < 0.25:
                mid.append(self.f(POS_VCS, ctx))
            r.shuffle(mid)
            frags = self.bo([head] + mid, ctx, 0.45)
            if r.random() < 0.85:
                frags.append(self.f(POS_CONTACT, ctx))
            if r.random() < 0.4:
                frags.append(self.f(POS_CLOSER, ctx))
            if minor:
                frags.insert(r.randint(1, len(frags)), self.f(MINOR_MARKERS, ctx))
            text = self.join(frags)
        elif kind == "short":
            pieces = [self.f(POS_OPENERS, ctx)] if r.random() < 0.7 else []
            pieces.append(self.f(POS_LOC, ctx))
            pieces.append(r.choice([self.f(POS_PRICE, ctx), self.s_pshort(ctx)]))
            pieces = self.bo(pieces, ctx, 0.45)
            if minor:
                pieces.insert(r.randint(0, len(pieces)), self.f(MINOR_MARKERS, ctx))
            if r.random() < 0.7:
                pieces.append(self.f(POS_CONTACT, ctx))
            text = self.join(pieces, [", ", " ", ". ", " "])
        elif kind == "vcs":
            pieces = [self.f(POS_OPENERS, ctx)] if r.random() < 0.6 else []
            pieces.append(self.f(POS_VCS, ctx))
            if r.random() < 0.6:
                pieces.append(self.f(POS_PAY, ctx))
            if minor:
                pieces.insert(r.randint(0, len(pieces)), self.f(MINOR_MARKERS, ctx))
            pieces.append(self.f(POS_CONTACT, ctx))
            if r.random() < 0.3:
                pieces.append(self.f(POS_CLOSER, ctx))
            text = self.join(pieces)
        elif kind == "convo":
            text = self.f(POS_CONVO, ctx)
            if minor:
                m = self.f(MINOR_MARKERS, ctx)
                text = r.choice([f"{m}, {text}", f"{text} ({m})", text.replace(". ", f", {m}. ", 1)])
        else:
            ctx["_contact_pool"] = POS_CONTACT
            text = self.f(POS_CARD, ctx)
            if minor:
                lines = text.split("\n")
                lines.insert(r.randint(1, len(lines)), self.f(MINOR_MARKERS, ctx))
                text = "\n".join(lines)
        return self.emoji(text, EMOJI_POS_EXTRA)

    def g_pimp_menu(self, ctx, minor=False):
        r = self.r
        head = self.f(PIMP_HEADERS, ctx)
        n = r.randint(3, 7)
        fmt_pool = PIMP_ITEMS
        tpl = self.ch(fmt_pool)  # one layout per menu, like real lists
        names = self.chk(NAMES, n)
        bullet = r.choice(BULLETS)
        minor_at = r.randrange(len(names)) if minor else -1
        items = []
        for i, nm in enumerate(names):
            sub = {"name": nm, "i": str(i + 1), "bullet": bullet, "_loc": self._loc_obj(ctx)}
            t = tpl
            if r.random() < 0.12:
                t = self.ch(fmt_pool)
            if i == minor_at:
                if r.random() < 0.5:
                    t = self.ch(PIMP_MINOR_ITEMS)
                else:
                    # Same layout as the others, only the age gives it away (plus a marker).
                    n_age = self.s_minor_age(ctx)
                    sub["age"] = self._age(int(n_age), MINOR_AGE_FMTS)
                    sub["adult_age"] = n_age
                    if r.random() < 0.5:
                        t += r.choice([" ({m})", " {m}", ", {m}"]).format(
                            m=self.f(MINOR_MARKERS, ctx).replace("{", "").replace("}", ""))
                    elif "age" not in t:
                        t += " " + sub["age"]
            items.append(self.fill(t, sub))
        footers = list(dict.fromkeys(
            self.f(PIMP_FOOTERS, ctx) for _ in range(r.choice([1, 1, 2, 2, 3]))))
        if minor and r.random() < 0.4:
            footers.insert(0, self.f(MINOR_MARKERS, ctx))
        sep = r.choice(["\n", "\n", "\n", " | ", "  "])
        text = head + r.choice(["\n", "\n", ": ", "\n\n"]) + sep.join(items) + \
            r.choice(["\n", "\n\n", ". "]) + r.choice(["\n", ". ", ", "]).join(footers)
        return self.emoji(text, EMOJI_POS_EXTRA)

    def g_minor_risk(self, ctx):
        if self.r.random() < 0.62:
            return self.g_chat_positive(ctx, minor=True)
        return self.g_pimp_menu(ctx, minor=True)

    # -- slices: negatives --------------------------------------------------------------
    def g_shop(self, ctx):
        r = self.r
        ctx["_detail_pool"] = SHOP_DETAILS
        ctx["_contact_pool"] = SHOP_CONTACT
        kind = r.choices(["full", "card", "list"], [60, 22, 18])[0]
        if kind == "card":
            text = self.f(SHOP_CARD, ctx)
        elif kind == "list":
            head = self.f(SHOP_LIST_HEADERS, ctx)
            tpl = self.ch(SHOP_LIST_ITEMS)
            items = self.chk(SHOP_ITEMS, r.randint(3, 6))
            bullet = r.choice(BULLETS)
            lines = [self.fill(tpl, {"item": it, "i": str(k + 1), "bullet": bullet})
                     for k, it in enumerate(items)]
            foot = [self.f(SHOP_DETAILS, ctx), self.f(SHOP_CONTACT, ctx)]
            text = head + "\n" + "\n".join(lines) + "\n" + r.choice(["\n", ". "]).join(foot)
        else:
            frags = [self.f(SHOP_INTROS, ctx)]
            frags += [self.f(SHOP_DETAILS, ctx) for _ in range(r.randint(1, 3))]
            frags = list(dict.fromkeys(frags))
            if r.random() < 0.85:
                frags.append(self.f(SHOP_CONTACT, ctx))
            text = self.join(frags)
        if r.random() < 0.1:
            text += "\n" + " ".join(r.sample(["#olshop", "#olshopmurah", "#gamismurah",
                                              "#skincareori", "#preloved", "#codjakarta",
                                              "#jualanonline", "#reseller"], 3))
        return self.emoji(text, EMOJI_NEG_EXTRA)

    def g_rental(self, ctx):
        r = self.r
        booking = r.random() < 0.35
        if not booking and r.random() < 0.6:
            ctx["_loc"] = r.choice([x for x in LOCS[self.split] if x.towers])
        pool = BOOKING_SERVICES if booking else RENTAL
        ctx["_detail_pool"] = pool
        ctx["_contact_pool"] = SHOP_CONTACT
        ctx["_service_pool"] = BOOKING_SERVICES
        if r.random() < 0.2:
            tpl = self.ch(RENTAL_CARD)
            if booking != ("{service}" in tpl):
                tpl = self.ch(RENTAL_CARD)
            text = self.fill(tpl, ctx)
        else:
            frags = [self.f(pool, ctx) for _ in range(r.randint(2, 4))]
            frags = list(dict.fromkeys(frags))
            if r.random() < 0.85:
                frags.append(self.f(SHOP_CONTACT, ctx))
            text = self.join(frags)
        if r.random() < 0.08:
            text += "\n" + " ".join(r.sample(["#sewaapartemen", "#apartemenjakarta", "#kost",
                                              "#muajakarta", "#fotografer", "#infokost",
                                              "#sewaharian"], 2))
        return self.emoji(text, EMOJI_NEG_EXTRA)

    def g_gambling(self, ctx):
        r = self.r
        ctx["_detail_pool"] = GAMBLING
        ctx["_contact_pool"] = SHOP_CONTACT
        kind = r.choices(["promo", "comment", "card"], [55, 25, 20])[0]
        if kind == "comment":
            text = self.f(GAMBLING_COMMENTS, ctx)
        elif kind == "card":
            text = self.f(GAMBLING_CARD, ctx)
        else:
            frags = list(dict.fromkeys(self.f(GAMBLING, ctx) for _ in range(r.randint(2, 4))))
            if "{brand}" not in " ".join(frags) and r.random() < 0.7:
                frags.insert(0, self.s_brand(ctx))
            text = self.join(frags)
        if r.random() < 0.1:
            text += " " + " ".join(r.sample(["#slotgacor", "#maxwin", "#bogacor", "#slot",
                                             "#togel", "#jackpot"], 2))
        return self.emoji(text, ["🎰", "💰", "💸", "🤑", "🎲", "👑", "💎"])

    def g_news(self, ctx):
        r = self.r
        parts = []
        head = self.f(NEWS_HEAD, ctx)
        if r.random() < 0.35:
            head = self.f(NEWS_DATELINE, ctx) + " " + head
        parts.append(head)
        for lead in self.chk(NEWS_LEAD, r.choice([0, 1, 1, 2])):
            parts.append(self.fill(lead, ctx))
        if r.random() < 0.35:
            parts.append(self.f(NEWS_QUOTE, ctx))
        seps = [". ", ".\n", ". ", "\n\n"]
        text = parts[0]
        for p in parts[1:]:
            text = text.rstrip(".") + r.choice(seps) + p
        return text

    def g_scam_warning(self, ctx):
        r = self.r
        frags = list(dict.fromkeys(self.f(SCAM, ctx) for _ in range(r.randint(1, 3))))
        if r.random() < 0.3:
            frags.insert(0, r.choice(["PSA:", "info penting", "‼️ WASPADA ‼️", "guys,", "tolong RT",
                                      "hati2 ya"]))
        return self.emoji(self.join(frags, [". ", "\n", ", ", "! "]), ["⚠️", "🚨", "❗", "🙏"])

    def g_health(self, ctx):
        r = self.r
        ctx["_detail_pool"] = HEALTH
        ctx["_contact_pool"] = SHOP_CONTACT
        if r.random() < 0.2:
            text = self.f(HEALTH_CARD, ctx)
        else:
            frags = list(dict.fromkeys(self.f(HEALTH, ctx) for _ in range(r.randint(2, 4))))
            text = self.join(frags, [". ", "\n", ", ", " • "])
        return self.emoji(text, ["🩺", "💊", "❤️", "🎗️", "🏥"])

    def g_chat(self, ctx):
        r = self.r
        frags = [self.f(CHAT, ctx)]
        if r.random() < 0.25:
            frags.append(self.f(CHAT, {}))
        frags = list(dict.fromkeys(frags))
        return self.emoji(self.join(frags, [". ", "\n", " ", ", "]), EMOJI_NEG_EXTRA)

    # -- driver -----------------------------------------------------------------------
    def one(self, tag):
        ctx = {}
        text = getattr(self, "g_" + tag)(ctx)
        light = tag in ("news", "health")
        text = self.noise(text, light=light)
        method = ""
        if self.r.random() < OBFUSCATION_RATE:
            text, method = self.obf.text(text)
        text = re.sub(r"[ \t]+\n", "\n", text).strip()
        text = re.sub(r"  +", lambda m: m.group(0) if self.r.random() < 0.1 else " ", text)
        return text, method


def quota(total, weights):
    s = sum(weights.values())
    out = {k: total * w // s for k, w in weights.items()}
    rest = total - sum(out.values())
    for k in list(weights)[:rest]:
        out[k] += 1
    return out


def generate(seed, split, n_pos, n_neg, exclude=frozenset(), prefix=None):
    g = Gen(seed, split)
    rows, seen = [], set(exclude)
    plan = [(t, "solicitation", n) for t, n in quota(n_pos, POS_SLICES).items()] + \
           [(t, "benign", n) for t, n in quota(n_neg, NEG_SLICES).items()]
    for tag, label, n in plan:
        made, tries = 0, 0
        while made < n:
            tries += 1
            if tries > n * 50:
                raise SystemExit(f"{split}/{tag}: too many duplicates ({made}/{n})")
            text, method = g.one(tag)
            key = re.sub(r"\s+", " ", text.lower())
            if key in seen:
                continue
            seen.add(key)
            rows.append({"text": text, "label": label, "tags": tag, "obfuscation": method})
            made += 1
    g.r.shuffle(rows)
    if prefix is None:
        prefix = "syn" if split == "train" else "syn-test"
    out = []
    for i, row in enumerate(rows, 1):
        out.append({"id": f"{prefix}-{i:06d}", "text": row["text"], "label": row["label"],
                    "tags": row["tags"], "label_origin": LABEL_ORIGIN,
                    "obfuscation": row["obfuscation"]})
    return out, seen


def write(rows, path):
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def summary(rows, path):
    c = Counter((r["label"], r["tags"]) for r in rows)
    ob = Counter(r["tags"] for r in rows if r["obfuscation"])
    size = os.path.getsize(path)
    print(f"{path}: {len(rows)} rows, {size / 1e6:.2f} MB")
    for (label, tag), n in sorted(c.items()):
        print(f"  {label:13s} {tag:14s} {n:5d}  (obfuscated {ob[tag]})")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help="training split seed")
    ap.add_argument("--test-seed", type=int, default=DEFAULT_TEST_SEED, help="test split seed")
    ap.add_argument("--pos", type=int, default=3000)
    ap.add_argument("--neg", type=int, default=6000)
    ap.add_argument("--test-pos", type=int, default=500)
    ap.add_argument("--test-neg", type=int, default=1000)
    ap.add_argument("--dev-seed", type=int, default=DEFAULT_DEV_SEED,
                    help="dev split seed (training pools, texts of the training split excluded)")
    ap.add_argument("--dev-pos", type=int, default=500)
    ap.add_argument("--dev-neg", type=int, default=1000)
    ap.add_argument("--only", choices=["train", "test", "dev"])
    ap.add_argument("--out-dir", default=here)
    a = ap.parse_args(argv)
    if len({a.seed, a.test_seed, a.dev_seed}) < 3:
        ap.error("--seed, --test-seed and --dev-seed must differ")
    train_keys = frozenset()
    if a.only in (None, "train"):
        rows, train_keys = generate(a.seed, "train", a.pos, a.neg)
        path = os.path.join(a.out_dir, "chat.jsonl")
        write(rows, path)
        summary(rows, path)
    else:
        # Still exclude training texts from the test split.
        _, train_keys = generate(a.seed, "train", a.pos, a.neg)
    if a.only in (None, "dev"):
        # Drawn from the training pools (never the held-out test pools), so choosing a
        # threshold or calibrating on it does not look at test phrasings; texts identical to
        # training texts are drawn again.
        rows, _ = generate(a.dev_seed, "train", a.dev_pos, a.dev_neg, exclude=train_keys,
                           prefix="syn-dev")
        path = os.path.join(a.out_dir, "chat-dev.jsonl")
        write(rows, path)
        summary(rows, path)
    if a.only in (None, "test"):
        rows, _ = generate(a.test_seed, "test", a.test_pos, a.test_neg, exclude=train_keys)
        path = os.path.join(a.out_dir, "chat-test.jsonl")
        write(rows, path)
        summary(rows, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
