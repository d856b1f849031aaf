"""The lookup key every place and country-name table is compared by."""

from __future__ import annotations

import functools
import re
import unicodedata

_HINDI_YA_VOWEL = re.compile("(?<=[\u0915-\u0939\u093e-\u094c])य([\u0940\u0947])")
_HINDI_VOWEL = {"\u0940": "\u0908", "\u0947": "\u090f"}  # यी → ई, ये → ए


# Letters with a stroke, which NFKD does not decompose: Vietnamese "Đà Lạt" is GeoNames' "Ðà Lạt" (an Eth).
_STROKED = str.maketrans({"Đ": "D", "đ": "d", "Ð": "D", "ð": "d"})


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lookup key: accents stripped, case folded, inner whitespace collapsed, edge dots removed.

    Devanagari chandrabindu and anusvara are folded together (spellings of one name use either).
    Memoised: the gazetteer index folds ~390,000 names once, lookups fold the same city names again.
    """
    if text.isascii():  # NFKD leaves ASCII unchanged and it has no combining marks: same result, cheaper
        return " ".join(text.casefold().split()).strip(" .")
    text = text.translate(_STROKED)
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


# --- the script key: spelling variation within one non-Latin script ------------------------------------
# One name is spelled several ways in the same script, and GeoNames keeps one or two of them: Hindi "इंदौर"
# (anusvara) and "इन्दौर" (न + virama), Bengali "নয়াদিল্লি" and "নয়া দিল্লী" (vowel length, a space), Arabic
# "الكويت" and "اَلْكُوَيْت" (short-vowel marks), Urdu "ی"/Arabic "ي", Japanese "ジュネーブ" and "ジュネーヴ",
# Korean "창원" and "창원시" (the administrative suffix). The key drops or merges exactly those differences.
_DROP = dict.fromkeys(map(ord, " -‐'’.·・\u200c\u200d\u0640\u093c\u09bc\u0a3c\u0670"), None)
_DROP.update(dict.fromkeys(range(0x064B, 0x0660), None))  # Arabic harakat, shadda, sukun
_MERGE = str.maketrans({
    # vowel length (Devanagari, Bengali, Tamil: signs and letters)
    "\u0940": "\u093f", "\u0942": "\u0941", "ई": "इ", "ऊ": "उ", "\u0901": "\u0902",
    "\u09c0": "\u09bf", "\u09c2": "\u09c1", "ঈ": "ই", "ঊ": "উ", "\u0981": "\u0982",
    "\u0bc0": "\u0bbf", "\u0bc2": "\u0bcd", "\u0bc1": "\u0bcd", "ஈ": "இ", "ஊ": "உ",
    # Tamil writes Sanskrit sounds with Grantha letters or with its own, breaking a cluster with "u":
    # "ராமேஸ்வரம்" and "இராமேசுவரம்" (Rameswaram) are one name
    "ஜ": "ச", "ஷ": "ச", "ஸ": "ச", "ஹ": "க",
    # Arabic-script letter variants (Arabic, Urdu, Persian spell the same name with their own forms)
    "ي": "ی", "ى": "ی", "ې": "ی", "ے": "ی", "ك": "ک", "ه": "ہ", "ھ": "ہ", "ة": "ہ", "ۀ": "ہ",
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ؤ": "و", "ئ": "ی",
    # katakana: the long-vowel mark, and "v" written with ヴ or with バ-row kana
    "ー": None, "ヴ": "ブ",
})
_KANA_V = re.compile("ブ([ァィェォ])")
_KANA_V_ROW = {"ァ": "バ", "ィ": "ビ", "ェ": "ベ", "ォ": "ボ"}
# A nasal consonant + virama before a consonant is the anusvara ("न्द" = "ंद"), in Devanagari and Bengali.
_NASAL_VIRAMA = re.compile("[ङञणनम]\u094d(?=[\u0915-\u0939])|[ঙঞণনম]\u09cd(?=[\u0995-\u09b9])")
# The administrative suffix of a city's name: Chinese/Japanese 市, Korean 시 (a name keeps two characters).
_CITY_SUFFIX = re.compile("(?<=..)(?:市|시)$")


@functools.lru_cache(maxsize=65536)
def script_key(text: str) -> str:
    """A looser key than :func:`fold` for names outside the Latin script (empty for ASCII and Latin names):
    the variations of one name within its script fold together (see the table above)."""
    folded = fold(text)
    if not folded or all(c.isascii() or "\u00c0" <= c <= "\u024f" or "\u1e00" <= c <= "\u1eff" for c in folded):
        return ""
    key = unicodedata.normalize("NFC", folded)
    key = _NASAL_VIRAMA.sub(lambda m: "\u0902" if m.group(0) < "\u0980" else "\u0982", key)
    key = key.translate(_DROP).translate(_MERGE)
    if key.startswith(("இர", "இல")):  # Tamil puts a vowel before a word-initial r or l: "இராமேசுவரம்"
        key = key[1:]
    key = _KANA_V.sub(lambda m: _KANA_V_ROW[m.group(1)], key)
    return _CITY_SUFFIX.sub("", key)
