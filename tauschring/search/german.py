"""German words for the search: split, lower-cased and stemmed with the Snowball
German stemmer ("Gärten" and "Garten" both become "gart", "Fahrräder" and
"Fahrrad" "fahrrad"), as PostgreSQL's `german` text-search configuration does."""

from __future__ import annotations

import re
import threading

import snowballstemmer

WORD = re.compile(r"\w+")
MAX_WORDS = 10
MAX_WORD_LENGTH = 60
_local = threading.local()  # a stemmer keeps state between calls: one per thread


def _stemmer():
    if not hasattr(_local, "stemmer"):
        _local.stemmer = snowballstemmer.stemmer("german")
    return _local.stemmer


def words(text: str | None) -> list[str]:
    """The words of a text, lower-cased (letters and digits; no punctuation)."""
    return [word for word in WORD.findall((text or "").lower().replace("_", " "))
            if len(word) <= MAX_WORD_LENGTH]


def stems(text: str | None) -> list[str]:
    return _stemmer().stemWords(words(text))


def stemmed(text: str | None) -> str:
    """What the SQLite index stores for a text: its stems, separated by spaces."""
    return " ".join(stems(text))


def query_words(q: str | None) -> list[str]:
    """The words a search looks for (at most MAX_WORDS)."""
    return words(q)[:MAX_WORDS]
