"""Measure parse_dateline on real data in ../shared (Reuters-21578, datelines_dev.json, TempEval-3 AFP).

The scorers behind benchmarks/eval_datelines.py (the CLI: [--json OUT] [--show-misses]) and the dateline
tests (tests/test_dateline.py).

Comparison rules (also in docs/datelines.md):
- city: case-insensitive, spaces around "/" ignored, trailing dots ignored. For a gold city written in a
  non-Latin script ("Kathmandu (Nepali script)") the printed city is mapped to its GeoNames English name.
- Reuters gold: city = DATELINE text before the first comma (or " - "), "****" noise removed; date = the
  month/day printed in the DATELINE read by a minimal reference reader, year from <DATE>. Datelines whose
  printed day is not a valid date ("March 187", "Narch 2") have no gold date and are reported apart.
- datelines_dev agency: the agency printed in the dateline, or found by detect_agency in the trailer
  recorded with the string (trailer_credit_seen); a house-style inference (ANI tag stripped) is not a
  printed agency and is compared as None. Both sides go through normalize_agency.
- " / " in a dev string marks a line break in the original (string_note) and becomes "\\n".
"""

from __future__ import annotations

import datetime as dt
import glob
import html
import json
import re
from pathlib import Path
from typing import Any

from crawler.core.normalize.agency import detect_agency, normalize_agency
from crawler.core.normalize.dateline import parse_dateline
from crawler.core.normalize.gazetteer import fold, lookup_city

SHARED = Path(__file__).resolve().parents[3] / "shared"
BLIND_FILE = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "blind" / "datelines.json"
# Floors of the blind dateline set, at the figures after the fixes it prompted (first blind run: city 0.892,
# agency 0.855, 2 false datelines). Each string's parse is also in tests/snapshots/blind-datelines.json.
BLIND_FLOORS = {"city_exact": 0.96, "country_exact": 0.97, "agency_exact": 0.97, "day_exact": 0.96}
BLIND_CEILINGS = {"false_datelines": 0}


def below_floors(report: dict[str, Any]) -> list[str]:
    """The blind set's figures under their floor (over their ceiling), one line each."""
    low = [f"{k} {report[k]:.3f} BELOW floor {t}" for k, t in BLIND_FLOORS.items() if report[k] < t]
    return low + [f"{k} {report[k]} ABOVE ceiling {t}" for k, t in BLIND_CEILINGS.items() if report[k] > t]
MONTHS = {m: i + 1 for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}


def norm_city(city: str | None) -> str | None:
    if city is None:
        return None
    return re.sub(r"\s*/\s*", "/", " ".join(city.casefold().replace(".", "").split()))


def city_equal(gold: str | None, pred: str | None) -> bool:
    if gold is not None and "script)" in gold:
        english = gold.split("(")[0].strip()
        hit = lookup_city(pred) if pred else None
        return hit is not None and hit[1].casefold() == english.casefold()
    return norm_city(gold) == norm_city(pred)


def agency_equal(gold: str | None, pred: str | None) -> bool:
    def key(a: str | None) -> str | None:
        return None if a is None else (normalize_agency(a) or a.casefold())

    return key(gold) == key(pred)


# --- Reuters ------------------------------------------------------------------------------------------
def reuters_items(root: Path) -> list[dict]:
    items = []
    for path in sorted(glob.glob(str(root / "reut2-00[0-9].sgm"))):
        text = Path(path).read_text(encoding="latin-1")
        for m in re.finditer(r"<REUTERS.*?</REUTERS>", text, re.S):
            story = m.group(0)
            dl = re.search(r"<DATELINE>(.*?)</DATELINE>", story, re.S)
            if not dl:
                continue
            date_m = re.search(r"<DATE>\s*(\d{1,2})-([A-Z]{3})-(\d{4})", story)
            if not date_m:
                continue
            published = dt.date(int(date_m.group(3)), MONTHS[date_m.group(2).lower()], int(date_m.group(1)))
            body = re.search(r"<BODY>(.*?)(?:</BODY>|$)", story, re.S)
            raw = html.unescape(dl.group(1))
            items.append({"dateline": raw, "published": published,
                          "text": raw + (html.unescape(body.group(1))[:300] if body else "")})
    return items


def reuters_gold(raw: str, published: dt.date) -> tuple[str, dt.date | None]:
    s = raw.strip().lstrip("*").strip()
    city = re.split(r",| - |\s+(?=(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d)", s,
                    maxsplit=1, flags=re.I)[0].strip()
    # "March 2", "MARCH 2", "Mar. 2" and the day-first "2 March" all occur in the corpus.
    m = re.search(r"\b([A-Za-z]{3})[A-Za-z]*\.?\s+(\d{1,3})\b\s*[-,]", s)
    day_first = re.search(r"\b(\d{1,2})\s+([A-Za-z]{3})[A-Za-z]*\.?\s*[-,]", s)
    gold_date = None
    for month, day in ((m.group(1), m.group(2)) if m else (None, None),
                       (day_first.group(2), day_first.group(1)) if day_first else (None, None)):
        if month and day and month.lower() in MONTHS:
            try:
                gold_date = dt.date(published.year, MONTHS[month.lower()], int(day))
            except ValueError:
                gold_date = None
            break
    return city, gold_date


def eval_reuters(show: bool) -> dict:
    root = SHARED / "data/corpora/reuters21578/sgm-data"
    items = reuters_items(root)
    city_ok = date_ok = both_ok = date_scored = all_ok = 0
    misses = []
    for it in items:
        gold_city, gold_date = reuters_gold(it["dateline"], it["published"])
        d = parse_dateline(it["text"], it["published"])
        c_ok = d is not None and city_equal(gold_city, d.city)
        city_ok += c_ok
        if gold_date is not None:
            date_scored += 1
            dd_ok = d is not None and d.date == gold_date
            date_ok += dd_ok
            both_ok += c_ok and dd_ok
            if not (c_ok and dd_ok):
                misses.append((it["dateline"].strip(), d.city if d else None, d.date if d else None))
        elif not c_ok:
            misses.append((it["dateline"].strip(), d.city if d else None, None))
        # Over every story: an impossible printed day ("March 187") has no date, so None is the right answer.
        all_ok += c_ok and d is not None and d.date == gold_date
    n = len(items)
    if show:
        for m in misses:
            print("  reuters miss:", m)
    return {"stories": n, "city_exact": city_ok / n, "date_scored": date_scored,
            "date_unscorable": n - date_scored, "date_exact": date_ok / date_scored,
            "city_and_date_exact": both_ok / date_scored, "city_and_date_exact_all_stories": all_ok / n}


# --- datelines_dev ---------------------------------------------------------------------------------------
def eval_dev(show: bool, path: Path | None = None) -> dict:
    source = path or SHARED / "data/datelines/datelines_dev.json"
    data = json.loads(source.read_text(encoding="utf-8"))["datelines"]
    fields = ["city", "country", "agency", "month", "day"]
    ok = dict.fromkeys(fields, 0)
    n_true = false_pos = 0
    negatives = []
    for item in data:
        text = item["dateline_string"]
        if item.get("string_note") and '" / "' in item["string_note"]:
            text = text.replace(" / ", "\n")
        published = None
        obs = item.get("observations") or []
        for o in obs:
            try:
                published = dt.date.fromisoformat(o.get("page_date", ""))
                break
            except (TypeError, ValueError):
                continue
        d = parse_dateline(text, published)
        if item["kind"] != "dateline":
            if d is not None:
                false_pos += 1
                negatives.append((text, d))
            continue
        n_true += 1
        gold = item["parse"]
        trailer = item.get("trailer_credit_seen")
        evidence = detect_agency(dateline=d, paragraphs=[text] + ([trailer] if trailer else []),
                                 author_organizations=[], title=None)
        pred_agency = evidence.code if evidence and evidence.source != "house_style" else None
        if pred_agency is None and d is not None and not d.agency_inferred:
            pred_agency = d.agency
        pred: dict[str, Any] = {
            "city": d.city if d else None,
            "country": d.country if d else None,
            "agency": pred_agency,
            "month": d.month if d else None,
            "day": d.day if d else None,
        }
        for f in fields:
            g = gold[f]
            if f == "country" and isinstance(g, str) and "/" in g:
                g = g.split("/")[0]  # several places: the country of the first (see docs)
            good = (city_equal(g, pred[f]) if f == "city" else agency_equal(g, pred[f]) if f == "agency"
                    else g == pred[f])
            ok[f] += good
            if not good and show:
                print(f"  dev miss {f}: {text!r} gold={g!r} got={pred[f]!r}")
    if show:
        for text, d in negatives:
            print(f"  dev FALSE dateline: {text!r} -> {d}")
    out: dict = {f"{f}_exact": ok[f] / n_true for f in fields}
    out.update({"true_datelines": n_true, "non_datelines": len(data) - n_true, "false_datelines": false_pos})
    return out


# --- TempEval-3 ------------------------------------------------------------------------------------------
def eval_tempeval(show: bool) -> dict:
    root = SHARED / "data/corpora/tempeval3/Training/TE3-Silver-data-0"
    n = city_ok = date_ok = 0
    for path in sorted(root.glob("*.tml")):
        if not path.name.startswith(("AFP", "XIN")):
            continue
        t = path.read_text(encoding="utf-8")
        dct = re.search(r"<DCT>(.*?)</DCT>", t, re.S)
        if not dct:
            continue
        value = re.search(r'value="(\d{4}-\d{2}-\d{2})', dct.group(1))
        plain = html.unescape(re.sub(r"<[^>]+>", "", dct.group(1)))
        n += 1
        # gold city: before the first comma, or before the month when a comma is missing
        gold_city = re.split(r",|\.?\s+(?=(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d)",
                             plain, maxsplit=1)[0].strip()
        gold_date = dt.date.fromisoformat(value.group(1)) if value else None
        d = parse_dateline(plain)
        c = d is not None and city_equal(gold_city, d.city)
        g = d is not None and d.date == gold_date
        city_ok += c
        date_ok += g
        if show and not (c and g):
            print(f"  tempeval miss: {plain!r} -> {d}")
    return {"documents": n, "city_exact": city_ok / n if n else 0.0, "date_exact": date_ok / n if n else 0.0}


def eval_tbaq(show: bool) -> dict:
    """TempEval-3 TBAQ-cleaned (TimeBank + AQUAINT: AP, NYT, Xinhua, ABC...): every story whose text opens
    with an upper-case place and a dateline mark ("NAIROBI, Kenya (AP) _", "WASHINGTON --"); the gold city
    is that printed place, the gold date the document creation time (the dateline's day may be one day off
    it: stories filed before midnight)."""
    root = SHARED / "data/corpora/tempeval3/Training/TBAQ-cleaned"
    n = city_ok = date_ok = 0
    for path in sorted(root.glob("*/*.tml")):
        raw = path.read_text(encoding="utf-8")
        body = re.search(r"<TEXT>(.*?)</TEXT>", raw, re.S)
        if body is None:
            continue
        text = html.unescape(re.sub(r"<[^>]+>", "", body.group(1))).strip()
        first = text.split("\n", 1)[0].strip()
        printed = re.match(r"^([A-Z][A-Z.'\- ]{2,40})(?:,|\s*\(|\s+_|\s+--)", first)
        if printed is None:
            continue
        dct = re.search(r'value="([0-9-]{10})[^"]*"[^>]*functionInDocument="CREATION_TIME"', raw)
        published = dt.date.fromisoformat(dct.group(1)) if dct else None
        n += 1
        d = parse_dateline(text[:600], published)
        c = d is not None and city_equal(printed.group(1).strip(), d.city)
        g = d is not None and (d.date is None or published is None or abs((d.date - published).days) <= 1)
        city_ok += c
        date_ok += g
        if show and not (c and g):
            print(f"  tbaq miss: {first[:80]!r} -> {d}")
    return {"stories_with_dateline": n, "city_exact": city_ok / n if n else 0.0,
            "date_consistent": date_ok / n if n else 0.0}


# --- the multilingual blind set (tests/fixtures/blind/datelines-multi.json) ------------------------------
MULTI_FILE = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "blind" / "datelines-multi.json"
MULTI_FIELDS = ("city", "country", "agency", "month", "day")
# Floors of the multilingual blind set at the figures its first fixes reached (first run, before any of
# them: city 0.371, country 0.358, agency 0.480, month 0.599, day 0.581, 2 false datelines). Issue 16's
# target is 0.97 on each field; the gaps are listed in docs/decisions.md. Raised after the script key, native
# agency aliases and house styles (city 0.926 → 0.970, country 0.924 → 0.970, agency 0.987 → 0.997, month and
# day 0.995 → 1.0); city and country again after the sound match and spaced/hyphenated alternates (0.970 → 0.987).
MULTI_FLOORS = {"city": 0.984, "country": 0.984, "agency": 0.995, "month": 0.99, "day": 0.99}
MULTI_CEILINGS = {"false_datelines": 0}


def multi_below_floors(report: dict[str, Any]) -> list[str]:
    """The multilingual set's overall figures under their floor (over their ceiling), one line each."""
    overall = report["overall"]
    low = [f"{k} {overall[k]:.3f} BELOW floor {t}" for k, t in MULTI_FLOORS.items() if overall[k] < t]
    return low + [f"{k} {overall[k]} ABOVE ceiling {t}" for k, t in MULTI_CEILINGS.items() if overall[k] > t]


def multi_city_equal(gold: str | None, pred: str | None) -> bool:
    """Same place: both sides through the gazetteer's canonical name (any script or spelling), else the
    printed names compared case- and accent-insensitively (fold)."""
    if gold is None or pred is None:
        return gold is None and pred is None
    if city_equal(gold, pred):
        return True

    def key(name: str) -> str:
        hit = lookup_city(name.split("/")[0].strip())
        return fold(hit[1]) if hit else fold(name)

    return key(gold) == key(pred)


def eval_multi(path: Path | None = None, rows: list[dict] | None = None) -> dict:
    """Per-language and overall exact figures of each field over the entries with a dateline, the false
    datelines on the entries without one (counted per language), and the family labels of the misses
    (never the texts: the set stays a blind measure). ``rows`` replaces the file (the case table)."""
    data = rows if rows is not None else json.loads((path or MULTI_FILE).read_text(encoding="utf-8"))
    per: dict[str, dict[str, Any]] = {}
    miss_families: dict[str, dict[str, int]] = {}
    false_families: dict[str, int] = {}
    for item in data:
        lang = item["language"]
        bucket = per.setdefault(lang, {"n": 0, "negatives": 0, "false_datelines": 0,
                                       **{f: 0 for f in MULTI_FIELDS}})
        d = parse_dateline(item["text"], dt.date(2025, 12, 31))
        if not item["has_dateline"]:
            bucket["negatives"] += 1
            if d is not None:
                bucket["false_datelines"] += 1
                false_families[item["family"]] = false_families.get(item["family"], 0) + 1
            continue
        bucket["n"] += 1
        pred: dict[str, Any] = {"city": d.city if d else None, "country": d.country if d else None,
                "agency": d.agency if d and not d.agency_inferred else None, "month": d.month if d else None, "day": d.day if d else None}
        for f in MULTI_FIELDS:
            g = item.get(f)
            good = (multi_city_equal(g, pred[f]) if f == "city" else agency_equal(g, pred[f]) if f == "agency"
                    else g == pred[f])
            bucket[f] += good
            if not good:
                fam = miss_families.setdefault(f, {})
                fam[item["family"]] = fam.get(item["family"], 0) + 1
    out: dict[str, Any] = {"languages": {}, "overall": {}}
    totals = {k: 0 for k in ("n", "negatives", "false_datelines", *MULTI_FIELDS)}
    for lang, b in sorted(per.items()):
        for k in totals:
            totals[k] += b[k]
        out["languages"][lang] = {**{f: round(b[f] / b["n"], 3) if b["n"] else None for f in MULTI_FIELDS},
                                  "datelines": b["n"], "negatives": b["negatives"],
                                  "false_datelines": b["false_datelines"]}
    out["overall"] = {**{f: round(totals[f] / totals["n"], 3) if totals["n"] else None for f in MULTI_FIELDS},
                      "datelines": totals["n"], "negatives": totals["negatives"],
                      "false_datelines": totals["false_datelines"]}
    out["miss_families"] = {f: dict(sorted(v.items(), key=lambda kv: -kv[1])) for f, v in miss_families.items()}
    out["false_dateline_families"] = false_families
    return out
