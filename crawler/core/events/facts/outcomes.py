"""Step 8 of the cascade: what the round produced (documents signed, exchanged, adopted; joint
statements issued). A document only expected ("are expected to sign ...") is not an outcome; a bare
"agreement" or "framework" without a name is not either.
"""

from __future__ import annotations

import re

from crawler.core.events.text import Document

_DOC_KIND = (
    r"Memorandum of (?:Understanding|Cooperation|Agreement|Intent)|MoU|MoC|Agreement|Joint Statement|"
    r"Joint Declaration|Declaration|Arrangement|Protocol|Treaty|Letter of Intent|Statement of Intent|Roadmap|"
    r"Framework|Action Plan"
)
# A document name, with a capitalised "on/for ..." tail kept ("Memorandum of Understanding on Cyber Security")
# and a lower-case one dropped ("Memorandum of Cooperation on law enforcement training").
_DOC_NAME = (
    rf"(?:(?:[A-Z][\w-]*|and|of|on|for|&)\s+){{0,8}}?(?:{_DOC_KIND})"
    r"(?:\s+(?:on|for|in)\s+(?:[A-Z][\w-]*\s+(?:and\s+|&\s+)?){0,5}[A-Z][\w-]*)?(?:\s*\([A-Z]{2,10}\))?"
)
_OUTCOME_ACTIVE_RE = re.compile(
    rf"\b(?:sign(?:ed|ing)?|ink(?:ed|ing)?|conclu(?:ded|sion of)|exchang(?:ed|e)|adopt(?:ed|ion of)|"
    rf"issu(?:ed|e)|finali[sz]ed|release[sd]?)(?:\s+(?:of|on))?\s+(?:a|an|the|two|three|several)?\s*(?P<doc>{_DOC_NAME})"
)
_OUTCOME_PASSIVE_RE = re.compile(rf"(?:The|the|a|A)\s+(?P<doc>{_DOC_NAME})\s+(?:was|were)\s+(?:signed|inked|exchanged|adopted)")
_JOINT_STATEMENT_RE = re.compile(r"\b(?:issued|adopted|released)\s+(?:a\s+)?joint\s+(statement|declaration)\b", re.I)
_NOT_YET_RE = re.compile(r"\b(?:expected to|likely to|will|would|to be|set to|plan to|poised to)\s+(?:\w+\s+){0,2}$", re.I)


def outcomes(doc: Document) -> list[str]:
    """The named documents and statements the round produced, in text order, without repeats."""
    found: list[str] = []
    for sentence in doc.sentences:
        if sentence.paragraph < 0:
            continue
        text = sentence.text
        for pattern in (_OUTCOME_ACTIVE_RE, _OUTCOME_PASSIVE_RE):
            for match in pattern.finditer(text):
                if _NOT_YET_RE.search(text[max(0, match.start() - 40) : match.start()]):
                    continue
                name = re.sub(r"^(?:and|of|on|for|&)\s+", "", match.group("doc")).strip()
                name = re.sub(r"\s+", " ", name)
                if name.lower() in {"agreement", "declaration", "arrangement", "framework", "roadmap"}:
                    continue
                if name not in found:
                    found.append(name)
        for match in _JOINT_STATEMENT_RE.finditer(text):
            name = f"Joint {match.group(1).title()}"
            if name not in found:
                found.append(name)
    return found
