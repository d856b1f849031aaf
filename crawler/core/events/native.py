"""Pages in languages other than English (issue 16): country names, meeting vocabulary and dates.

The English rules read English words. A page whose text is not English (``looks_english``) is also read
with data, not code:

- country names from CLDR (``country_names_intl.json``, generated from babel by
  scripts/gen_reference_country_names.py) in the wires' other languages, their demonym adjectives, the short
  forms of ``meeting_words.json`` and the one-character pair forms of Chinese, Japanese and Korean ("中美",
  "日米", "한미");
- the meeting vocabulary of ``meeting_words.json``: a format word ("对话", "диалог", "حوار") next to a
  security word ("安全", "безопасности", "الأمني") is a dialogue-like name, glossed in English ("security
  dialogue") so that the mechanism slug and the registry's series of the pair come out as for English copy;
- dates written in those languages: month and weekday names from dateparser's data (``calendar(lang)``),
  "3月5日", "5일", "(17/09)", and the words for "today".

How a word meets its neighbours depends on the script: Chinese, Japanese, Korean and Thai have no spaces (a
name matches anywhere), Arabic script glues a clitic in front ("والهند"), Russian and the Romance languages
inflect at the end ("России", "japoneses"), Indic scripts glue case endings on ("இந்தியாவுடன்").
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from crawler.core.events.dates import DateMention, resolve_weekday, shift_day
from crawler.core.reference import calendar
from crawler.core.reference.loader import DATA_DIR

NAMES_FILE = "country_names_intl.json"
WORDS_FILE = "meeting_words.json"
# A format and its security qualifier are one name when at most this many characters apart in a sentence
# ("conversaciones formales sobre seguridad", "переговоры по вопросам безопасности").
QUALIFIER_WINDOW = 30
_SENTENCE_END = re.compile(r"[.!?。！？\n]")
_ENGLISH_WORDS = frozenset(
    ["the", "and", "of", "to", "with", "for", "said", "will", "was", "is", "are", "has", "have", "from", "by",
     "that", "this", "their", "its", "were"]
)  # not "in", "on", "at": German, Dutch and Filipino words too
ENGLISH_SAMPLE_CHARS = 2000  # the headline and lead say which language a page is in
ENGLISH_MIN_SHARE = 0.05  # English prose: 20-30% of its words are these; the non-English openings: under 2%


@lru_cache(maxsize=16)
def looks_english(text: str) -> bool:
    """Is ``text`` English (or too short to tell, in Latin script)? Non-Latin letters make up most of a page in
    those scripts; a Latin-script page is English when ENGLISH_MIN_SHARE of its words are English function
    words."""
    sample = text[:ENGLISH_SAMPLE_CHARS]
    words = re.findall(r"[^\W\d_]+", sample)
    if not words:
        return True
    latin = sum(1 for word in words if word.isascii())
    if latin < len(words) / 2:
        return False
    if len(words) < 8:
        return True
    return sum(1 for word in words if word.lower() in _ENGLISH_WORDS) >= ENGLISH_MIN_SHARE * len(words)


def _script(surface: str) -> str:
    for ch in surface:
        if not ch.isalpha():
            continue
        o = ord(ch)
        if 0x3040 <= o <= 0x30FF or 0x3400 <= o <= 0x9FFF or 0xAC00 <= o <= 0xD7AF or 0x0E00 <= o <= 0x0E7F:
            return "dense"
        if 0x0600 <= o <= 0x06FF or 0xFB50 <= o <= 0xFEFF:
            return "arabic"
        if 0x0900 <= o <= 0x0DFF:
            return "indic"
        if 0x0400 <= o <= 0x04FF:
            return "cyrillic"
        return "latin"
    return "latin"


_START = {
    "dense": "",
    "arabic": r"(?<![^\W\d_])(?:[وبفلك](?=\w))?",
    "indic": r"(?<![\w\u0900-\u0DFF])",
    "cyrillic": r"(?<!\w)",
    "latin": r"(?<!\w)",
}


def trie_pattern(surfaces: Iterable[str]) -> str:
    """An alternation of ``surfaces`` folded into a prefix tree ("united (?:kingdom|states(?: of america)?)").

    It matches exactly what the flat alternation sorted longest-first matches: two surfaces that both match
    at one position are case-insensitive prefixes of one another, so they share a path in the tree, and the
    tree tries the longer continuation first (then backtracks, as the flat alternation would, when the
    trailing boundary fails). The flat form tries all ~560 surfaces at every word start; the tree tries
    one branch per first letter — find_countries is ~10× faster on long texts.
    """
    trie: dict[str, Any] = {}
    for surface in surfaces:
        node = trie
        for ch in surface:
            node = node.setdefault(ch, {})
        node[""] = {}

    def render(node: dict[str, Any]) -> str:
        ends = "" in node
        branches = [re.escape(ch) + render(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            body = (f"(?:{body})" if len(branches) == 1 and len(body) > 1 else body) + "?"
        return body

    return render(trie)


def _alternation(surfaces: Iterable[str]) -> str:
    return trie_pattern(set(surfaces))


@dataclass(frozen=True)
class _Vocabulary:
    """Surfaces of one kind (all languages), one pattern per script, and what each surface stands for."""

    patterns: tuple[re.Pattern[str], ...]
    table: dict[str, str]  # casefolded surface -> gloss / code

    def finditer(self, text: str) -> list[tuple[int, int, str]]:
        found = []
        for pattern in self.patterns:
            for match in pattern.finditer(text):
                value = self.table.get(match.group("w").casefold())
                if value is not None:
                    found.append((match.start("w"), match.end(), value))  # with an inflected ending
        found.sort()
        return found

    def search(self, text: str) -> re.Match[str] | None:
        matches = [m for m in (p.search(text) for p in self.patterns) if m is not None]
        return min(matches, key=lambda m: m.start()) if matches else None


def _vocabulary(table: dict[str, str], *, end: str = "", flags: int = re.IGNORECASE) -> _Vocabulary:
    by_script: dict[str, list[str]] = {}
    for surface in table:
        by_script.setdefault(_script(surface), []).append(surface)
    patterns = tuple(
        re.compile(rf"{_START[script]}(?P<w>{_alternation(surfaces)}){end}", flags)
        for script, surfaces in sorted(by_script.items())
    )
    return _Vocabulary(patterns, {surface.casefold(): value for surface, value in table.items()})


def _read(name: str) -> dict[str, Any]:
    document = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
    languages = document.get("languages")
    if not isinstance(languages, dict):
        raise ValueError(f"{DATA_DIR / name}: no 'languages' object")
    return languages


@lru_cache(maxsize=1)
def _words() -> dict[str, Any]:
    return _read(WORDS_FILE)


def _merged(key: str) -> dict[str, str]:
    """One table of every language's ``key`` entries (a list gives each surface its own name as value)."""
    table: dict[str, str] = {}
    for entry in _words().values():
        value = entry.get(key) or {}
        for surface in value:
            table.setdefault(surface, value[surface] if isinstance(value, dict) else surface)
    return table


@lru_cache(maxsize=1)
def formats() -> _Vocabulary:
    return _vocabulary(_merged("formats"))


@lru_cache(maxsize=1)
def qualifiers() -> _Vocabulary:
    return _vocabulary(_merged("qualifiers"))


@lru_cache(maxsize=1)
def _security() -> _Vocabulary:
    return _vocabulary({**_merged("qualifiers"), **_merged("security")})


@lru_cache(maxsize=1)
def _lookalikes() -> _Vocabulary:
    return _vocabulary(_merged("lookalikes"))


@lru_cache(maxsize=1)
def _future() -> _Vocabulary:
    return _vocabulary(_merged("future"))


@lru_cache(maxsize=1)
def _today() -> _Vocabulary:
    return _vocabulary(_merged("today"))


def talks_word(text: str) -> re.Match[str] | None:
    """A meeting-format word of another language ("磋商", "переговоры", "diálogo")."""
    return formats().search(text)


@lru_cache(maxsize=1)
def _ordinal_patterns() -> tuple[re.Pattern[str], ...]:
    """Each language's written round numbers ('ordinals': "ke-{n}", "第{n}次", "{n}ª"), digits in a group."""
    out = []
    for surface in sorted({f for entry in _words().values() for f in entry.get("ordinals") or ()}, key=len, reverse=True):
        head, _, tail = surface.partition("{n}")
        # Word boundaries only for Latin-script forms ("ke-27", "27e"): scripts without spaces have none ("中美第18次").
        before = r"(?<!\w)" if head[:1].isalpha() and head[:1] < "\u0250" else ""
        after = r"(?!\w)" if tail[-1:].isalpha() and tail[-1:] < "\u0250" else ""
        out.append(re.compile(rf"{before}{re.escape(head)}(?<!\d)(\d{{1,3}})(?!\d){re.escape(tail)}{after}"))
    return tuple(out)


@lru_cache(maxsize=1)
def _rounds() -> _Vocabulary:
    return _vocabulary(_merged("rounds"))


def native_ordinal(text: str, window: int) -> int | None:
    """The first round number written in another language's form ("putaran ke-27", "第27次", "32ª riunione") with a
    format word or a round word ('rounds') within ``window`` characters either side; ``None`` otherwise."""
    found: list[tuple[int, int]] = []
    for pattern in _ordinal_patterns():
        for match in pattern.finditer(text):
            near = text[max(0, match.start() - window) : match.end() + window]
            if formats().search(near) is not None or _rounds().search(near) is not None:
                found.append((match.start(), int(match.group(1))))
    return min(found)[1] if found else None


@lru_cache(maxsize=1)
def _titles() -> _Vocabulary:
    return _vocabulary(_merged("titles"))


def _blank_titles(text: str) -> str:
    """``text`` with persons' titles that hold a security word ("राष्ट्रीय सुरक्षा सलाहकार", national security
    adviser) blanked out, offsets kept."""
    for start, end, _title in _titles().finditer(text):
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def security_word(text: str) -> re.Match[str] | None:
    """A security word of another language ("安全", "безопасности", "keamanan"), not one inside a title."""
    return _security().search(_blank_titles(text))


def lookalike_word(text: str) -> re.Match[str] | None:
    """A summit, phone call, state visit, multilateral body, joint exercise or economic dialogue."""
    return _lookalikes().search(text)


def future_word(text: str) -> re.Match[str] | None:
    """A word that puts the sentence in the future ("将于", "예정", "проведут", "akan")."""
    return _future().search(text)


def native_names(text: str) -> list[tuple[int, int, str]]:
    """Dialogue-like names of another language as (start, end, English gloss): a format word with a security
    qualifier next to it in the same sentence ("安全对话" → "security dialogue", "Dialog Pertahanan" →
    "defence dialogue"), a format that is one by itself ("2プラス2" → "2+2 dialogue")."""
    text = _blank_titles(text)
    quals = qualifiers().finditer(text)
    found: list[tuple[int, int, str]] = []
    for start, end, gloss in formats().finditer(text):
        if " " in gloss:
            found.append((start, end, gloss))
            continue
        if gloss == "2+2":
            found.append((start, end, "2+2 dialogue"))
            continue
        best: tuple[int, int, int, str] | None = None
        for q_start, q_end, q_gloss in quals:
            gap = start - q_end if q_end <= start else q_start - end if q_start >= end else -1
            between = text[min(q_end, end) : max(q_start, start)]
            if 0 <= gap <= QUALIFIER_WINDOW and not _SENTENCE_END.search(between) and (best is None or gap < best[0]):
                best = (gap, min(start, q_start), max(end, q_end), q_gloss)
        if best is not None:
            found.append((best[1], best[2], f"{best[3]} {gloss}"))
    return found


# --- countries -----------------------------------------------------------------------------------------

_ACCENTS = {
    c: unicodedata.normalize("NFD", chr(c))[0]
    for c in range(0xC0, 0x250)
    if len(unicodedata.normalize("NFD", chr(c))) > 1
}
_ROMANCE_DEMONYM = r"(?:n[aeio]s?)"  # Australia → australiano/australiane, Corea → coreani


def fold_accents(text: str) -> str:
    """``text`` with Latin accents removed, character for character (offsets stay valid)."""
    return text.translate(_ACCENTS)


@dataclass(frozen=True)
class _Countries:
    names: _Vocabulary  # exact names and short forms (case-sensitive in Latin script)
    cyrillic: _Vocabulary  # Russian names and adjectives, inflected at the end
    adjectives: _Vocabulary  # Latin-script demonym adjectives (accent-folded stems)
    pairs: dict[str, str]  # one-character forms of Chinese, Japanese, Korean


def _stem(word: str) -> str:
    return word[:-1] if len(word) >= 5 and word[-1] in "aeioаяйьоеиы" else word


@lru_cache(maxsize=1)
def _countries() -> _Countries:
    names: dict[str, set[str]] = {}
    cyrillic: dict[str, set[str]] = {}
    adjectives: dict[str, set[str]] = {}
    for entry in _read(NAMES_FILE).values():
        for code, surfaces in entry["names"].items():
            for surface in surfaces:
                script = _script(surface)
                if script == "cyrillic":
                    cyrillic.setdefault(_stem(surface).casefold(), set()).add(code)
                elif script == "latin":
                    names.setdefault(surface, set()).add(code)
                    folded = fold_accents(surface).casefold()
                    if " " not in folded and folded.endswith(("ia", "ea")):
                        adjectives.setdefault(folded, set()).add(code)
                else:
                    names.setdefault(surface, set()).add(code)
        for code, surfaces in entry["adjectives"].items():
            for surface in surfaces:
                target = cyrillic if _script(surface) == "cyrillic" else adjectives
                target.setdefault(_stem(fold_accents(surface).casefold()), set()).add(code)
    pairs: dict[str, str] = {}
    for entry in _words().values():
        for surface, code in (entry.get("short_names") or {}).items():
            names.setdefault(surface, set()).add(code)
        pairs.update(entry.get("pair_abbreviations") or {})

    def unique(table: dict[str, set[str]], min_length: int) -> dict[str, str]:
        return {s: next(iter(c)) for s, c in table.items() if len(c) == 1 and len(s) >= min_length}

    exact = unique(names, 2)
    by_script: dict[str, list[str]] = {}
    for surface in exact:
        by_script.setdefault(_script(surface), []).append(surface)
    patterns = tuple(
        re.compile(rf"{_START[script]}(?P<w>{_alternation(surfaces)})" + (r"(?![^\W\d_])" if script == "latin" else ""))
        for script, surfaces in sorted(by_script.items())
    )
    return _Countries(
        names=_Vocabulary(patterns, {s.casefold(): c for s, c in exact.items()}),
        cyrillic=_vocabulary(unique(cyrillic, 3), end=r"[а-яё]{0,3}(?![^\W\d_])"),
        adjectives=_vocabulary(unique(adjectives, 4), end=rf"(?:{_ROMANCE_DEMONYM}|[aeios]{{0,4}})(?![^\W\d_])"),
        pairs=pairs,
    )


_HANGUL = re.compile(r"[\uac00-\ud7af]")
_KOREAN_PARTICLES = "은는이가의과와도을를"


def native_countries(text: str) -> list[tuple[int, int, str, str]]:
    """Country references of other languages as (start, end, alpha-3, kind), in text order, without overlaps."""
    data = _countries()
    found: list[tuple[int, int, str, str]] = []

    def free(start: int, end: int) -> bool:
        return not any(start < e and s < end for s, e, _c, _k in found)

    for start, end, code in data.names.finditer(text) + data.cyrillic.finditer(text):
        if free(start, end):
            found.append((start, end, code, "name"))
    for start, end, code in data.adjectives.finditer(fold_accents(text)):
        if free(start, end):
            found.append((start, end, code, "demonym"))
    for index in range(len(text) - 1):
        first, second = data.pairs.get(text[index]), data.pairs.get(text[index + 1])
        if first is None or second is None or first == second or not free(index, index + 2):
            continue
        if _HANGUL.match(text[index]) and index > 0 and _HANGUL.match(text[index - 1]):
            continue  # "한미 양국은", "한미동맹": a word of its own, not two syllables inside another word
        found.append((index, index + 1, first, "name"))
        found.append((index + 1, index + 2, second, "name"))
    found.sort()
    return found


# --- dates -------------------------------------------------------------------------------------------

_CJK_DATE = re.compile(
    r"(?:(?P<y>(?:19|20)\d\d)\s*[年년]\s*)?(?:(?P<m>[01]?\d)\s*[月월]\s*)?(?<![\d.])(?P<d>[0-3]?\d)\s*[日일](?!\s*[間间간])"
)
# Day/month ("Rabu (17/09)", "ngày 5/3"): the order of every language here but English.
_SLASH_DATE = re.compile(r"(?<![\d/.])(?P<d>[0-3]?\d)/(?P<m>[01]?\d)(?![\d/])")


@lru_cache(maxsize=1)
def _month_and_weekday_patterns() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, int], dict[str, int]]:
    months: dict[str, int] = {}
    weekdays: dict[str, int] = {}
    english = calendar("en")
    skip = {form for row in (*english.months, *english.weekdays) for form in row}
    for language in json.loads((DATA_DIR / "months.json").read_text(encoding="utf-8"))["languages"]:
        if language == "en":
            continue
        cal = calendar(language)
        for number, row in enumerate(cal.months, start=1):
            for form in row:
                if form not in skip and not any(ch.isdigit() for ch in form) and len(form) >= 3:
                    months.setdefault(form, number)
        for number, row in enumerate(cal.weekdays):
            for form in row:
                dense = _script(form) == "dense"
                plain = not any(ch.isdigit() or ch.isspace() or ch in "()." for ch in form)
                if form not in skip and (len(form) >= 2 if dense else len(form) >= 4) and plain:
                    weekdays.setdefault(form, number)
    month = _alternation(months)
    dated = re.compile(
        rf"(?<!\d)(?P<d>\d{{1,2}})(?:\.|º|er)?\s*(?:de\s+)?(?P<m>{month})(?![^\W\d_])(?:,?\s*(?:de\s+)?(?P<y>\d{{4}}))?|"
        rf"(?<![^\W\d_])(?P<m2>{month})\s+(?P<d2>\d{{1,2}})(?!\d)(?:,?\s*(?P<y2>\d{{4}}))?",
        re.IGNORECASE,
    )
    weekday = re.compile(rf"(?P<w>{_alternation(weekdays)})", re.IGNORECASE)
    return dated, weekday, months, weekdays


def _nearest(reference: date | None, year: int | None, month: int | None, day: int) -> date | None:
    """The date nearest ``reference`` with the given parts (a missing year or month from around it)."""
    if reference is None and (year is None or month is None):
        return None
    candidates = []
    years = [year] if year is not None else [reference.year - 1, reference.year, reference.year + 1] if reference else []
    for y in years:
        for m in [month] if month is not None else range(1, 13):
            try:
                candidates.append(date(y, m, day))
            except ValueError:
                continue
    if not candidates:
        return None
    if reference is None:
        return candidates[0]
    return min(candidates, key=lambda d: abs((d - reference).days))


def native_date_mentions(text: str, reference: date | None, *, future: bool = False) -> list[DateMention]:
    """Date expressions of other languages in ``text``, resolved against ``reference`` (see the module
    docstring), in text order, without overlaps."""
    dated, weekday, months, weekdays = _month_and_weekday_patterns()
    found: list[DateMention] = []

    def add(start: int, end: int, day: date | None, kind: str) -> None:
        if day is not None and not any(start < m.end and m.start < end for m in found):
            found.append(DateMention(start, end, text[start:end], day, day, kind))

    for match in dated.finditer(text):
        month = months.get((match.group("m") or match.group("m2")).casefold())
        day_text, year_text = match.group("d") or match.group("d2"), match.group("y") or match.group("y2")
        add(match.start(), match.end(), _nearest(reference, int(year_text) if year_text else None, month, int(day_text)), "date")
    for pattern in (_CJK_DATE, _SLASH_DATE):
        for match in pattern.finditer(text):
            year = match.groupdict().get("y")
            month_text = match.group("m")
            add(match.start(), match.end(), _nearest(reference, int(year) if year else None, int(month_text) if month_text else None,
                                int(match.group("d"))), "date")  # fmt: skip
    if reference is not None:
        for match in weekday.finditer(text):
            try:
                resolved: date | None = resolve_weekday(weekdays[match.group("w").casefold()], reference, future=future)
            except OverflowError:  # a reference at the calendar's edge
                resolved = None
            add(match.start(), match.end(), resolved, "weekday")
        for start, end, _word in _today().finditer(text):
            add(start, end, shift_day(reference, 0), "relative")
    found.sort(key=lambda m: m.start)
    return found
