"""The shared state of one reading: the brief's entities, what is used, and the claims so far.

Readers run in a fixed order (``interpret.READERS``); each takes the entities it understands,
marks them used (so a later reader never reads the same words twice) and adds claims.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from generators.brief.claims import Claims
from generators.brief.dates import DateSpan, dates
from generators.brief.mentions import Mention, mentions
from generators.brief.numbers import Quantity, quantities
from generators.brief.text import Doc
from generators.brief.vocabulary import Vocabulary

CLAUSE_GAP = 3  # words allowed between a share and the label it belongs to


@dataclass(frozen=True)
class Unsupported:
    """Words asking for something the spec cannot express, and why."""

    phrase: str
    reason: str


@dataclass
class Context:
    doc: Doc
    vocab: Vocabulary
    base: dict[str, Any]  # the spec the brief edits (canonical form)
    defaults: dict[str, Any]  # the default spec (proportions of weights come from it)
    reference_year: int
    dates: list[DateSpan] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    claims: Claims = field(default_factory=Claims)
    unsupported: list[Unsupported] = field(default_factory=list)
    defined_segments: list[str] = field(default_factory=list)
    window_days: tuple[int, Any] | None = None  # a window length and its tokens (measures)
    used_dates: set[int] = field(default_factory=set)
    used_quantities: set[int] = field(default_factory=set)
    used_mentions: set[int] = field(default_factory=set)

    @classmethod
    def read(cls, text: str, vocab: Vocabulary, base: dict, defaults: dict, year: int) -> Context:
        doc = Doc.parse(text, vocab.abbreviations)
        ctx = cls(doc, vocab, base, defaults, year)
        ctx.dates = dates(doc, vocab, year)
        in_dates = {i for d in ctx.dates for i in range(d.first, d.last)}
        ctx.quantities = quantities(doc, vocab, in_dates)
        in_numbers = in_dates | {i for q in ctx.quantities for i in range(q.first, q.last)}
        ctx.mentions = mentions(doc, vocab, in_numbers)
        return ctx

    # ------------------------------------------------------------ using entities

    def use(self, item: DateSpan | Quantity | Mention) -> None:
        if isinstance(item, DateSpan):
            self.used_dates.add(id(item))
        elif isinstance(item, Quantity):
            self.used_quantities.add(id(item))
        else:
            self.used_mentions.add(id(item))
        self.doc.use(item.first, item.last)

    def free_dates(self) -> list[DateSpan]:
        return [d for d in self.dates if id(d) not in self.used_dates]

    def free_quantities(self) -> list[Quantity]:
        return [q for q in self.quantities if id(q) not in self.used_quantities]

    def free_mentions(self, kind: str | None = None) -> list[Mention]:
        return [
            m
            for m in self.mentions
            if id(m) not in self.used_mentions and (kind is None or m.has(kind))
        ]

    # ------------------------------------------------------------ looking around

    def words_near(self, first: int, last: int, scope: str = "clause") -> set[str]:
        """Normalised words of the clause (or sentence) around tokens ``first``..``last``."""
        span = self.doc.clause_range(first) if scope == "clause" else self.doc.sentence_range(first)
        return {self.doc.tokens[i].text for i in span}

    def phrases_near(
        self, first: int, phrases: set[tuple[str, ...]], scope: str = "clause"
    ) -> bool:
        span = self.doc.clause_range(first) if scope == "clause" else self.doc.sentence_range(first)
        words = [self.doc.tokens[i].text for i in span]
        for phrase in phrases:
            n = len(phrase)
            if any(tuple(words[k : k + n]) == phrase for k in range(len(words) - n + 1)):
                return True
        return False

    def gap(self, a_last: int, b_first: int) -> list[str]:
        """Words strictly between two entities (``a`` ends at ``a_last``, ``b`` starts at
        ``b_first``)."""
        return [self.doc.tokens[i].text for i in range(a_last, b_first)]

    def phrase(self, tokens) -> str:
        """The brief's words for token ranges, adjacent ones joined into one stretch of text."""
        spans = sorted({tuple(t) for t in tokens})
        if not spans:
            return ""
        merged: list[list[int]] = [list(spans[0])]
        for first, last in spans[1:]:
            previous = merged[-1]
            between = self.gap(previous[1], first)
            glue = all(w in self.vocab.fillers or w in (",", "/", "&", "-") for w in between)
            same = self.doc.tokens[previous[0]].sentence == self.doc.tokens[first].sentence
            if first <= previous[1] or (glue and len(between) <= 3 and same):
                previous[1] = max(previous[1], last)
            else:
                merged.append([first, last])
        return " … ".join(self.doc.phrase(a, b) for a, b in merged)
