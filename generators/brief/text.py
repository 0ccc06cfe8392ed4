"""A brief as tokens that remember where they came from, grouped in clauses and sentences.

Matching works on a normalised copy of the text (lower case, typographic quotes and dashes made
ASCII, abbreviations such as "D.C." spelled out, hyphens between words read as spaces); every
token keeps its offsets in the original text, so a phrase is always shown as the user typed it.
Clauses end at , ; : . ! ? ( ) and line breaks; sentences at ; . ! ? and line breaks (a dot
inside a number or a dotted name does not end anything).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TOKEN = re.compile(
    r"(?P<number>\d+(?:[.,]\d+)*)|(?P<word>[a-z_][a-z0-9_]*(?:'[a-z]+)?)|(?P<symbol>\S)"
)
CLAUSE_BREAKS = set(",;:.!?()[]")
SENTENCE_BREAKS = set(";.!?")
TYPOGRAPHY = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "−": "-"})


@dataclass(frozen=True)
class Token:
    """One token: ``text`` normalised (a possessive 's dropped), ``raw`` as typed."""

    text: str
    raw: str
    start: int
    end: int
    kind: str  # number | word | symbol
    clause: int
    sentence: int

    @property
    def capitalised(self) -> bool:
        return self.raw[:1].isupper()


def _normalise(text: str, abbreviations: dict[str, str]) -> tuple[str, list[int]]:
    """The matching copy of ``text`` and, per character of it, its offset in ``text``."""
    chars: list[str] = []
    origin: list[int] = []
    lowered = text.translate(TYPOGRAPHY)
    starts = {short[0] for short in abbreviations}
    i = 0
    while i < len(lowered):
        replaced = False
        for short, long in abbreviations.items() if lowered[i].lower() in starts else ():
            end = i + len(short)
            if lowered[i:end].lower() == short and not (
                end < len(lowered) and lowered[end].isalnum()
            ):
                before_ok = i == 0 or not lowered[i - 1].isalnum()
                if before_ok:
                    chars.extend(long)
                    origin.extend([i] * len(long))
                    i = end
                    replaced = True
                    break
        if replaced:
            continue
        c = lowered[i]
        low = c.lower()
        if len(low) != 1:
            low = c
        if (
            c == "-"
            and 0 < i < len(lowered) - 1
            and lowered[i + 1].isalpha()
            and lowered[i - 1].isalnum()
        ):
            low = " "  # "mobile-first", "60-day": hyphens before a letter separate words
        chars.append(low)
        origin.append(i)
        i += 1
    origin.append(len(text))
    return "".join(chars), origin


@dataclass
class Doc:
    """The tokens of a brief and which of them the reading used."""

    text: str
    tokens: list[Token] = field(default_factory=list)
    used: set[int] = field(default_factory=set)

    @classmethod
    def parse(cls, text: str, abbreviations: dict[str, str]) -> Doc:
        norm, origin = _normalise(text, abbreviations)
        tokens: list[Token] = []
        clause = sentence = 0
        last_end = 0
        pending_break = None
        for match in TOKEN.finditer(norm):
            start, end = origin[match.start()], origin[match.end()]
            gap = text[last_end:start]
            if "\n" in gap or pending_break == "sentence":
                clause, sentence = clause + 1, sentence + 1
            elif pending_break == "clause":
                clause += 1
            pending_break = None
            kind = match.lastgroup or "symbol"
            value = match.group()
            if kind == "symbol" and value in CLAUSE_BREAKS:
                following = norm[match.end() : match.end() + 1]
                if value != "." or not following or following.isspace():
                    pending_break = "sentence" if value in SENTENCE_BREAKS else "clause"
            if kind == "word" and value.endswith("'s"):
                value = value[:-2]
            tokens.append(Token(value, text[start:end], start, end, kind, clause, sentence))
            last_end = end
        return cls(text, tokens)

    def words(self, first: int, last: int) -> tuple[str, ...]:
        return tuple(t.text for t in self.tokens[first:last])

    def phrase(self, first: int, last: int) -> str:
        """The original text of tokens ``first`` up to (not including) ``last``."""
        if first >= last:
            return ""
        return self.text[self.tokens[first].start : self.tokens[last - 1].end]

    def use(self, first: int, last: int) -> None:
        self.used.update(range(first, last))

    def adjacent(self, i: int) -> bool:
        """Whether token ``i`` touches the token before it (no space: "5k", "$50")."""
        return i > 0 and self.tokens[i].start == self.tokens[i - 1].end

    def text_at(self, i: int) -> str:
        return self.tokens[i].text if 0 <= i < len(self.tokens) else ""

    def same_clause(self, i: int, j: int) -> bool:
        return self.tokens[i].clause == self.tokens[j].clause

    def clause_range(self, i: int) -> range:
        """Token indexes of the clause holding token ``i``."""
        clause = self.tokens[i].clause
        return self._group(i, lambda t: t.clause == clause)

    def sentence_range(self, i: int) -> range:
        sentence = self.tokens[i].sentence
        return self._group(i, lambda t: t.sentence == sentence)

    def _group(self, i: int, inside) -> range:
        first = i
        while first > 0 and inside(self.tokens[first - 1]):
            first -= 1
        last = i + 1
        while last < len(self.tokens) and inside(self.tokens[last]):
            last += 1
        return range(first, last)
