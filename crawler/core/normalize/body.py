"""Clean article body: wrapper, dateline, disclaimers and trailers removed and kept apart.

``clean_body(paragraphs, published=...)`` returns a :class:`CleanBody`; ``content_hash(paragraphs)``
is the key for "same story text" (syndicated copies that differ only by wrapper, dateline
punctuation, case or spacing hash alike once cleaned). Never raises.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from crawler.core.normalize.agency import AgencyEvidence, detect_agency, find_trailer, match_wrapper
from crawler.core.normalize.dateline import Dateline, parse_dateline

# Auto-publish / syndication notices that sites append or prepend to wire copy.
DISCLAIMER_RE = re.compile(
    r"\A\s*\(?\s*(?:"
    r"disclaimer\s*:"
    r"|this (?:post|story|article|report|news|content) (?:has|was|is) (?:been )?(?:auto[- ]?published|"
    r"auto[- ]?generated|published from|not been edited|sourced from|taken from)"
    r"|this story has not been edited by"
    r"|except for the headline,? this story has not been edited"
    r"|only the headline (?:and (?:the )?picture )?(?:of this report )?may have been reworked"
    r"|(?:the )?(?:above|this) (?:article|story|content) (?:is|has been) (?:auto-generated|published) from"
    r"|published from a syndicated feed"
    r"|\(?with inputs from (?:agencies|ians|pti|ani|reuters)"
    r")",
    re.I,
)


# Short publisher furniture at the END of a body: copyright lines, wire end marks, follow/share prompts.
# Only peeled from the tail and only when short, so story text is never taken.
FOOTER_RE = re.compile(
    r"\A\s*(?:\(c\)|©|copyright\b|all rights reserved|\(end\)\s*\Z|-?\s*end\s*-?\s*\Z|\(?ends\)?\s*\Z"
    r"|follow (?:us|\w+) on\b|(?:also )?read (?:more|also)\s*:|click here to\b|subscribe to\b"
    r"|for more (?:news|updates)\b|download the \w+ app\b)",
    re.I,
)
FOOTER_MAX_CHARS = 240
# A trailer ends a story: at least two paragraphs of prose (ending a sentence) come before it. An agency name
# on its own line under the headline and a standfirst ("ANI", then "Updated: Nov 20, 2023") is a byline.
TRAILER_MIN_PROSE_PARAGRAPHS = 2
_SENTENCE_END_RE = re.compile(r"[.!?][\"'”’)]*$")


@dataclass(frozen=True)
class CleanBody:
    """A body split into clean paragraphs and the wire furniture taken out of it."""

    paragraphs: list[str]
    dateline: Dateline | None
    wrapper: str | None
    disclaimers: list[str] = field(default_factory=list)
    trailer: str | None = None
    agency: AgencyEvidence | None = None


# A first paragraph this short may be a standfirst printed above the dateline.
_STANDFIRST_MAX_CHARS = 300


def _strip_dateline(paragraphs: list[str], published: dt.datetime | dt.date | None
                    ) -> tuple[list[str], Dateline | None]:
    """Find the dateline in the first paragraphs and cut it (and header lines before it) out.

    A short standfirst may come first ("The two US allies held their 10th talks in Tokyo." and then
    "TOKYO, Dec 9 (Reuters) - ..."): the standfirst is kept and the dateline after it is cut."""
    kept, found = _strip_leading_dateline(paragraphs, published)
    if found is None and len(paragraphs) >= 2 and len(paragraphs[0]) <= _STANDFIRST_MAX_CHARS:
        kept, found = _strip_leading_dateline(paragraphs[1:], published)
        return ([paragraphs[0], *kept], found) if found is not None else (paragraphs, None)
    return kept, found


def _strip_leading_dateline(paragraphs: list[str], published: dt.datetime | dt.date | None
                            ) -> tuple[list[str], Dateline | None]:
    head = paragraphs[:4]
    joined = "\n".join(head)
    found = parse_dateline(joined, published)
    if found is None:
        return paragraphs, None
    end = found.span[1]
    # Locate the paragraph holding the end of the dateline; everything before it in the head is
    # wrapper/byline/timestamp furniture that parse_dateline stepped over.
    offset = 0
    for index, para in enumerate(head):
        para_end = offset + len(para)
        if end <= para_end:
            rest = joined[end:para_end]
            rest = re.sub(r"\A[ \t]{0,3}[-–—:|,.]{0,3}[ \t]*", "", rest).lstrip()
            kept = ([rest] if rest else []) + paragraphs[index + 1:]
            return kept, found
        offset = para_end + 1
    return paragraphs, found


def prose_paragraphs(paragraphs: list[str]) -> int:
    """How many of the paragraphs end a sentence (headlines, section names and stamps do not)."""
    return sum(1 for p in paragraphs if _SENTENCE_END_RE.search(p))


def clean_body(paragraphs: list[str], *, published: dt.datetime | dt.date | None = None) -> CleanBody:
    """Split wire furniture from the story text.

    Removes, in order: a syndication wrapper at the start ("(MENAFN- IANS)"), the dateline and any
    byline/timestamp lines before it, disclaimer paragraphs (auto-publish notices), and a trailer at
    the end ("--IANS", "(ANI)", desk codes such as "sd/vd"). Each removed piece is kept on its own
    field; ``agency`` is the strongest agency evidence (see ``detect_agency``). Bad input (not a list
    of strings) gives an empty CleanBody.
    """
    try:
        paras = [p.strip() for p in paragraphs if isinstance(p, str) and p.strip()]
    except TypeError:
        return CleanBody([], None, None)
    original = list(paras)
    wrapper = None
    if paras:
        wrapped = match_wrapper(paras[0])
        if wrapped:
            (s, e), _, _ = wrapped
            wrapper = paras[0][s:e].strip()
            paras[0] = paras[0][e:].strip()
            if not paras[0]:
                paras.pop(0)
    paras, dateline = _strip_dateline(paras, published)
    disclaimers = [p for p in paras if DISCLAIMER_RE.match(p)]
    paras = [p for p in paras if not DISCLAIMER_RE.match(p)]
    while paras and len(paras[-1]) <= FOOTER_MAX_CHARS and FOOTER_RE.match(paras[-1]):
        disclaimers.append(paras.pop())
    # Wire copy ends at its trailer ("--IANS", "UNI XR SB 2352"); what a template prints after it ("More
    # News", related headlines with their dates) is not the story.
    prose = prose_paragraphs(paras[:2])  # paragraphs of prose before ``index``
    for index in range(2, len(paras) - 1):
        hit = find_trailer(paras[index])
        if hit is not None and hit[0] == 0 and hit[2] is not None and prose >= TRAILER_MIN_PROSE_PARAGRAPHS:
            end = index + 1
            while end < len(paras) and (more := find_trailer(paras[end])) is not None and more[0] == 0:
                end += 1  # "--IANS" then "sd/vd": the desk codes belong to the trailer
            paras = paras[:end]
            break
        prose += prose_paragraphs(paras[index : index + 1])  # (a trailer before any prose is a byline)
    trailers: list[str] = []
    for _ in range(3):  # "--IANS" then "sd/vd" on its own line: peel from the end
        if not paras:
            break
        hit = find_trailer(paras[-1])
        if hit is None:
            break
        start, text, _code = hit
        trailers.insert(0, text)
        remaining = paras[-1][:start].rstrip()
        if remaining:
            paras[-1] = remaining
            break
        paras.pop()
    trailer = " ".join(trailers) or None
    agency = detect_agency(dateline=dateline, paragraphs=original, author_organizations=[], title=None)
    return CleanBody(paras, dateline, wrapper, disclaimers, trailer, agency)


def content_hash(paragraphs: list[str]) -> str:
    """sha256 hex of the text, NFKC-normalised, case-folded, punctuation dropped, whitespace collapsed.

    Pass clean paragraphs (``clean_body(...).paragraphs``) so copies with different wrappers agree.
    """
    text = " ".join(p for p in paragraphs if isinstance(p, str)) if isinstance(paragraphs, list) else ""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(ch if ch.isalnum() else " " for ch in text)
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()
