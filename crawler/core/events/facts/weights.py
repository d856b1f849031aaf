"""Every weight, score adjustment and threshold of the event-facts cascade, in one table.

The rules that use them live in the fact modules (``mechanism``, ``round_dates``, ``relation``,
``venue``, ``co_chairs``, ``ordinal``); a change of a figure here is a change of a rule, and the case
table ``tests/cases/event_facts.jsonl`` names the sentence each one is for.
"""

from __future__ import annotations

from typing import Final

# --- parties: who the page is about (mechanism.party_counts) -------------------------------------------
PARTY_IN_TITLE: Final = 3.0  # a country named in the headline counts three times ...
PARTY_IN_LEAD: Final = 2.0  # ... in the first body paragraph twice ...
PARTY_IN_BODY: Final = 1.0  # ... further down once
PARTY_CAPITAL_FACTOR: Final = 0.25  # "Delhi", "Washington": a capital is a quarter of a country name
PARTY_COUNT_SCALE: Final = 4  # counts are kept as integers: weight × 4 (so a body capital counts 1)

# --- registry mention: which named series the page is about (mechanism.choose_mention) ------------------
MENTION_IN_TITLE: Final = 3.0  # "India, US hold Homeland Security Dialogue"
MENTION_IN_LEAD: Final = 2.0  # named in the first paragraph
MENTION_PAIR_WRITTEN: Final = 1.0  # "India-US Homeland Security Dialogue": the pair written in front
MENTION_AFTER_OTHER_ROUND: Final = -2.0  # "the previous round of the X was held in ..."
MENTION_COMPARED_EVENT: Final = -2.0  # "The talks came a day after Austin and Kim held their annual SCM"
MENTION_AFTER_PREPOSITION: Final = -3.0  # "security talks after AUSMIN": the meeting before this one
MENTION_PER_TOP_PARTY: Final = 0.5  # per country of the series among the page's two main parties

# --- dialogue-like name the registry does not know (mechanism.choose_generic) ---------------------------
GENERIC_IN_TITLE: Final = 2.0  # "India-Bhutan Border Management Meeting" in the headline
GENERIC_IN_LEAD: Final = 1.5  # ... in the first paragraph
GENERIC_CAPITALISED: Final = 1.0  # a proper name ("Strategic Dialogue"), not a description ("security talks")
GENERIC_PAIR_IN_NAME: Final = 1.0  # the pair written in the name ("India-Bhutan ...")
GENERIC_HEAD_WORD: Final = 0.5  # the name says dialogue / talks / consultations / 2+2

# --- a registry series of the pair inferred from the words used (mechanism.infer_from_pair) -------------
INFER_MIN_WORD_LENGTH: Final = 4  # distinctive name words are four letters or longer
INFER_MIN_OVERLAP: Final = 0.5  # at least half of a series' distinctive words must appear in the text

# --- a round described without a name (mechanism.described_round) ---------------------------------------
DESCRIBED_ROUND_MAX_PARAGRAPH: Final = 1  # "the 18th ... meeting" is read in the headline and first two paragraphs
UNNAMED_SECURITY_SLUG: Final = "security-talks"  # one slug for every copy of the round: the key stays the same

# --- round dates (round_dates.date_candidates) -----------------------------------------------------------
DATE_STRENGTH: Final = {"range": 3.0, "date": 3.0, "weekday": 2.0, "relative": 2.0}  # explicit beats "Wednesday"
DATE_STRENGTH_OTHER: Final = 1.0  # a kind not listed above
DATE_UNDER_WAY: Final = 1.5  # "the dialogue got underway here", no date: the reference day (a weekday or date beats it)
DATE_AFTER_REPORTING_VERB: Final = -1.5  # "officials said Monday": when it was said
DATE_WINDOW_BEFORE_DAYS: Final = -40  # a date more than 40 days before the reference is another round's
DATE_WINDOW_AFTER_DAYS: Final = 120  # ... or more than 120 days after it
DATE_MONTH_HINT_WINDOW_DAYS: Final = 45  # no page date, a "/2025/06/" address: a date within 45 days of mid-June
DATE_PAST_TEXT_MAX_AHEAD_DAYS: Final = 1  # past-tense text: a single date > 1 day after the reference is not this round
DATE_PREVIEW_IN_PAST: Final = -1.0  # a preview's round lies ahead; a past date is something else
DATE_IN_HEADLINE: Final = -0.5  # headlines are terse; a body date is better evidence
DATE_SERIES_NAMED: Final = 0.75  # the sentence names the dialogue itself
DATE_LATE_UNNAMED: Final = -1.0  # a meeting sentence after the opening that does not name the round: often another one
DATE_SIDE_ENGAGEMENT: Final = -1.5  # "X will also attend ... on November 19" (series not named): another engagement
DATE_TRAVEL: Final = -1.0  # "arrived in Delhi on Monday" (not "for"/"to attend"): the trip, not the talks
DATE_OTHER_ORDINAL_CHARS: Final = 120  # "the inaugural meeting of the ... was held on <date>": an ordinal this close before
# a date names the round it belongs to (round_dates.date_candidates, ordinal.last_round_ordinal)
DATE_ANY_SENTENCE_PARAGRAPHS: Final = 2  # paragraphs 0-2 are about the round; later ones must say "meeting"

# --- relation and tense (tense.is_future, relation.decide_relation) -------------------------------------
STANDFIRST_MAX_CHARS: Final = 200  # a one-sentence first paragraph this short is a standfirst
FOLLOWUP_MIN_DAYS: Final = 2  # a page dated 2+ days after the round, citing a joint statement, follows it up
FOLLOWUP_STATEMENT_MIN_DAYS: Final = 1  # ... 1 day is enough for the statement itself (time zones)
FOLLOWUP_MAX_GAP_DAYS: Final = 7  # "n days after the talks" is read for n ≤ 7
TRANSCRIPT_MIN_TURNS: Final = 2  # two "SECRETARY BLINKEN: ..." turns make the page a transcript (relation.record_day)
FOLLOWUP_DOCUMENT_MAX_CHARS: Final = 1200  # "Joint Statement ..." opening a paragraph this near the top (behind boilerplate)
LATER_PUBLICATION_MAX_CHARS: Final = 300  # "Page 366 - 2018 Defense White Paper": the reprinting yearbook heads the page

# --- co-chairs (co_chairs.co_chairs) ---------------------------------------------------------------------
CHAIR_MAX_PARAGRAPH: Final = 3  # co-chairs are named in the headline and first four paragraphs
CHAIR_MIN_NAME_CHARS: Final = 4  # "Jo Li" is a name, "Al" is not
CHAIR_MAX_TITLE_CHARS: Final = 90  # "Name, the ... Secretary ..." titles longer than this are prose
CHAIR_MAX_COUNT: Final = 6  # at most six delegation leaders

# --- round ordinal (ordinal.round_ordinal) ---------------------------------------------------------------
ORDINAL_MAX_PARAGRAPH: Final = 2  # the ordinal is read from the headline and first three paragraphs
ORDINAL_NEAR_SERIES_CHARS: Final = 60  # "the 12th ... <series name>": the ordinal is this close before the name
ORDINAL_MAX: Final = 200  # "200th" is not a round number

# --- venue (venue.find_venue) ----------------------------------------------------------------------------
VENUE_VIRTUAL_MAX_PARAGRAPH: Final = 1  # a video-conference cue counts in the headline and first two paragraphs
VENUE_ANY_SENTENCE_PARAGRAPHS: Final = 2  # paragraphs 0-2 are about the round; later ones must say "meeting"
VENUE_AFTER_MEETING_MAX_PARAGRAPH: Final = 1  # an unknown city "held in X" counts in the first two paragraphs

# A date more than this far from the reference is not this round's (kept for callers that re-check).
