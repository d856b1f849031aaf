"""Wire agencies: codes and names, and agency detection from a story's evidence.

The agencies, their spellings and the aggregators are ``crawler/core/reference/data/agencies.json``.
``normalize_agency`` maps any printed spelling ("Associated Press", "Itar-Tass", "Reuter", "Jiji Press")
to one code. ``detect_agency`` weighs the evidence a page offers, strongest first: the dateline's own
agency tag, a syndication wrapper such as ``(MENAFN- IANS)``, a byline line
(``ANI | Washington DC | Updated: ...``), a trailer (``--IANS``, ``(ANI)``, ``— Bernama``), JSON-LD author
organisations, and last the house style a dateline betrays (ANI's ``City [Country], Month D :``).
Nothing here raises on bad input.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from crawler.core.reference import Agency as Agency  # re-exported: the agency record lives with its data
from crawler.core.reference import reference

if TYPE_CHECKING:  # only for the annotation; dateline imports this module at run time
    from crawler.core.normalize.dateline import Dateline


def _key(name: str) -> str:
    return " ".join(re.sub(r"[()\[\]/|:,;.]+", " ", name).casefold().split())


@functools.cache
def _tables() -> tuple[dict[str, str], dict[str, str], frozenset[str]]:
    """(printed spelling key → code, code → home country, aggregator keys), from ``agencies.json``."""
    data = reference()
    by_key: dict[str, str] = {}
    for agency in data.agencies:
        for spelling in (agency.code, agency.name, *agency.aliases):
            by_key.setdefault(_key(spelling), agency.code)
    return by_key, {a.code: a.country for a in data.agencies}, frozenset(_key(a) for a in data.aggregators)


def normalize_agency(name: str) -> str | None:
    """The agency code for a printed name ("Associated Press" → "AP", "Itar-Tass" → "TASS"), else None.

    Accepts surrounding punctuation and case variation; returns None for aggregators, empty or
    unknown names. Never raises.
    """
    if not isinstance(name, str) or len(name) > 80:
        return None
    return _normalize(name)


@functools.lru_cache(maxsize=16384)
def _normalize(name: str) -> str | None:
    """normalize_agency for a string (memoised: a dateline asks about the same few words many times)."""
    key = _key(name)
    if not key:
        return None
    by_key = _tables()[0]
    code = by_key.get(key)
    if code is not None:
        return code
    # "Xinhua News Agency" style: known name followed by a generic suffix.
    stripped = re.sub(r"\s+(news agency|news service|news|agency|press|wire)$", "", key)
    code = by_key.get(stripped)
    if code is None and "-" in key:
        # A wire's regional or topical service: "ИНТЕРФАКС-СИБИРЬ", "Интерфакс-Урал", "dpa-AFX" are the wire.
        head, _sep, tail = key.partition("-")
        code = by_key.get(head) if len(head) >= 3 and tail.replace(" ", "").isalpha() else None
    return code


@functools.cache
def _house_desks() -> frozenset[str]:
    return frozenset(_key(name) for name in reference().house_desks)


def is_house_desk(name: str) -> bool:
    """A newspaper's credit for its own staff's copy ("Express News Service", "TNN"): a desk, not a wire."""
    return _key(name) in _house_desks()


def agency_country(code: str | None) -> str | None:
    """The home country (ISO alpha-2) of an agency code, else None."""
    return _tables()[1].get(code) if code else None


# --- syndication wrappers: "(MENAFN- IANS)", "(MENAFN - Jordan Times)" ------------------------------
WRAPPER_RE = re.compile(r"\A\s*\(\s*(?P<via>MENAFN|[A-Z][A-Za-z.]{1,20})\s*[-–—]\s*(?P<src>[^()\n]{1,60}?)\s*\)\s*")


def match_wrapper(text: str) -> tuple[tuple[int, int], str, str] | None:
    """(span, aggregator, source name) of a syndication wrapper at the very start of ``text``, else None.

    Only "(Aggregator- Source)" where the aggregator is a known one or the source is a known agency,
    so that an ordinary opening parenthesis is not mistaken for a wrapper.
    """
    m = WRAPPER_RE.match(text)
    if not m:
        return None
    via, src = m.group("via"), m.group("src")
    if _key(via) not in _tables()[2] and normalize_agency(src) is None:
        return None
    return (m.start(), m.end()), via, src


# --- detection ------------------------------------------------------------------------------------
EvidenceSource = Literal["dateline", "wrapper", "byline", "trailer", "jsonld", "house_style"]


@dataclass(frozen=True)
class AgencyEvidence:
    """The agency of a story and where that came from; ``text`` is the evidence as printed."""

    code: str
    source: EvidenceSource
    text: str


_DESK = r"[a-z]{2,4}(?:/[a-z]{2,4}){1,3}"
_AGENCY_WORD = r"[A-Z][A-Za-z-]{1,15}(?:\s[A-Z][A-Za-z]{1,12})?"
# "(ANI)", "--IANS", "— Bernama", "-- IANS sd/vd", "(Source: VNA)" at the end of a paragraph.
TRAILER_RE = re.compile(
    r"(?:\s*(?:--|—|–)\s*(?P<a1>" + _AGENCY_WORD + r")"
    r"|\s*\((?:Source:\s*)?(?P<a2>" + _AGENCY_WORD + r")\))"
    r"(?P<desk>\s+" + _DESK + r")*\s*\Z"
)
WHOLE_TRAILER_RE = re.compile(
    r"\A\s*(?:(?:--|—|–|-)\s*|\(\s*|Source:\s*|\(Source:\s*)?(?P<a>" + _AGENCY_WORD + r")\s*\)?\.?"
    r"(?:\s+" + _DESK + r")*\s*\Z|\A\s*" + _DESK + r"\s*\Z"
)
# Byline lines: "ANI | Washington DC | Updated: ..." or "PTI" / "IANS" alone on a line.
BYLINE_LINE_RE = re.compile(r"\A\s*(?P<a>[A-Z][A-Za-z .-]{1,30}?)\s*(?:\||$)")


# Credit lines that name the wire in words: "(With inputs from PTI)", "Source: Xinhua News Agency",
# "© Agence France-Presse", "Copyright 2024 The Associated Press. All rights reserved."
_CREDIT_RE = re.compile(
    r"\A\s*\(?\s*(?:with\s+(?:additional\s+)?inputs?\s+from|inputs?\s+from|source\s*:|courtesy\s*:?|"
    r"©|\(c\)|copyright)\s{0,3}(?:©\s{0,3})?(?:(?:19|20)\d\d\s{0,3})?(?:the\s+)?"
    r"(?P<a>[A-Z][\w.&'’-]{0,25}(?:[ -][A-Z][\w.&'’-]{0,25}){0,4}?)"
    r"\s{0,3}(?:(?:19|20)\d\d)?\s{0,3}[.)]?\s{0,3}(?:all rights reserved\.?)?\s{0,3}\)?\s*\Z",
    re.IGNORECASE,
)
# Reuters' own trailer: "Reporting by A; Editing by B" (other wires do not credit editors this way).
_REUTERS_CREDIT_RE = re.compile(
    r"\A\s*\(?\s*(?:additional\s+)?(?:reporting|writing)\s+by\s[^;]{2,120};\s*(?:additional reporting by\s[^;]{2,120};\s*)?"
    r"(?:writing by\s[^;]{2,120};\s*)?editing\s+by\s",
    re.IGNORECASE,
)
# "By Reuters Staff", "By The Associated Press", "By AFP" on a line of its own.
_BY_AGENCY_RE = re.compile(
    r"\A\s*By\s+(?:the\s+)?(?P<a>[A-Z][\w.&'’-]{0,25}(?:[ -][A-Z][\w.&'’-]{0,25}){0,3}?)"
    r"(?:\s+(?:Staff|Reporters?|News Desk|Desk|Correspondents?|Bureau))?\s*\Z"
)


def find_credit(paragraph: str) -> tuple[str, str] | None:
    """(agency code, the line) when ``paragraph`` is a credit line naming a known wire, else None."""
    if not isinstance(paragraph, str) or len(paragraph) > 300:
        return None
    line = paragraph.strip()
    m = _CREDIT_RE.match(line) or _BY_AGENCY_RE.match(line)
    code = normalize_agency(m.group("a")) if m else None
    if code:
        return code, line
    if _REUTERS_CREDIT_RE.match(line):
        return "Reuters", line
    return None


# UNI / PTI desk initials after the agency, with the filing time: "UNI XR SB 2352", "PTI KR NSD".
_UPPER_DESK_TRAILER_RE = re.compile(
    r"\A\s*(?:(?:--|—|–|-)\s*)?(?P<a>[A-Z]{2,8})(?:[ \t]+[A-Z]{1,4}){1,5}(?:[ \t]+\d{3,4})?\s*\Z"
)


def find_trailer(paragraph: str) -> tuple[int, str, str | None] | None:
    """(start offset, trailer text, agency code or None) of a trailer ending ``paragraph``, else None.

    A whole-paragraph trailer ("--IANS", "sd/vd", "(Source: VNA)") starts at 0. An inline trailer must
    name a known agency: "(ANI)" ends a paragraph; "(Reuters)" in a sentence does not.
    """
    if not paragraph or len(paragraph) > 100_000:
        return None
    tail_start = max(0, len(paragraph) - 120)
    tail = paragraph[tail_start:]
    desk = _UPPER_DESK_TRAILER_RE.match(paragraph) if len(paragraph) <= 60 else None
    if desk and normalize_agency(desk.group("a")):
        return 0, paragraph.strip(), normalize_agency(desk.group("a"))
    whole = WHOLE_TRAILER_RE.match(paragraph) if len(paragraph) <= 80 else None
    if whole:
        name = whole.group("a")
        code = normalize_agency(name) if name else None
        if name and code is None:
            return None
        return 0, paragraph.strip(), code
    m = TRAILER_RE.search(tail)
    if m:
        name = m.group("a1") or m.group("a2") or ""
        code = normalize_agency(name)
        if code is not None:
            return tail_start + m.start(), m.group(0).strip(), code
    return None


def detect_agency(
    *,
    dateline: Dateline | None,
    paragraphs: list[str],
    author_organizations: list[str],
    title: str | None,
) -> AgencyEvidence | None:
    """The story's wire agency with its evidence, strongest first; None when nothing points to one.

    Order: a printed dateline tag → a syndication wrapper → a byline line in the first paragraphs →
    a trailer in the last paragraphs → a JSON-LD author organisation → a house-style inference from
    the dateline. ``title`` is consulted only for a "(AGENCY)"/"- AGENCY" suffix, which some sites add.
    """
    try:
        if dateline is not None and dateline.agency and not dateline.agency_inferred:
            code = normalize_agency(dateline.agency)
            if code:
                return AgencyEvidence(code, "dateline", dateline.raw)
        head = [p for p in paragraphs[:3] if isinstance(p, str)]
        if head:
            wrapped = match_wrapper(head[0])
            if wrapped:
                code = normalize_agency(wrapped[2])
                if code:
                    return AgencyEvidence(code, "wrapper", head[0][wrapped[0][0]:wrapped[0][1]].strip())
        for para in head:
            first_line = para.strip().split("\n", 1)[0]
            m = BYLINE_LINE_RE.match(first_line)
            if m and ("|" in first_line or len(first_line) <= 30):
                code = normalize_agency(m.group("a"))
                if code:
                    return AgencyEvidence(code, "byline", first_line.strip())
        for para in reversed([p for p in paragraphs[-3:] if isinstance(p, str)]):
            hit = find_trailer(para)
            if hit and hit[2]:
                return AgencyEvidence(hit[2], "trailer", hit[1])
        for para in reversed([p for p in paragraphs[-3:] if isinstance(p, str)]):
            credit = find_credit(para)
            if credit:
                return AgencyEvidence(credit[0], "trailer", credit[1])
        for para in head:
            credit = find_credit(para) if _BY_AGENCY_RE.match(para.strip()) else None
            if credit:
                return AgencyEvidence(credit[0], "byline", credit[1])
        for org in author_organizations or []:
            code = normalize_agency(org) if isinstance(org, str) else None
            if code:
                return AgencyEvidence(code, "jsonld", org)
        if title:
            m = re.search(r"(?:\((?P<a>[A-Za-z-]{2,12})\)|\s[-–|]\s(?P<b>[A-Za-z-]{2,12}))\s*\Z", title[-40:])
            name = (m.group("a") or m.group("b")) if m else None
            code = normalize_agency(name) if name else None
            if code:
                return AgencyEvidence(code, "byline", title.strip())
        if dateline is not None and dateline.agency and dateline.agency_inferred:
            code = normalize_agency(dateline.agency)
            if code:
                return AgencyEvidence(code, "house_style", dateline.raw)
    except (TypeError, AttributeError):  # malformed input from a caller: no evidence, not a crash
        return None
    return None
