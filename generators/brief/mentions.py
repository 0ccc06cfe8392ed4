"""Vocabulary phrases found in a brief, longest first, with misspellings read through rapidfuzz.

A ``Mention`` covers tokens ``first``..``last`` and carries every ``Role`` of its phrase; the
readers decide which role applies (a context word, capitals for a place). A word left over by
the exact pass that is not an English word (pyspellchecker's frequency list: "tables" is a word,
"Texs" is not) and has four letters or more is compared with the vocabulary's phrases of one or
two words by rapidfuzz's optimal string alignment distance (one edit up to six letters, two
beyond; swapped neighbours count once): "Texs" reads as Texas, "Ohoi" as Ohio, "documentries" as
documentaries. The mention then records what it was read as.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from rapidfuzz import process
from rapidfuzz.distance import OSA
from spellchecker import SpellChecker

from generators.brief.text import Doc
from generators.brief.vocabulary import MAX_PHRASE, Role, Vocabulary, vocabulary

FUZZY_MIN_LENGTH = 4
FUZZY_KINDS = {"label", "rate", "concept", "state", "region", "city", "generation", "unsupported"}


@dataclass(frozen=True)
class Mention:
    first: int
    last: int
    roles: tuple[Role, ...]
    read_as: str = ""  # the vocabulary phrase a misspelt word was read as

    def role(self, kind: str) -> Role | None:
        return next((r for r in self.roles if r.kind == kind), None)

    def has(self, kind: str) -> bool:
        return any(r.kind == kind for r in self.roles)


@cache
def _fuzzy_choices() -> dict[str, tuple[Role, ...]]:
    """Phrases of one or two alphabetic words (4+ letters) a misspelling may be read as."""
    choices: dict[str, tuple[Role, ...]] = {}
    for words, roles in vocabulary().index.items():
        text = " ".join(words)
        if len(words) <= 2 and len(text) >= FUZZY_MIN_LENGTH and all(w.isalpha() for w in words):
            kept = tuple(r for r in roles if r.kind in FUZZY_KINDS)
            if kept:
                choices[text] = kept
    return choices


@cache
def _english() -> SpellChecker:
    """pyspellchecker's English word list: a real word ("tables") is never a misspelling."""
    return SpellChecker(language="en", distance=1)


def _max_edits(text: str) -> int:
    """Edits (insertions, deletions, substitutions, swaps of neighbours) a misspelling may have."""
    return 1 if len(text) <= 6 else 2


def mentions(doc: Doc, vocab: Vocabulary, taken: set[int]) -> list[Mention]:
    """Every vocabulary phrase of ``doc`` outside ``taken``, longest match first, in text order."""
    found: list[Mention] = []
    covered: set[int] = set()
    n_tokens = len(doc.tokens)
    i = 0
    while i < n_tokens:
        if i in taken:
            i += 1
            continue
        match = None
        for n in range(min(MAX_PHRASE, n_tokens - i), 0, -1):
            if any(k in taken for k in range(i, i + n)):
                continue
            roles = vocab.index.get(doc.words(i, i + n))
            if roles:
                match = Mention(i, i + n, tuple(roles))
                break
        if match is None:
            i += 1
            continue
        found.append(match)
        covered.update(range(match.first, match.last))
        i = match.last
    found += _fuzzy(doc, vocab, taken | covered)
    return sorted(found, key=lambda m: m.first)


def _fuzzy(doc: Doc, vocab: Vocabulary, skip: set[int]) -> list[Mention]:
    choices = _fuzzy_choices()
    found: list[Mention] = []
    i = 0
    while i < len(doc.tokens):
        if not _candidate(doc, vocab, i, skip):
            i += 1
            continue
        best = None
        if _candidate(doc, vocab, i + 1, skip) and doc.same_clause(i, i + 1):
            best = _closest(" ".join(doc.words(i, i + 2)), choices, 2)
        if best is None:
            best = _closest(doc.tokens[i].text, choices, 1)
        if best is None:
            i += 1
            continue
        phrase, n = best
        found.append(Mention(i, i + n, choices[phrase], read_as=phrase))
        i += n
    return found


def _candidate(doc: Doc, vocab: Vocabulary, i: int, skip: set[int]) -> bool:
    if i >= len(doc.tokens) or i in skip:
        return False
    token = doc.tokens[i]
    return (
        token.kind == "word"
        and token.text.isalpha()
        and len(token.text) >= FUZZY_MIN_LENGTH
        and token.text not in vocab.fillers
        and token.text not in _english()
    )


def _closest(text: str, choices: dict[str, tuple[Role, ...]], words: int) -> tuple[str, int] | None:
    result = process.extractOne(
        text, choices.keys(), scorer=OSA.distance, score_cutoff=_max_edits(text)
    )
    if result is None or result[0].count(" ") + 1 != words:
        return None
    return result[0], words
