"""Topic rules: ``dialogue_event`` / ``dialogue_other`` / ``unrelated``, with the reasons shown to users.

Conservative by design: an archive that silently drops a round is worse than one that keeps a stray
page, so a page is ``unrelated`` only when it names no dialogue *and* does not describe officials of two
countries meeting on security; ``dialogue_other`` needs an explicit cue in the headline or lead (an
explainer, a dialogue being (re-)established, preparations, "no date has been set").

1. A registry series, a dialogue-like name ("... Strategic Dialogue", "security talks"), or two parties
   meeting on security in the headline/lead → about a dialogue; otherwise ``unrelated``.
2. About a dialogue + an explainer/establishment/preparations cue in the headline or lead →
   ``dialogue_other``.
3. Otherwise ``dialogue_event`` (a report, preview or follow-up of one round).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from crawler.core.events.analysis import AnalysedText, ScreenedText, analyse_text
from crawler.core.events.facts.mechanism import pair_from_name
from crawler.core.events.native import lookalike_word, security_word, talks_word
from crawler.core.events.registry import DialogueRegistry
from crawler.core.events.text import SECURITY_STRICT_RE, TALKS_RE


@dataclass
class TopicDecision:
    """The topic and the human-readable reasons for it (``newsarchive extract`` prints them)."""

    topic: str
    reasons: list[str] = field(default_factory=list)


_OTHER_CUES = re.compile(
    r"\bre-?establish\w*|\brevive the\b|\bexplained\b|\bexplainer\b|^\s*what (?:is|are)\b|\bwhy india holds\b|"
    r"\bno date has (?:yet )?been (?:set|fixed)|\bagreed (?:on \w+ )?to (?:upgrade [\w\s]{0,40}and to )?hold regular\b|"
    r"\bhold regular meetings\b|\bpreparations? for\b[^\n]{0,80}?\b(?:going|progress\w*|under way|underway)\b|"
    r"\bto create an annual\b|\bto establish an annual\b|\bto set up an? (?:annual|new)\b|"
    r"\bagreed? to (?:restore|resume|revive|relaunch)\b",
    re.IGNORECASE | re.MULTILINE,
)


# A question heading in the opening ("What is the '2+2' format of dialogue?" under a site banner): an explainer.
_QUESTION_HEADING = re.compile(r"^\s*(?:what|why|how) (?:is|are|does|do)\b[^\n]{0,100}\?\s*$", re.IGNORECASE | re.MULTILINE)
_UN_SECURITY_COUNCIL = re.compile(r"\b(?:UN|U\.N\.|United Nations)\s+Security Council\b")
_NOT_BILATERAL = re.compile(
    r"\b(?:phone call|telephone (?:call|conversation)|spoke (?:by|over the) (?:phone|telephone)|video call|"
    r"first call|summit|state visit|trilateral|quadrilateral|Quad\b|ASEAN|ADMM|Shanghai Cooperation|SCO\b|NATO|"
    r"G7|G-7|G20|G-20|BRICS|(?:UN|U\.N\.|United Nations) Security Council|General Assembly)",
    re.IGNORECASE,
)

# An op-ed headline arguing about a format: "What the Gulf can learn from Asia's 2+2 diplomacy", "The
# US-South Korea 2+2 is overdue for a comeback" (not "Why India's steadiest dialogue is with France", an op-ed
# on last week's round, which stays a page about that round).
_OPINION_TITLE = re.compile(
    r"\b(?:should|must|ought to|is overdue|are overdue|needs to|need to|time to|can learn from|"
    r"lessons? (?:from|for)|the case for)\b",
    re.IGNORECASE,
)
# A paragraph that opens by defining a format ("AUSMIN, the Australia-United States Ministerial Consultation,
# is the main annual forum for ...", "The 2+2 dialogue is a format of meeting of ..."): an explainer of the
# series. Read in the first DEFINITION_MAX_CHARS (explainers put site boilerplate first).
_DEFINITION = re.compile(
    r"^(?:The\s+)?[A-Z][^.;:\n]{1,120}?\s+(?:is|are)\s+(?:the|an?)\s+(?:main\s+|principal\s+|premier\s+)?"
    r"(?:(?:annual|regular|high[-\u2011 ]level|bilateral|biannual)\s+)*(?:forum|format|mechanism|platform)\b",
    re.MULTILINE,
)
DEFINITION_MAX_CHARS = 1200
_SENTENCE_BEFORE = re.compile(r"[A-Za-z0-9)]{2}[.!?][\"'”’]?\s")


def _opening_definition(text: str) -> re.Match[str] | None:
    """A definition of a format that is the page's first sentence (only headings and boilerplate before it):
    a report may explain the format further down ("AUSMIN is the principal forum ..." after the news)."""
    found = _DEFINITION.search(text[:DEFINITION_MAX_CHARS])
    if found is None or _SENTENCE_BEFORE.search(text[: found.start()]):
        return None
    return found
# A round called off with no new date is news about the dialogue, not a round.
_CALLED_OFF = re.compile(r"\b(?:postponed|called off|put off|deferred|cancell?ed|scrapped)\b", re.IGNORECASE)
_RESCHEDULED = re.compile(r"\b(?:rescheduled|will now be held|now be held|new date|moved to)\b", re.IGNORECASE)

# Anywhere in the text: the page itself says the meeting it reports is not a round of the dialogue.
_NOT_A_ROUND = re.compile(
    r"\brather than a (?:formal )?(?:session|round|meeting) of\b|\bnot a (?:formal )?(?:session|round) of\b|"
    r"\bpreparatory visit\b",
    re.IGNORECASE,
)


_EMPTY = "no title and no body text"
_NOTHING_NAMED = "no dialogue named, and the lead does not describe two countries meeting on security"


def _meeting_and_security(opening: str, english: bool) -> tuple[re.Match[str] | None, re.Match[str] | None]:
    """A meeting word and a security word in the headline and first two paragraphs (in the page's own
    language too when it is not English: meeting_words.json)."""
    meeting = TALKS_RE.search(opening)
    security = SECURITY_STRICT_RE.search(_UN_SECURITY_COUNCIL.sub(" ", opening))
    if not english:
        meeting = meeting or talks_word(opening)
        security = security or security_word(opening)
    return meeting, security


def unrelated_at_a_glance(screened: ScreenedText) -> TopicDecision | None:
    """Rule 1's ``unrelated``, decided before the page's countries are read, or None (then
    ``classify_analysed(analyse_screened(screened))``). Exactly ``classify_analysed``'s answer, never a new
    guess: with no registry form matching, no dialogue-like name, and the opening lacking a meeting word or
    a security word, rule 1 says ``unrelated`` whatever countries the page names. Most pages of a crawl are
    such pages, and reading their countries was about half of the events layer's CPU."""
    doc = screened.doc
    if not doc.text.strip():
        return TopicDecision("unrelated", [_EMPTY])
    if screened.may_name_series or screened.generic_names:
        return None
    meeting, security = _meeting_and_security(doc.text[: doc.second_end], screened.english)
    if meeting is None or security is None:
        return TopicDecision("unrelated", [_NOTHING_NAMED])
    return None


def classify_topic(title: str | None, paragraphs: list[str], registry: DialogueRegistry) -> TopicDecision:
    """Classify a page from its title and clean body paragraphs (junk entries are skipped; an empty text
    is ``unrelated`` with a reason). A page that also needs event facts: ``analyse_text`` once, then
    ``classify_analysed`` and ``facts_of_analysed``."""
    return classify_analysed(analyse_text(title, paragraphs, registry))


def classify_analysed(text: AnalysedText) -> TopicDecision:
    """The topic of an analysed page (see the module docstring for the rules)."""
    doc = text.doc
    if not doc.text.strip():
        return TopicDecision("unrelated", [_EMPTY])
    reasons: list[str] = []
    mentions = list(text.mentions)
    if mentions:
        names = sorted({m.series.name for m in mentions})
        reasons.append(f"names registry series: {', '.join(names[:3])}")
    generic = list(text.generic_names)
    if not mentions and generic:
        reasons.append(f"names a dialogue-like format: {generic[0].text!r}")
    lead_text = doc.text[: doc.lead_end]
    # Headline and the first two paragraphs: wire leads often name the meeting only in the second.
    opening = doc.text[: doc.second_end]
    opening_countries = text.opening_countries
    opening_named = {m.code for m in opening_countries}  # capitals included
    lead_parties = {m.code for m in opening_countries if m.kind != "capital"}
    all_parties = {m.code for m in text.countries if m.kind != "capital"}
    meeting_in_lead, security = _meeting_and_security(opening, text.english)
    lookalike = _NOT_BILATERAL.search(opening)
    if not text.english:  # the same question in the page's own language (meeting_words.json)
        lookalike = lookalike or lookalike_word(opening)
    described = len(lead_parties) >= 2 and meeting_in_lead is not None and security is not None
    if not mentions and not generic and not described:
        reasons.append(_NOTHING_NAMED)
        return TopicDecision("unrelated", reasons)
    if not mentions and generic and len(all_parties) < 2 and security is None:
        reasons.append("the dialogue-like words have no two parties and no security context")
        return TopicDecision("unrelated", reasons)
    if not mentions and generic and len(opening_named) < 2:
        # "Delhi High Court holds strategic dialogue with bar bodies", a firm's "Security Dialogue" webinar:
        # a bilateral dialogue's report names both governments in its headline or lead.
        reasons.append("the dialogue-like words come with fewer than two countries in the headline and lead")
        return TopicDecision("unrelated", reasons)
    not_bilateral = lookalike
    if mentions and not_bilateral is not None:
        # At a Quad meeting or an ASEAN forum, a bare "2+2" or "Defence Ministers' Meeting" whose pair the
        # headline and lead never name is someone else's format mentioned in passing.
        mentions = [m for m in mentions if m.pair_in_text or set(m.series.countries or ()) <= opening_named]
        if not mentions and not generic:
            reasons.append(f"the lead is about {not_bilateral.group(0)!r} and names no bilateral format of its own")
            return TopicDecision("unrelated", reasons)
    paired_generic = [g for g in generic if g.start < doc.second_end and pair_from_name(g.text) is not None]
    if not mentions and not_bilateral is not None and not paired_generic:
        # A summit, a phone call or a multilateral meeting with no named bilateral format (a format with its
        # pair in its name is one: "the Türkiye-U.S. Strategic Mechanism ... as NATO Allies").
        reasons.append(f"no bilateral format named; the lead is about {not_bilateral.group(0)!r}")
        return TopicDecision("unrelated", reasons)
    if not mentions and not generic:
        reasons.append(
            f"the lead describes {', '.join(sorted(lead_parties))} meeting ({meeting_in_lead.group(0) if meeting_in_lead else ''!r}) "
            f"on security ({security.group(0) if security else ''!r})"
        )
    title_text = doc.text[: doc.title_end]
    cue = (
        _OTHER_CUES.search(lead_text)
        or _QUESTION_HEADING.search(opening)
        or _NOT_A_ROUND.search(doc.text)
        or _OPINION_TITLE.search(title_text)
        or _opening_definition(doc.text)
        or (_CALLED_OFF.search(title_text) if not _RESCHEDULED.search(opening) else None)
    )
    if cue is not None:
        reasons.append(f"headline/lead is about the dialogue, not a round ({cue.group(0).strip()!r})")
        return TopicDecision("dialogue_other", reasons)
    reasons.append("no explainer/establishment cue: taken as about one round")
    return TopicDecision("dialogue_event", reasons)
