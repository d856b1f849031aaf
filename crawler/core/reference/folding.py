"""The lookup key every place and country-name table is compared by."""

from __future__ import annotations

import functools
import re
import unicodedata

_HINDI_YA_VOWEL = re.compile("(?<=[\u0915-\u0939\u093e-\u094c])य([\u0940\u0947])")
_HINDI_VOWEL = {"\u0940": "\u0908", "\u0947": "\u090f"}  # यी → ई, ये → ए


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lookup key: accents stripped, case folded, inner whitespace collapsed, edge dots removed.

    Devanagari chandrabindu and anusvara are folded together (spellings of one name use either).
    Memoised: the gazetteer index folds ~390,000 names once, lookups fold the same city names again.
    """
    if text.isascii():  # NFKD leaves ASCII unchanged and it has no combining marks: same result, cheaper
        return " ".join(text.casefold().split()).strip(" .")
    text = text.replace("\u0901", "\u0902")
    # Hindi spells a vowel after a vowel with or without "य": नयी/नई (New Delhi), गये/गए; both fold to the vowel.
    text = _HINDI_YA_VOWEL.sub(lambda m: _HINDI_VOWEL[m.group(1)], text)
    decomposed = unicodedata.normalize("NFKD", text)
    # Drop combining marks only for Latin-based letters; other scripts need theirs.
    kept = [
        ch
        for i, ch in enumerate(decomposed)
        if not (unicodedata.combining(ch) and i > 0 and decomposed[i - 1].isascii())
    ]
    return " ".join("".join(kept).casefold().split()).strip(" .")
