"""The dateline parser's vocabulary (crawler.core.normalize.dateline): bounds, month names of the wires'
languages (dateparser's data, crawler/core/reference/data/months.json), the bounded regexes for places, dates,
agency tags and terminators, and the small pure helpers on places and dates that the cascade uses.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from crawler.core.normalize.agency import is_house_desk, normalize_agency
from crawler.core.reference import calendar, gazetteer

_PREFIX = 600
_MAX_LINES = 7
_MAX_SKIPPED = 4

# Month names from dateparser's language data (crawler/core/reference/data/months.json): English for the
# place-word guards, every dateline language (except the CJK "3月" forms, read by _CJK_PATTERNS) for dates.
_MONTH_NUM = calendar().month_numbers
_MONTHS = calendar().month_pattern
_MONTH_HEADS = frozenset(form[:3] for form in _MONTH_NUM)  # an English month name's first three letters
_DATE_LANGUAGES = ("en", "fr", "es", "pt", "it", "de", "tr", "vi", "ru", "hi", "ur", "bn", "ta", "ar")
_MONTH_NUM_ALL: dict[str, int] = {}
for _lang in _DATE_LANGUAGES:
    for _form, _num in calendar(_lang).month_numbers.items():
        # Indic text writes "য়"/"फ़" precomposed or as letter + nukta, and often drops the nukta ("फरवरी").
        _nfd = unicodedata.normalize("NFD", _form)
        for _variant in (_form, unicodedata.normalize("NFC", _form), _nfd, _nfd.replace("\u093c", "")):
            _MONTH_NUM_ALL.setdefault(_variant, _num)


def _trie_pattern(words: list[str]) -> str:
    """A regex alternation of ``words`` factored by common prefixes (longest match first at each branch), so
    matching costs a walk down one branch instead of a try of every name of 14 languages."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        ends = "" in node
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and not ends else "(?:" + "|".join(branches) + ")"
        return body + "?" if ends and len(branches) == 1 and not body.startswith("(?:") else (
            "(?:" + "|".join(branches) + ")?" if ends else body)

    return "(?:" + emit(trie) + ")"


_MONTHS_ALL = _trie_pattern(sorted(_MONTH_NUM_ALL))
# No letter (nor a combining mark of an Indic script) may follow a month name: "\b" fails after a virama.
_MON_END = r"(?![^\W\d_])"
# Digits: \d matches every script's decimal digits ("١٢", "१२", "১২"), and int() reads them.
_YEAR = r"(?:\s{0,2}(?:,|de)?\s{0,2}(?P<year>\d{4})(?![^\W_])(?:\s?[ءم](?![^\W\d_]))?)?"
_DATE_MD = re.compile(
    r"(?P<mon>" + _MONTHS_ALL + r")" + _MON_END + r"\.?\s{0,3}(?P<day>\d{1,2})(?:st|nd|rd|th)?(?![^\W_])" + _YEAR, re.I
)
_DATE_DM = re.compile(
    r"(?:ngày\s)?(?P<day>\d{1,2})(?![\d/])(?:st|nd|rd|th|er|º|\.)?\s{1,3}(?:de\s{1,2})?(?P<mon>" + _MONTHS_ALL + r")"
    + _MON_END + r"\.?" + _YEAR, re.I
)

# PTI-Bhasha spells the days one to nine in words ("नयी दिल्ली, पांच मार्च (भाषा)"), as Hindi style books ask.
_HINDI_DAY_WORDS = {"एक": 1, "दो": 2, "तीन": 3, "चार": 4, "पांच": 5, "पाँच": 5, "छह": 6, "छः": 6, "सात": 7,
                    "आठ": 8, "नौ": 9}
_DATE_WORD_DM = re.compile(
    r"(?P<day>" + "|".join(sorted(_HINDI_DAY_WORDS, key=len, reverse=True)) + r")\s{1,3}(?P<mon>" + _MONTHS_ALL + r")"
    + _MON_END + r"\.?" + _YEAR
)

# A place word starts with a letter; inner hyphens/apostrophes only between letters.
_WORD = (
    r"(?!(?i:" + _MONTHS + r")\b\.?\s{0,3}\d)(?!في[ \t])"
    r"[^\W\d_](?:[^\s\d,،۔।()\[\]{}<>:;|/—–_!?\"“”«»*#'’-]|['’-](?=[^\W\d_])){0,30}"
)
_CONNECTOR = r"(?:de|da|del|della|do|dos|das|di|du|des|la|le|les|el|al|en|es|of|on|upon|am|an|der|den|van|von|y|sur|bin)"
_PART = _WORD + r"(?:[ ]{1,2}(?:" + _CONNECTOR + r"[ ]{1,2})?" + _WORD + r"){0,4}"
_PLACE_RE = re.compile(r"(?P<place>" + _PART + r"(?:[ ]?/[ ]?" + _PART + r"){0,3})")
_REGION_RE = re.compile(r"[ \t]{0,2},[ \t]{0,3}(?P<r>" + _PART + r")")
_DATE_PRE_RE = re.compile(r"[ \t,.،۔]{0,4}(?:(?:في|le)[ \t])?(?P<dash>-[ \t]{1,2})?")
# Numbers only, then the agency's tag: "الكويت - 5 - 3 (كونا)" (KUNA), "Hà Nội, 5/3 (TTXVN)" (VNA, "ngày 5/3").
_DATE_NUMERIC_RE = re.compile(
    r"(?:[ \t]{0,2}[,،-][ \t]{0,2}|[ \t]{1,2})(?P<ngay>ngày[ \t])?(?P<day>\d{1,2})[ \t]{0,2}(?P<sep>[-/])[ \t]{0,2}(?P<mon>\d{1,2})"
    r"(?:(?P=sep)\d{4})?(?![\d/])(?=[ \t]{0,2}[(,\-–—])")
_NUMERIC_DATE_START = frozenset(",،-0123456789") | frozenset("n")  # "n" for Vietnamese "ngày"
_CLOCK_RE = re.compile(r"[ \t]{0,2},[ \t]{0,2}\d{1,2}:\d{2}(?!\d)")
# The day alone before the agency's tag: "MADRID, 5 (EUROPA PRESS)".
_DAY_ONLY_RE = re.compile(r"[ \t]{0,2},[ \t]{0,2}(?P<day>\d{1,2})(?=[ \t]{0,2}\()")
# A Hijri date before the Gregorian one, in Arabic: "15 رمضان 1445 هـ الموافق" (SPA).
_HIJRI_AR_RE = re.compile(
    r"[ \t]{1,2}\d{1,2}[ \t]{1,2}[^\d\n]{2,20}?[ \t]\d{4}[ \t]{0,2}(?:هـ[ \t]{0,2}(?:الموافق)?|الموافق)")
# An agency's name in its own script after the date, with no bracket: "... 2024 م واس".
_BARE_NATIVE_AGENCY_RE = re.compile(r"[ \t]{0,2}[-–]?[ \t]{0,2}(?P<a>[^\W\d_a-zA-Z][^\s\d().,:;/]{1,14})(?=\s|$)")
_PAREN_RE = re.compile(r"[ \t]{0,3},?[ \t]{0,3}\((?P<p>[^()\[\]]{1,90})\)")
_BRACKET_RE = re.compile(r"[ \t]{0,3},?[ \t]{0,3}\[(?P<b>[^\[\]\n]{1,40})\]")
_SLASH_AGENCY_RE = re.compile(r"\.?[ \t]{0,2}/[ \t]?(?P<a>[^\W\d_][^/\n\d]{0,20}?)[ \t]?/\.?")
# ", Reuter -" after the date, or the agency name with no comma at all ("TOKYO, Jan. 5 Kyodo -").
_COMMA_AGENCY_RE = re.compile(r"(?:[ \t]{0,2}[,.][ \t]{0,2}|[ \t]{1,2})(?P<a>[A-Z][A-Za-z-]{1,15})(?=[ \t]{0,3}(?:[-–—:]|$))", re.M)
# The same in any script, for a line that is not ASCII: "Москва. 5 марта. ИНТЕРФАКС -".
_COMMA_AGENCY_NATIVE_RE = re.compile(
    r"(?:[ \t]{0,2}[,.][ \t]{0,2}|[ \t]{1,2})(?P<a>[^\W\d_a-z][^\W\d_]{0,2}[\w.-]{0,13})(?=[ \t]{0,3}(?:[-–—:]|$))", re.M)
_TERM_RE = re.compile(r"[ \t]{0,3}[,،]?[ \t]{0,3}(?P<t>-{1,2}|—|–|:|\||_|۔|।|\.-|\.(?=\s|$))")
# After the terminator, the agency's own name: "МОСКВА, 5 марта — РИА Новости." (RIA, Regnum).
_TRAILING_AGENCY_RE = re.compile(r"[ \t]{0,2}(?P<a>[^\W\d_][\w-]{1,15}(?: [^\W\d_][\w-]{1,15}){0,1})[ \t]{0,2}\.")
# VNA's foreign-bureau lead: "Theo phóng viên TTXVN tại Bắc Kinh, ..." ("according to VNA's reporter in").
_VI_LEAD_RE = re.compile(r"Theo (?:phóng viên|PV|thông tấn xã) (?P<a>TTXVN|VNA|[^\W\d_]{2,12})(?: thường trú)? (?:tại|ở) ")
_AGENCY_LEAD_RE = re.compile(r"(?P<a>[A-Z][A-Za-z.-]{1,20}(?: [A-Z][A-Za-z.-]{1,20}){0,2})[ \t]{1,3}/[ \t]{1,3}")
_LINE_NOISE_RE = re.compile(r"[ \t*#•>]{0,10}")
_DATE_ONLY_RE = re.compile(
    r"(?P<mon>" + _MONTHS + r")\b\.?\s{0,3}(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s{0,2}(?P<year>(?:19|20)\d{2})"
    r"[ \t]{0,2}(?P<t>:|_|—|–|-{1,2})",
    re.I,
)
# "Jan 9 (Reuters) -": Reuters' dateline for a market story, with no place.
_DATE_AGENCY_RE = re.compile(
    r"(?P<mon>" + _MONTHS + r")\b\.?\s{0,3}(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:,?\s{0,2}(?P<year>(?:19|20)\d{2}))?"
    r"[ \t]{0,3}\((?P<a>[A-Za-z][\w .-]{1,25})\)[ \t]{0,3}(?:-{1,2}|—|–|:)",
    re.I,
)
# "(ANSA) - ROME, JAN 9 -": the agency first, then the dateline.
_PAREN_AGENCY_LEAD_RE = re.compile(r"\((?P<a>[A-Za-z][\w .-]{1,25})\)[ \t]{0,3}(?:-{1,2}|—|–)[ \t]{0,3}")
# A Hijri date SPA prints before the Gregorian one: "Riyadh, Rajab 12, 1445, January 24, 2024, SPA --".
_HIJRI_RE = re.compile(
    r"[ \t]{0,2},?[ \t]{0,2}(?:Muharram|Safar|Rabi['’ ]?(?:al|ul)?[- ]?(?:Awwal|Akhir|Akhar|Thani|Sani|I{1,2})|"
    r"Jumad[ae]['’ ]?(?:al|ul)?[- ]?(?:Awwal|Ula|Oula|Akhir|Akhirah|Thani|Sani|I{1,2})|Rajab|Sha['’]?ban|"
    r"Rama[dz]h?an|Shawwal|Dhu['’ ]?(?:al|l)?[- ]?Qa['’]?dah|Dhu['’ ]?(?:al|l)?[- ]?Hijjah)[ \t]{1,2}\d{1,2},?[ \t]{1,2}"
    r"1[34]\d\d(?:[ \t]{0,2}(?:AH|H)\b)?",
    re.I,
)
# ", IRNA —" / ", SANA-" after the place, and ", AZERTAC The ..." after the date: an agency in capitals.
_COMMA_CAPS_AGENCY_RE = re.compile(r"[ \t]{0,2},[ \t]{0,2}(?P<a>[A-Z]{3,12})(?=[ \t]{0,3}(?:[-–—:]|$)|[ \t]+[A-Z])")
# The house styles of the Chinese, Japanese and Korean wires, which print no comma and no terminator:
# 新华社上海3月5日电 (Xinhua, CNS, People's Daily), 【北京共同】 (Kyodo, Jiji; a paper's 【CITY=NAME】),
# （中央社記者NAME台北5日電） (CNA), (부산=연합뉴스) NAME 기자 = (Yonhap, Newsis, News1). "city" is the printed
# name; the gazetteer reads it (GeoNames alternate names) for the country.
_CJK_CITY = r"[^\s\d\W]{1,8}?"
_CJK_PATTERNS = (
    re.compile(r"(?:据|據)?(?P<a>新华社|新華社|中新社|中新网|中国新闻社|本报|人民网)(?:[^\d\s]{0,3}记者[^\s\d]{1,12}\s?)?"
               r"(?P<city>" + _CJK_CITY + r")(?:(?P<mon>\d{1,2})月)?(?P<day>\d{1,2})日(?:电|讯|電)"),
    re.compile(r"【(?P<city>[^\s\d【】=＝]{1,10}?)(?:(?P<day>\d{1,2})日)?(?P<a>共同|時事|新華社|新华社)?】"),
    re.compile(r"【(?P<city>[^\s\d【】=＝]{1,10})[=＝][^】]{1,20}】"),
    re.compile(r"[（(](?P<a>中央社)(?:記者)?(?P<city>[^\d（）()]{1,20}?)(?:(?P<mon>\d{1,2})月)?"
               r"(?P<day>\d{1,2})日[^）)\d]{0,8}(?:電|報導)[）)]"),
    re.compile(r"[(\[（](?P<city>[^=＝()\[\]（）\s]{1,12})[=＝](?P<a>연합뉴스|뉴시스|뉴스1|뉴스핌|newsis)[)\]）]"),
)
_STAMP_DATE_RE = re.compile(
    r"(?:Updated|Created|Published|Posted(?: On)?|First published)[ \t]{0,2}:?[ \t]{0,3}"
    r"(?P<day>\d{1,2})[-/.](?P<mon>\d{1,2})[-/.](?P<year>(?:19|20)\d{2})",
    re.I,
)
_FULL_DATE_ONLY_RE = re.compile(
    r"[ \t]{0,3}(?:\d{1,2}(?:st|nd|rd|th)?\s{1,3}" + _MONTHS + r"\b\.?,?|" + _MONTHS + r"\b\.?\s{0,3}\d{1,2},?)"
    r"\s{0,3}(?:19|20)\d{2}[\s\d:.,APMapm]{0,20}$",
    re.I,
)
_TIME_RE = re.compile(r"(?<![\d.])\d{1,2}[:.]\d{2}(?![\d.])")
_NUMERIC_DATE_RE = re.compile(r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b")
_STAMP_WORDS_RE = re.compile(
    r"(?:updated|last updated|posted|published|first published|created|input|ekleme|güncelleme|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun)\b",
    re.I,
)
_DESK_RE = re.compile(
    r"(?:news service|news desk|desk|bureau|correspondent|staff reporter|staff writer|news network|"
    r"news agency|web desk|online desk)\s*:?\s*$",
    re.I,
)
# A paper's own desk in the agency's slot or after the place's comma, in the wires' languages.
_DESK_WORDS_RE = re.compile(
    r"(?:(?:by )?(?:our |special |from our |the newspaper's )?(?:staff reporter|correspondent|staff correspondent|"
    r"news desk|web desk|online desk|desk|bureau|monitoring desk)|"
    r"(?:de notre )?correspondan(?:ce|t|te)|envoyée? spéciale?|"
    r"(?:نمائندہ|سٹاف رپورٹر|اسٹاف رپورٹر|نامہ نگار|خبر نگار|وقائع نگار)(?: خصوصی)?|"
    r"(?:ویب |نیوز |مانیٹرنگ )?ڈیسک|ایجنسیاں|ایجنسی|(?:वेब |न्यूज़ |न्यूज )?डेस्क|एजेंसी|एजेंसियां|"
    r"(?:विशेष |प्रमुख )?संवाददाता|निज संवाददाता|ब्यूरो|टीम|ஸ்டாஃப் ரிப்போர்ட்டர்|செய்தியாளர்|নিজস্ব প্রতিবেদক|স্টাফ রিপোর্টার|(?:অনলাইন |নিউজ )?ডেস্ক|"
    r"নিজস্ব সংবাদদাতা|(?:நமது |சிறப்பு )?நிருபர்|நமது செய்தியாளர்|(?:न्यूज़? )?नेटवर्क|"
    r"корреспондент|собкор|phóng viên)",
    re.I,
)
# A paper's name may come first: "HT Correspondent", "जागरण संवाददाता", "अमर उजाला ब्यूरो".
_DESK_LINE_RE = re.compile(r"(?:[^\s,|:।]{1,20}[ \t]){0,3}(?:" + _DESK_WORDS_RE.pattern + r")", re.I)
_DESK_LEAD_RE = re.compile(_DESK_LINE_RE.pattern + r"[ \t]{0,2}[,،|][ \t]{0,2}", re.I)
# First words that make a capitalised "place" a label, not a dateline.
_STOPWORDS = frozenset(
    ["by", "updated", "update", "posted", "published", "photo", "photos", "image", "images", "source", "sources", "breaking", "exclusive", "watch", "read", "also", "note", "editor", "edited", "input", "reporting", "reported", "written", "story", "video", "file", "files", "representational", "representative", "image:", "caption", "credit", "credits", "courtesy", "advertisement", "sponsored", "disclaimer", "today", "yesterday", "tomorrow", "live", "latest", "opinion", "analysis", "explainer", "comment", "comments", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "summary", "highlights", "key", "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
     # a sentence opening with a preposition and a date is prose, not a place and a date: "On February 3, from 7:00
     # p.m. ..., Mr. MOTEGI ... held the fourth Japan-UK ... Meeting" (a ministry's release; city was "On")
     "on", "from", "since", "until", "during"]
) | frozenset(_MONTH_NUM) | frozenset(
    # The same labels in the wires' other languages (a timestamp or a credit, never a place).
    ["обновлено", "опубликовано", "фото", "источник", "cập", "đăng", "ảnh", "nguồn", "mise", "publié", "publiée",
     "actualisé", "modifié", "actualizado", "publicado", "actualización", "aktualisiert", "veröffentlicht",
     "stand", "bild", "quelle", "güncelleme", "güncellenme", "yayınlanma", "yayın", "fotoğraf", "kaynak",
     "atualizado", "atualização", "foto", "fonte", "अपडेट", "अपडेटेड", "प्रकाशित", "फोटो", "तस्वीर", "تحديث",
     "نشر", "تاريخ", "صورة", "المصدر", "فوٹو", "تصویر", "اپ", "شائع", "আপডেট", "প্রকাশ", "প্রকাশিত", "ছবি",
     "புதுப்பிக்கப்பட்டது", "வெளியிடப்பட்டது", "படம்"]
)
_KEEP_UPPER = frozenset({"DC", "D.C.", "US", "U.S.", "UK", "UAE", "NY", "EU", "UN"})


def _fold_word(word: str) -> str:
    """Case-folded, without dots and a possessive ("EDITOR’S" → "editor")."""
    return re.sub(r"['’]s$", "", word.casefold().strip("."))


def _is_caps(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters if c.isascii() or c.isupper() or c.islower())


def _words(part: str) -> list[str]:
    return part.split()


@functools.lru_cache(maxsize=16384)  # pure, and a feed repeats its few places
def _place_ok(place: str) -> bool:
    """Casing and vocabulary checks that tell a place from a person's name, a label or an agency."""
    parts = [p.strip() for p in place.split("/")]
    if not all(parts):
        return False
    for part in parts:
        words = _words(part)
        if not words or len(part) > 40:
            return False
        if _fold_word(words[0]) in _STOPWORDS:
            return False
        if normalize_agency(part) is not None:
            return False
        caps = title = 0
        for w in words:
            if not w[0].isupper():
                if w[0].islower() and (w is words[0] or w is words[-1]):
                    return False
                continue
            letters = sum(1 for c in w if c.isalpha())
            if letters >= 3:
                if w.isupper():
                    caps += 1
                else:
                    title += 1
        if caps and title:
            return False
    return True


def _is_all_caps_place(place: str) -> bool:
    if place.isascii():  # the same test, in C: every letter upper case and at least one letter
        return place.isupper()
    letters = [c for c in place if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


@functools.lru_cache(maxsize=16384)  # pure, and a feed repeats its few places
def _display_city(place: str) -> str:
    """ALL-CAPS places to title case ("NEW DELHI" → "New Delhi"); others as printed; " / " → "/"."""
    parts = []
    for part in place.split("/"):
        words = []
        for w in part.split():
            if w in _KEEP_UPPER or not _is_caps(w):
                words.append(w)
            else:
                words.append("-".join(s[:1] + s[1:].lower() for s in w.split("-")))
        parts.append(" ".join(words))
    return "/".join(parts)


def _year_of(token: str | None) -> int | None:
    """A printed year in any script's digits, if it is a plausible one (1900-2099)."""
    if not token:
        return None
    year = int(token)
    return year if 1900 <= year <= 2099 else None


def _month_of(token: str) -> int | None:
    return _MONTH_NUM_ALL.get(token.casefold())


_ONE_DAY = dt.timedelta(days=1)


def resolve_year(month: int, day: int, published: dt.datetime | dt.date | None) -> dt.date | None:
    """The latest valid date with this month/day that is not after ``published`` + 1 day, or None.

    "Dec 31" on a 2 Jan page → the previous year; "Feb 29" → the latest leap year that fits.
    """
    if published is None:
        return None
    pub = published.date() if isinstance(published, dt.datetime) else published
    limit = pub + _ONE_DAY
    if month != 2 or day != 29:  # every year has the day (or none has: "March 187"): this year's, else last year's
        try:
            candidate = dt.date(limit.year, month, day)
        except ValueError:
            return None
        return candidate if candidate <= limit else candidate.replace(year=limit.year - 1)
    for year in range(limit.year, limit.year - 9, -1):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if candidate <= limit:
            return candidate
    return None


def _resolve(month: int | None, day: int | None, year: int | None,
             published: dt.datetime | dt.date | None) -> dt.date | None:
    if month is None or day is None:
        return None
    if year is None:
        return resolve_year(month, day, published)
    try:
        resolved = dt.date(year, month, day)
    except ValueError:
        return None
    if published is not None:
        pub = published.date() if isinstance(published, dt.datetime) else published
        if resolved > pub + dt.timedelta(days=1):  # a printed future date contradicts the page
            return None
    return resolved


@dataclass(slots=True)
class _Parts:
    place: str | None = None
    region: str | None = None
    region_country: str | None = None
    bracket_country: str | None = None
    agency: str | None = None
    month: int | None = None
    day: int | None = None
    year: int | None = None
    dash_date: bool = False
    loose: bool = False
    numeric_date: bool = False
    desk: bool = False
    dated_by_word: bool = False
    agency_unknown: bool = False
    month_text: str | None = None
    term: str | None = None
    end: int = 0


def _paren(content: str, parts: _Parts) -> bool:
    """Interpret "(...)" after a place: an agency tag, a region, or (reject) a photo credit."""
    text = " ".join(content.split())
    if re.search(r"\bphoto|\bpic\b|\bfile\b|\bimage", text, re.I):
        return False
    desk = _DESK_WORDS_RE.match(text)
    if desk and (desk.end() == len(text) or (len(text[desk.end():].split()) <= 2 and not text[desk.end():].strip()[:1].isdigit())):
        parts.desk = True
        return True  # "LAHORE (Staff Reporter)", "لاہور (سٹاف رپورٹر)", "(نمائندہ جنگ)": a desk (and its paper)
    head, _sp, last = text.rpartition(" ")
    if head and _DESK_WORDS_RE.fullmatch(last) and normalize_agency(head):
        parts.agency = parts.agency or normalize_agency(head)
        return True  # "(বাসস ডেস্ক)": the agency's desk is the agency
    code = normalize_agency(text)
    if code:
        parts.agency = parts.agency or code
        return True
    region = gazetteer().resolve_region(text)
    if region and parts.region is None:
        parts.region, parts.region_country = region
        return True
    country = gazetteer().country_code(text) if len(text) <= 30 else None
    if country and parts.bracket_country is None:
        parts.bracket_country = country
        return True
    # "(UrduPoint News / Sputnik - 18th May, 2023)", "(APP - UrduPoint / Pakistan Point News - ...)".
    segments = [s.strip() for s in re.split(r"\s[-–/]\s|/|\n|۔", content) if s.strip()]
    found = None
    for seg in segments:
        found = normalize_agency(seg)
        if found:
            break
    date = _DATE_DM.search(content) or _DATE_MD.search(content)
    if date and parts.month is None:
        parts.month, parts.day = _month_of(date.group("mon")), int(date.group("day"))
        parts.year = _year_of(date.group("year"))
    if found:
        parts.agency = parts.agency or found
        return True
    if len(segments) == 1 and is_house_desk(text):  # "(ENS)": the paper's own desk in the agency slot
        parts.desk = True
        return True
    # An agency the table does not know, printed in the agency slot: "(Khyber Mail)", "(TDI)".
    if len(segments) == 1 and re.fullmatch(r"[A-Z][\w.&'-]*(?: [A-Z][\w.&'-]*){0,3}", text) and not date:
        if parts.agency is None:
            parts.agency = _display_city(text) if len(text) > 4 else text
            parts.agency_unknown = True
        return True
    # The same in another script after the date: "பெங்களூரு, ஜூலை 19 (ஐஏஎன்எஸ்)" with an agency the table lacks.
    if (parts.month is not None and not text.isascii() and len(segments) == 1 and len(text.split()) <= 3
            and not any(c.isdigit() for c in text)):
        if parts.agency is None:
            parts.agency, parts.agency_unknown = text, True
        return True
    return bool(date and segments)


def _header_agency(line: str) -> str | None:
    """The agency or desk named by a header line ("PTI", "GK NEWS SERVICE", "ANI | ..."), else None."""
    for seg in line.split("|"):
        seg = seg.strip().rstrip(":").strip()
        if not seg or len(seg) > 40 or seg[:3].lower() == "by ":  # "By Our Staff Reporter": a byline, no agency
            continue
        code = normalize_agency(seg)
        if code:
            return code
        if is_house_desk(seg):  # "Express News Service": the paper's own desk, no agency
            continue
        if _DESK_RE.search(seg) and re.fullmatch(r"[A-Za-z][A-Za-z .&'-]{1,39}", seg) and not _DESK_LINE_RE.fullmatch(seg):
            return _display_city(seg)  # a named service ("GK News Service"); "Staff Reporter" names no agency
    return None


_NAME = r"[A-Z][\w.'’-]{0,20}(?: [A-Z][\w.'’-]{0,20}){0,3}"
_NAMES_LINE_RE = re.compile(_NAME + r"(?:,? " + _NAME + r"){0,3},? (?:and|&) " + _NAME)
# A government release's header: "Office of the Spokesperson", "Media Note", "Press Release".
_RELEASE_HEADER_RE = re.compile(
    r"(?:(?:the )?Office of the (?:\w+ ){0,2}Spokesperson|Media Note|Press Release|Press Statement|"
    r"Readout|Joint Statement|Fact Sheet|Ministry of (?:Foreign|External) Affairs)",
    re.I,
)
# A timestamp line ending in the city: "March 3, 2022 10:15 am | Updated 10:20 am IST - CHENNAI".
_STAMP_CITY_RE = re.compile(r".{0,100}[ \t][-–—|][ \t]{1,2}(?P<place>[A-Z][A-Z.'’ -]{2,30}?)[ \t]*$")
# A line that is a date alone: "March 4, 2024", "4 March 2024" (a release's date line).
_DATE_LINE_RE = re.compile(
    r"[ \t]{0,3}(?:(?:\w{3,9},?[ \t]{1,2})?(?P<mon>" + _MONTHS + r")\.?[ \t]{1,2}(?P<day>\d{1,2}),?[ \t]{1,2}(?P<year>(?:19|20)\d\d)|"
    r"(?P<day2>\d{1,2})[ \t]{1,2}(?P<mon2>" + _MONTHS + r"),?[ \t]{1,2}(?P<year2>(?:19|20)\d\d))[ \t]*$",
    re.I,
)


def _is_header_line(line: str) -> tuple[bool, bool]:
    """(is a skippable header line, is a timestamp) for a line that is not itself a dateline."""
    s = line.strip()
    if not s:
        return True, False
    if len(s) > 120:
        return False, False
    timestamp = bool(_TIME_RE.search(s) or _NUMERIC_DATE_RE.search(s) or _STAMP_WORDS_RE.match(s))
    if timestamp:
        return True, True
    if s.startswith("|") or "|" in s or s.lower().startswith("by ") or _header_agency(s) or _DESK_LINE_RE.fullmatch(s):
        return True, False
    words = s.split()
    # A bare name line ("SUDHIR KUMAR"): a few capitalised words and no sentence punctuation; or several
    # names joined by "and" / "&" / commas ("Sarah El Deeb and Bassem Mroue", a byline without "By").
    if len(words) <= 5 and not re.search(r"[.!?;:,]$", s) and all(w[:1].isupper() for w in words):
        return True, False
    if (len(words) <= 10 and _NAMES_LINE_RE.fullmatch(s)):
        return True, False
    if _RELEASE_HEADER_RE.fullmatch(s):
        return True, False
    return False, False


@functools.cache
def _house_styles() -> tuple[tuple[str, bool, str, str, str], ...]:
    """(agency, bracket_country, month form, terminator, city case) of crawler/core/reference/data/house_styles.json."""
    path = Path(__file__).resolve().parents[1] / "reference" / "data" / "house_styles.json"
    styles = json.loads(path.read_text(encoding="utf-8"))["styles"]
    return tuple((s["agency"], bool(s["bracket_country"]), s["month"], s["term"], s["city"]) for s in styles)


# The commonest English dateline, "SALVADOR, Feb 26 -" / "NEW YORK, March 3 --": an ALL-CAPS place of plain
# words, a comma, an English month and day, a terminator. One regex reads it with the same result as the
# cascade (dateline._match_dateline; tests/test_dateline.py checks them equal); anything else goes there.
_FAST_RE = re.compile(
    r"(?P<place>[A-Z]{2,30}(?: [A-Z]{1,30}){0,4}),[ \t](?P<mon>(?i:" + _MONTHS + r"))\.?[ \t](?P<day>\d{1,2})"
    r"[ \t]{0,3}(?P<t>-{1,2}|—|–|:)(?=[ \t\n]|\Z)"
)


def _fast_parts(line: str, start: int) -> _Parts | None:
    """_match_dateline's result for the commonest English form (_FAST_RE), else None (not that form)."""
    m = _FAST_RE.match(line, start)
    if m is None or not line.isascii() or not _place_ok(m.group("place")):
        return None
    mon = m.group("mon")
    return _Parts(place=m.group("place"), month=_month_of(mon), day=int(m.group("day")), month_text=mon,
                  term=m.group("t"), end=m.end("t"))


def house_style_agency(parts: _Parts, line: str) -> str | None:
    """The agency whose house style (house_styles.json) a dateline without a printed tag fits, else None.
    English datelines only (the styles are those of the wires' English services)."""
    if (parts.agency is not None or parts.desk or parts.month is None or parts.term not in _STYLE_TERMS or not line.isascii()):
        return None
    printed = (parts.month_text or "").rstrip(".").casefold()
    form = "full" if printed in _ENGLISH_FULL_MONTHS else "abbreviated" if printed else ""
    case = "caps" if _is_all_caps_place(parts.place or "") else "title"
    for agency, bracket, month, term, city in _house_styles():
        if (bracket == (parts.bracket_country is not None) and term == parts.term
                and month in ("any", form) and city in ("any", case)):
            return agency
    return None


_STYLE_TERMS = frozenset(style[3] for style in _house_styles())
_ENGLISH_FULL_MONTHS = frozenset(forms[0] for forms in calendar().months)
