"""Datelines (the cascade; its patterns and helpers are crawler.core.normalize.dateline_parts): "NEW DELHI, Feb 28 (Reuters) -", "Washington, DC [US], March 1 :", "TOKYO (Kyodo) --".

``parse_dateline(text, published)`` reads the first lines of an article body and returns a
:class:`Dateline` or None. It reads top to bottom as a cascade over at most ``_MAX_LINES`` lines of
the first ``_PREFIX`` characters:

1. a syndication wrapper ``(MENAFN- IANS)`` at the start of a line is stepped over;
2. the line is tried as a dateline: PLACE, then qualifiers in any order — ``, Region``,
   ``(Region)``, ``[Country]``, ``, DATE``, ``(AGENCY)``, ``/TASS/``, ``, Reuter`` — then a terminator
   (``-``, ``--``, ``—``, ``:``, ``|``, ``_``, ``.``);
3. a ``By ...`` line is scanned word by word for a dateline with a date or an agency tag
   ("By Karen Lema MANILA (Reuters) -");
4. header lines (timestamps, agency or desk lines, pipe-separated bylines, a bare name) are stepped
   over; anything else is body text and ends the search.

Evidence needed: a place with a date, an agency tag, a bracketed country or a region is a dateline;
a bare place needs a terminator and must be a known city (or an ALL-CAPS word that is not a
label such as "UPDATE:"). After a timestamp header a bare place is taken as part of the page
header, not a dateline. The year rule lives in :func:`resolve_year`.

All regexes are bounded (fixed repetition limits, no nested unbounded groups) and run over a
bounded prefix, so the cost per call is bounded whatever the input.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from crawler.core.normalize.agency import agency_country, is_house_desk, match_wrapper, normalize_agency
from crawler.core.normalize.dateline_parts import (  # noqa: F401 (resolve_year is public here too)
    _AGENCY_LEAD_RE,
    _BARE_NATIVE_AGENCY_RE,
    _BRACKET_RE,
    _CJK_PATTERNS,
    _CLOCK_RE,
    _COMMA_AGENCY_NATIVE_RE,
    _COMMA_AGENCY_RE,
    _COMMA_CAPS_AGENCY_RE,
    _DATE_AGENCY_RE,
    _DATE_DM,
    _DATE_LINE_RE,
    _DATE_MD,
    _DATE_NUMERIC_RE,
    _DATE_ONLY_RE,
    _DATE_PRE_RE,
    _DATE_WORD_DM,
    _DAY_ONLY_RE,
    _DESK_LEAD_RE,
    _DESK_RE,
    _DESK_WORDS_RE,
    _FULL_DATE_ONLY_RE,
    _HIJRI_AR_RE,
    _HIJRI_RE,
    _HINDI_DAY_WORDS,
    _LINE_NOISE_RE,
    _MAX_LINES,
    _MAX_SKIPPED,
    _MONTH_HEADS,
    _NUMERIC_DATE_RE,
    _NUMERIC_DATE_START,
    _PAREN_AGENCY_LEAD_RE,
    _PAREN_RE,
    _PLACE_RE,
    _PREFIX,
    _REGION_RE,
    _SLASH_AGENCY_RE,
    _STAMP_CITY_RE,
    _STAMP_DATE_RE,
    _TERM_RE,
    _TIME_RE,
    _TRAILING_AGENCY_RE,
    _VI_LEAD_RE,
    _display_city,
    _fast_parts,
    _header_agency,
    _is_all_caps_place,
    _is_caps,
    _is_header_line,
    _month_of,
    _paren,
    _Parts,
    _place_ok,
    _resolve,
    _year_of,
    house_style_agency,
    resolve_year,
)
from crawler.core.reference import gazetteer

_ENDS = frozenset("-—–:|_")
_DESK_SLASH_RE = re.compile(r"[ \t]{0,3}(?P<t>/)(?=[ \t])")  # "Bruxelles, bureau européen / La Commission ..."


@dataclass(frozen=True)
class Dateline:
    """A parsed dateline. Fields are None when not printed and not inferable.

    ``raw``/``span``: the dateline as printed and its character span in the input text.
    ``city``: as printed, ALL CAPS turned to title case; several places joined with "/".
    ``region``: state/province, expanded ("Wis." → "Wisconsin"). ``country``: ISO alpha-2 from the
    text ([India], ", Philippines") or inferred from the (first) city. ``agency``: normalised code
    (or the printed name of an agency the table does not know); ``agency_inferred`` is True when it
    comes from house style, not print. ``year``: only when printed. ``date``: resolved date.
    """

    raw: str
    span: tuple[int, int]
    city: str | None
    region: str | None
    country: str | None
    agency: str | None
    agency_inferred: bool
    month: int | None
    day: int | None
    year: int | None
    date: dt.date | None


def _match_dateline(line: str, start: int, *, strict: bool) -> _Parts | None:
    """Try a dateline at ``start`` of ``line``; ``strict`` requires a date or an agency tag."""
    m = _PLACE_RE.match(line, start)
    if not m:
        return None
    place = m.group("place").strip()
    pos = m.end()
    # "ASTANA. KAZINFORM –": the place regex takes "ASTANA. KAZINFORM" in; the tail is the agency.
    head, dot, tail = place.rpartition(". ")
    split_agency = normalize_agency(tail) if dot and head else None
    if split_agency:
        place = head
    # "Kolkata/PTI:" and "دمشق-سانا": the agency glued to the place by a slash or a hyphen.
    for glue in ("/", "-"):
        if split_agency or glue not in place:
            continue
        head, _sep, tail = place.rpartition(glue)
        if head.strip() and normalize_agency(tail.strip()):
            place, split_agency = head.strip(), normalize_agency(tail.strip())
    native = not line.isascii()  # the other scripts' patterns are only tried on a line that needs them
    if native and place.endswith(".") and place.count(".") == 1 and len(place) > 3:
        place = place[:-1]  # "Москва. 5 марта." (Interfax): the dot ends the place, it is not an abbreviation
    if not _place_ok(place):
        return None
    parts = _Parts(place=place, agency=split_agency)
    for _ in range(8):
        if parts.month is not None and not native and line[pos:pos + 4].lstrip()[:1] in _ENDS:
            break  # an English dateline's date, then its terminator: no qualifier starts with a dash or colon
        h = _HIJRI_RE.match(line, pos) or (_HIJRI_AR_RE.match(line, pos) if native and parts.month is None else None)
        if h:
            pos = h.end()
            continue
        if parts.month is None:
            pre = _DATE_PRE_RE.match(line, pos)
            assert pre is not None  # every part of the pattern is optional
            d = (_DATE_MD.match(line, pre.end()) or _DATE_DM.match(line, pre.end())
                 or (_DATE_WORD_DM.match(line, pre.end()) if native else None))
            if d:
                day = d.group("day")
                parts.month, parts.day = _month_of(d.group("mon")), _HINDI_DAY_WORDS.get(day) or int(day)
                parts.month_text = d.group("mon")
                parts.year = _year_of(d.group("year"))
                parts.dash_date = bool(pre.group("dash"))
                pos = d.end()
                continue
        if parts.month is None and parts.day is None and line[pos:pos + 3].lstrip()[:1] in _NUMERIC_DATE_START:
            n = _DATE_NUMERIC_RE.match(line, pos)
            if n and 1 <= int(n.group("mon")) <= 12:
                parts.month, parts.day, parts.numeric_date = int(n.group("mon")), int(n.group("day")), True
                parts.dated_by_word = bool(n.group("ngay"))
                pos = n.end()
                continue
            n = _DAY_ONLY_RE.match(line, pos)
            if n:
                parts.day, parts.numeric_date = int(n.group("day")), True
                pos = n.end()
                continue
        k = _CLOCK_RE.match(line, pos) if parts.month is not None and line[pos:pos + 3].lstrip()[:1] == "," else None
        if k:
            pos = k.end()
            continue
        p = _PAREN_RE.match(line, pos)
        if p:
            if not _paren(p.group("p"), parts):
                return None
            pos = p.end()
            continue
        b = _BRACKET_RE.match(line, pos)
        if b:
            code = gazetteer().country_code(b.group("b"))
            if code is None and b.group("b").isascii():
                return None
            if code is None:  # "[भारत]": a country in a script the country tables lack
                pos = b.end()
                continue
            parts.bracket_country = code
            pos = b.end()
            continue
        s = _SLASH_AGENCY_RE.match(line, pos)
        if s and normalize_agency(s.group("a")):
            parts.agency = parts.agency or normalize_agency(s.group("a"))
            pos = s.end()
            continue
        c = (_COMMA_AGENCY_NATIVE_RE if native else _COMMA_AGENCY_RE).match(line, pos)
        if c and parts.month is not None and normalize_agency(c.group("a")):
            parts.agency = parts.agency or normalize_agency(c.group("a"))
            pos = c.end()
            continue
        c = _COMMA_CAPS_AGENCY_RE.match(line, pos)
        if c and normalize_agency(c.group("a")):
            parts.agency = parts.agency or normalize_agency(c.group("a"))
            pos = c.end()
            continue
        c = (_BARE_NATIVE_AGENCY_RE.match(line, pos)
             if native and parts.month is not None and parts.agency is None else None)
        if c and normalize_agency(c.group("a")):
            parts.agency = normalize_agency(c.group("a"))
            pos = c.end()
            continue
        r = _REGION_RE.match(line, pos) if parts.month is None else None
        desk = _DESK_WORDS_RE.match(r.group("r").strip()) if r else None
        rest = r.group("r").strip()[desk.end():].split() if r and desk else []
        if r and desk and (not rest or (len(rest) == 1 and rest[0].islower())):
            parts.desk = True  # "Pékin, correspondance", "लखनऊ, संवाददाता", "Bruxelles, bureau européen"
            pos = r.end()
            continue
        if r:
            printed = r.group("r").strip()
            region = gazetteer().resolve_region(printed)
            if region and parts.region is None:
                parts.region, parts.region_country = region
                pos = r.end()
                continue
            country = gazetteer().country_code(printed)
            if country and parts.region_country is None:
                parts.region_country = country
                pos = r.end()
                continue
            # An unknown area ("West Germany", "West Bank", "Grand Cayman"): kept only when the
            # dateline goes on to print a date (checked below), and only if it looks like a name.
            if all(w[:1].isupper() for w in printed.split()) and len(printed) <= 40:
                parts.region = parts.region or printed
                parts.loose = True
                pos = r.end()
                continue
        break
    t = _TERM_RE.match(line, pos) or (_DESK_SLASH_RE.match(line, pos) if parts.desk else None)
    if t:
        parts.term = t.group("t")
        pos = t.end()
        trailing = (_TRAILING_AGENCY_RE.match(line, pos)
                    if native and parts.agency is None and parts.month is not None else None)
        if trailing and normalize_agency(trailing.group("a")):
            parts.agency = normalize_agency(trailing.group("a"))
            pos = trailing.end()
        elif parts.agency is None and line[pos:pos + 2].strip()[:1] and not line[pos:pos + 2].strip()[:1].isascii():
            words = line[pos:pos + 40].split()[:3]
            for size in (3, 2, 1):  # "القاهرة - أ ش أ": the agency in its own script after the dash
                if len(words) >= size and normalize_agency(" ".join(words[:size])):
                    parts.agency = normalize_agency(" ".join(words[:size]))
                    break
    parts.end = pos
    if parts.dash_date and parts.term is None:
        return None
    if parts.numeric_date and parts.agency is None and not parts.dated_by_word:
        return None  # "Lahore, 5/3" alone is too weak: numbers count only before an agency's tag
    if parts.loose and parts.month is None:
        return None
    if parts.agency_unknown and parts.month is None and not gazetteer().lookup_city(place.split("/")[0].strip()):
        return None  # "Dewi Kartika (The Jakarta Post)": a byline, not "PLACE (AGENCY)"
    has_tag = parts.agency is not None or parts.bracket_country is not None or parts.desk
    if (not has_tag and native and any("\u0400" <= c <= "\u04ff" for c in place) and not place.replace("/", "").isupper()
            and not gazetteer().lookup_city(place.split("/")[0].strip(), allow_alternate=True)):
        return None  # a title-case Cyrillic word before a date ("Обновлено 5 марта"): a label unless a known place
    if strict and parts.month is None and parts.agency is None:
        return None
    if parts.month is not None or has_tag:
        return parts
    if parts.term is None or parts.term == ".":
        return None
    rest = line[pos:]
    if _FULL_DATE_ONLY_RE.match(rest):  # "Manila, Philippines – 30 July 2024": a byline stamp
        return None
    if parts.region is not None or parts.region_country is not None or parts.desk:
        return parts
    # A bare place: "KABUL:", "Washington:", "TOKYO —", "New Delhi |".
    if rest.lstrip()[:1].isdigit():  # "Ekleme: 17.11.2021" is a label and a value
        return None
    if parts.term == "|":
        seg = rest.split("|", 1)[0].strip()
        if seg and (seg.endswith(":") or _DESK_RE.search(seg) or normalize_agency(seg)):
            return None
    first = place.split("/")[0].strip()
    tp = re.match(r"(?i)TP\.?\s?(?=\w)", first)  # Vietnamese "TP." = "Thành phố" (city): "TP HỒ CHÍ MINH"
    hit = gazetteer().lookup_city(first) if tp else None  # the gazetteer reads "TP." as "Thành phố"
    if hit:
        parts.region_country = hit[0]
        return parts
    if any(c.isalpha() and not c.isascii() and not c.isupper() and not c.islower() for c in first):
        # A sound-only name before a colon may be a person ("পুতিন:"): only the script's own countries' cities.
        return parts if gazetteer().lookup_city(first, allow_alternate=True, foreign_sound=False) else None
    if gazetteer().lookup_city(first, allow_alternate=False):
        return parts
    region = gazetteer().resolve_region(first) if not first.isascii() else None
    if region is not None and region[1] is not None:  # a province printed as the place: "QUẢNG NINH —"
        parts.region_country = region[1]
        return parts
    words = first.split()
    # An unknown ALL-CAPS word: a small town in an English wire's style, but not a site's name ("VOV.VN -")
    # nor, outside ASCII, a paper's masthead ("TUỔI TRẺ —"): those must be known places.
    if (_is_all_caps_place(first) and len(words) <= 3 and len(first) >= 4 and first.isascii()
            and not re.search(r"\w\.\w{2}", first)):
        return parts
    return None


def _build(text: str, line_start: int, start: int, parts: _Parts, line_agency: str | None,
           published: dt.datetime | dt.date | None) -> Dateline:
    place = parts.place or ""
    raw_end = line_start + parts.end
    raw = text[line_start + start: raw_end].rstrip()
    first = place.split("/")[0].strip()
    country = parts.bracket_country or parts.region_country or (gazetteer().country_for_city(first) if first else None)
    agency = parts.agency
    inferred = False
    if agency is None and line_agency is not None:
        agency = line_agency
    if agency is None:  # a house style with the tag cut (house_styles.json): ANI, Bernama, PTI
        agency = house_style_agency(parts, text[line_start + start:raw_end])
        inferred = agency is not None
    home = agency_country(agency)
    if (home and home != country and first and not parts.bracket_country and not parts.region_country
            and gazetteer().city_in_country(first, home)):
        country = home  # "Valencia, 26 jun (EFE)" is in Spain, "GEORGE TOWN, Nov 21 --" (Bernama) in Malaysia
    return Dateline(
        raw=raw,
        span=(line_start + start, line_start + start + len(raw)),
        city=_display_city(place) if place else None,
        region=parts.region,
        country=country,
        agency=agency,
        agency_inferred=inferred,
        month=parts.month,
        day=parts.day,
        year=parts.year,
        date=_resolve(parts.month, parts.day, parts.year, published),
    )


def parse_dateline(text: str, published: dt.datetime | dt.date | None = None) -> Dateline | None:
    """The dateline at the start of an article body (or within its first lines), else None.

    ``text``: the body (paragraphs joined by newlines); a leading syndication wrapper, a ``By``
    byline, timestamp lines and agency/desk lines before the dateline are tolerated.
    ``published``: the page's publication date or time; it fixes the year of a dateline that does
    not print one (see :func:`resolve_year`); without it, such a dateline has ``date`` None.
    Never raises; None on any input that does not start with a dateline.
    """
    try:
        return _parse(text, published)
    except (ValueError, OverflowError):  # a printed date that does not exist ("Feb 30"), a year out of range
        return None


def _cjk_city(printed: str) -> tuple[str, tuple[str, str] | None]:
    """The city in a CJK dateline's slot and its gazetteer entry: the whole slot, else its last word, else
    its longest known tail ("王小明台北" → "台北": a reporter's name runs into the city)."""
    printed = printed.strip()
    words = printed.split()
    candidates = [printed] + ([words[-1]] if len(words) > 1 else [])
    candidates += [words[-1][i:] for i in range(1, len(words[-1]) - 1)] if words else []
    for cand in candidates:
        hit = gazetteer().lookup_city(cand)
        if hit is not None:
            return cand, hit
    return (words[-1] if words else printed), None


def _match_cjk(line: str, start: int, offset: int, line_agency: str | None,
               published: dt.datetime | dt.date | None) -> Dateline | None:
    """A Chinese, Japanese or Korean wire's dateline at the start of ``line`` (see _CJK_PATTERNS), else None."""
    if start + 1 >= len(line) or (line[start].isascii() and line[start + 1].isascii()):
        return None
    for pattern in _CJK_PATTERNS:
        m = pattern.match(line, start)
        if m is None:
            continue
        city, hit = _cjk_city(m.group("city"))
        groups = m.groupdict()
        agency = normalize_agency(groups["a"]) if groups.get("a") else line_agency
        day = int(groups["day"]) if groups.get("day") else None
        month = int(groups["mon"]) if groups.get("mon") else None
        return Dateline(m.group(0), (offset + start, offset + m.end()), city, None, hit[0] if hit else None, agency, False,
                        month, day, None, _resolve(month, day, None, published))
    return None


def _known_city(place: str) -> tuple[str, str] | None:
    first = place.split("/")[0].strip()
    return gazetteer().lookup_city(first, allow_alternate=False) if first else None


def _header_dateline(text: str, lines: list[str], index: int, offset: int, start: int, line_agency: str | None,
                     published: dt.datetime | dt.date | None, after_timestamp: bool) -> Dateline | None:
    """The city printed in a page's header lines rather than in a dateline proper:

    - a timestamp line ending in the city ("... | Updated 10:20 am IST - CHENNAI");
    - a name line ending in the city above a timestamp ("RAHUL SHARMA MUMBAI" / "July 9, 2021 01:30 IST");
    - a release's place line above its date line ("Washington, DC" / "March 4, 2024");
    - a known city, a comma and the first sentence with no date ("Lucknow, The Uttar Pradesh cabinet ...").
    """
    line = lines[index]
    body = line[start:].rstrip()
    following = lines[index + 1].strip() if index + 1 < len(lines) else ""

    def make(place: str, begin: int, end: int, month: int | None = None, day: int | None = None,
             year: int | None = None) -> Dateline:
        hit = _known_city(place)
        return Dateline(text[begin:end], (begin, end), _display_city(place), None, hit[0] if hit else None,
                        line_agency, False, month, day, year, _resolve(month, day, year, published))

    if _TIME_RE.search(body) or _NUMERIC_DATE_RE.search(body):
        m = _STAMP_CITY_RE.fullmatch(body)
        if m and _known_city(m.group("place").strip()):
            place = m.group("place").strip()
            begin = offset + start + m.start("place")
            return make(place, begin, begin + len(place))
        return None
    words = body.split()
    if (2 <= len(words) <= 6 and all(_is_caps(w) for w in words) and following
            and (_TIME_RE.search(following) or _DATE_LINE_RE.match(following))):
        for size in (2, 1):
            place = " ".join(words[-size:])
            if len(words) > size and _known_city(place):
                begin = offset + start + body.rindex(place)
                return make(place, begin, begin + len(place))
    if after_timestamp:
        return None
    date = _DATE_LINE_RE.fullmatch(following) if following else None
    if date:
        m = _PLACE_RE.match(line, start)
        if m and _place_ok(m.group("place")) and _known_city(m.group("place")):
            rest = line[m.end():].strip()
            region_ok = not rest or (rest.startswith(",") and len(rest) <= 30
                                     and (gazetteer().resolve_region(rest[1:].strip())
                                          or gazetteer().country_code(rest[1:].strip())))
            if region_ok:
                month = _month_of(date.group("mon") or date.group("mon2"))
                day = int(date.group("day") or date.group("day2"))
                year = int(date.group("year") or date.group("year2"))
                begin = offset + start
                return make(m.group("place"), begin, begin + len(line[start:].rstrip()), month, day, year)
    m = _CITY_SENTENCE_RE.match(line, start)
    if (m and index == 0 and _place_ok(m.group("place")) and _known_city(m.group("place"))
            and len(line[m.end():].split()) >= 5 and not _DATE_MD.match(line, m.end())):
        begin = offset + start
        return make(m.group("place"), begin, begin + len(m.group("place")))
    return None


# "Lucknow, The Uttar Pradesh cabinet ...": a title-case city, a comma, a capitalised sentence.
_CITY_SENTENCE_RE = re.compile(r"(?P<place>[A-Z][a-z]{2,20}(?: [A-Z][a-z]{2,20})?),[ \t](?=(?:The|A|An|In|On|Police|Prime|Chief|Union|State)\b)")


def _parse(text: str, published: dt.datetime | dt.date | None) -> Dateline | None:
    if not isinstance(text, str) or not text:
        return None
    if published is not None and not isinstance(published, dt.date):
        published = None
    prefix = text[:_PREFIX]
    # "SALVADOR, Feb 26 -" on the first line: the loop's result without its set-up (not if a parenthesis runs on).
    newline = prefix.find("\n")
    first = prefix if newline < 0 else prefix[:newline]
    if first.count("(") <= first.count(")"):
        start = _LINE_NOISE_RE.match(first).end()  # type: ignore[union-attr]
        fast = _fast_parts(first, start) if first[start:start + 3].casefold() not in _MONTH_HEADS else None
        if fast is not None:
            return _build(text, 0, start, fast, None, published)
    line_start = 0
    skipped = 0
    after_timestamp = False
    line_agency: str | None = None
    desk_line = False
    lines = prefix.split("\n", _MAX_LINES)[:_MAX_LINES]
    index = -1
    while index + 1 < len(lines):
        index += 1
        line = lines[index]
        offset = line_start
        # A parenthesis left open runs on to the next line: "(APP - UrduPoint / Pakistan Point ...)".
        if line.count("(") > line.count(")") and index + 1 < len(lines):
            index += 1
            line = line + "\n" + lines[index]
        line_start += len(line) + 1
        start = _LINE_NOISE_RE.match(line).end()  # type: ignore[union-attr]
        wrapped = match_wrapper(line[start:])
        if wrapped:
            start += wrapped[0][1]
        if start >= len(line.rstrip()):
            continue
        # "SALVADOR, Feb 26 -" after header lines: no step above reads this form, so straight to the cascade's result.
        fast = (_fast_parts(line, start) if index and not wrapped and line[start:start + 3].casefold() not in _MONTH_HEADS
                else None)
        if fast is not None:
            fast.desk = desk_line
            return _build(text, offset, start, fast, line_agency, published)
        # "PTI / Washington, November 8": an agency line flattened onto the dateline's line.
        lead = ((_AGENCY_LEAD_RE.match(line, start) if "/" in line[start:start + 80] else None)
                or _PAREN_AGENCY_LEAD_RE.match(line, start))
        if lead and normalize_agency(lead.group("a")):
            line_agency = normalize_agency(lead.group("a"))
            start = lead.end()
        vi = _VI_LEAD_RE.match(line, start) if line.startswith("Theo ", start) else None
        if vi and normalize_agency(vi.group("a")):
            vi_place = _PLACE_RE.match(line, vi.end())
            hit = (gazetteer().lookup_city(vi_place.group("place"))
                   if vi_place and _place_ok(vi_place.group("place")) else None)
            if vi_place and hit:
                return Dateline(line[start:vi_place.end()], (offset + start, offset + vi_place.end()), vi_place.group("place"),
                                None, hit[0], normalize_agency(vi.group("a")), False, None, None, None, None)
        month_first = line[start:start + 3].casefold() in _MONTH_HEADS  # the next two forms open with a month
        da = _DATE_AGENCY_RE.match(line, start) if month_first else None
        if da and normalize_agency(da.group("a")):
            month, day = _month_of(da.group("mon")), int(da.group("day"))
            year = int(da.group("year")) if da.group("year") else None
            return Dateline(line[start:da.end()], (offset + start, offset + da.end()), None, None, None,
                            normalize_agency(da.group("a")), False, month, day, year,
                            _resolve(month, day, year, published))
        d = _DATE_ONLY_RE.match(line, start) if month_first else None
        if d and not line[d.end():].lstrip()[:1].isdigit():
            month, day, year = _month_of(d.group("mon")), int(d.group("day")), int(d.group("year"))
            raw = line[start:d.end()]
            return Dateline(raw, (offset + start, offset + d.end()), None, None, None, line_agency, False,
                            month, day, year, _resolve(month, day, year, published))
        desk = _DESK_LEAD_RE.match(line, start)
        if desk:  # "নিজস্ব প্রতিবেদক, ঢাকা", "Staff Reporter, Lahore": the desk, then the place
            desk_place = _PLACE_RE.match(line, desk.end())
            name = desk_place.group("place") if desk_place else ""
            end = desk_place.end() if desk_place else 0
            if "/" in name:  # "विशेष संवाददाता, वाराणसी / काशी ...": the slash ends the place, the story follows
                name = name.split("/")[0].strip()
                end = line.index(name, desk.end()) + len(name)
            tail = line[end:].lstrip()[:1]
            if name and tail in ("", ":", "|", "।", "-", "—", "–", "/") and _place_ok(name):
                hit = gazetteer().lookup_city(name)
                if hit is not None:
                    return Dateline(line[start:end], (offset + start, offset + end),
                                    _display_city(name), None, hit[0], line_agency, False, None, None, None, None)
        cjk = _match_cjk(line, start, offset, line_agency, published)
        if cjk is not None:
            return cjk
        parts = _match_dateline(line, start, strict=False)
        if (parts is not None and after_timestamp and parts.month is None and parts.agency is None
                and not (parts.term in (":", "—", "--") and _is_all_caps_place(parts.place or "")
                         and len(line[parts.end:].strip()) >= 20)):
            parts = None  # a place in the page header; "LAHORE: The Punjab government ..." stays a dateline
        if parts is not None:
            parts.desk = parts.desk or desk_line  # a paper's own desk credited above: no house-style agency
            return _build(text, offset, start, parts, line_agency, published)
        # "Washington DC" on one line, "Updated: 19-12-2019 01:16 IST" on the next (site headers).
        bare = _PLACE_RE.fullmatch(line.strip())
        if bare and index + 1 < len(lines) and _place_ok(bare.group("place")):
            stamp = _STAMP_DATE_RE.match(lines[index + 1].strip())
            place = bare.group("place")
            if stamp and (gazetteer().lookup_city(place, allow_alternate=False) or _is_all_caps_place(place)):
                month, day, year = int(stamp.group("mon")), int(stamp.group("day")), int(stamp.group("year"))
                if 1 <= month <= 12:
                    raw = line.strip() + "\n" + lines[index + 1].strip()[:stamp.end()]
                    first = place.split("/")[0]
                    begin = offset + line.index(place)
                    return Dateline(raw, (begin, begin + len(raw)), _display_city(place), None,
                                    gazetteer().country_for_city(first), line_agency, False, month, day, year,
                                    _resolve(month, day, year, published))
        # "ANKARA" alone on the first line, the story on the next (Anadolu, The Hindu).
        if (bare and not after_timestamp and index + 1 < len(lines) and _place_ok(bare.group("place"))
                and len(lines[index + 1].strip()) >= 25 and lines[index + 1].strip()[:1].isupper()):
            place = bare.group("place").rstrip(".")
            first = place.split("/")[0].strip()
            if gazetteer().lookup_city(first, allow_alternate=False) and len(place) <= 30:
                begin = offset + line.index(place)
                return Dateline(place, (begin, begin + len(place)), _display_city(place), None,
                                gazetteer().country_for_city(first), line_agency, False, None, None, None, None)
        if line[start:start + 3].lower() == "by ":
            for w in re.finditer(r"(?<=\s)\S", line[: start + 160]):
                if w.start() <= start + 3:
                    continue
                parts = _match_dateline(line, w.start(), strict=True)
                if parts is not None:
                    return _build(text, offset, w.start(), parts, line_agency, published)
        found = _header_dateline(text, lines, index, offset, start, line_agency, published, after_timestamp)
        if found is not None:
            return found
        header, is_stamp = _is_header_line(line[start:])
        if not header or skipped >= _MAX_SKIPPED:
            return None
        skipped += 1
        after_timestamp = after_timestamp or is_stamp
        line_agency = _header_agency(line[start:]) or line_agency
        desk_line = desk_line or is_house_desk(line[start:].strip().rstrip(":"))
    return None
