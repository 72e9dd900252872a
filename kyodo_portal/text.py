"""Normalisation of Japanese text wherever it is compared or searched."""

import re
import unicodedata

from django.utils.translation import get_language

_WHITESPACE = re.compile(r"\s+")
MAX_SEARCH_TERMS = 8
MAX_TERM_LENGTH = 50


def normalize(text: str | None) -> str:
    """NFKC (full-width ASCII and half-width kana folded), case-folded, whitespace collapsed."""
    if not text:
        return ""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def tidy_line(text: str | None) -> str:
    """Trimmed, with runs of white space made one space; otherwise exactly as typed (for storing names)."""
    if not text:
        return ""
    return _WHITESPACE.sub(" ", text).strip()


def normalize_line(text: str | None) -> str:
    """NFKC and trimmed, case kept: for names and codes that are stored as typed but compared folded."""
    if not text:
        return ""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def search_terms(query: str | None) -> list[str]:
    """Split a search box entry into normalised terms (ideographic spaces count as spaces)."""
    terms: list[str] = []
    # People list words with 、 or a comma as well as with spaces (環境、子育て).
    for term in normalize(query).replace("、", " ").replace(",", " ").split(" "):
        term = term[:MAX_TERM_LENGTH]
        if term and term not in terms:
            terms.append(term)
    return terms[:MAX_SEARCH_TERMS]


def short_grams(text: str) -> str:
    """The distinct one- and two-character substrings of a normalised text, space-separated.

    Trigram indexes cannot serve a one- or two-character query such as 森 or 環境; these grams can.
    """
    grams: dict[str, None] = {}
    for word in text.split(" "):
        for index, char in enumerate(word):
            grams[char] = None
            if index + 1 < len(word):
                grams[word[index : index + 2]] = None
    return " ".join(grams)


def in_japanese() -> bool:
    """Whether the page is being rendered in Japanese (the default language)."""
    return (get_language() or "ja").startswith("ja")


def localized(japanese: str, english: str) -> str:
    """The English text in the English interface where there is one; the Japanese text otherwise."""
    return english if english and not in_japanese() else japanese
