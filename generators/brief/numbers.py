"""Quantities in a brief: counts, shares, money, durations, with ranges and bounds.

Forms read: "5,000", "5k", "1.2M", "two and a half million", "a million", "a dozen"; "40%",
"forty percent", "half", "a third"; "4 percentage points"; "$50k", "$1.2M", "50,000 dollars";
"60-day", "six weeks", "4 hours"; "3x"; ranges "35 to 54", "$75-150k", "between $20k and $100k";
bounds "under 30", "over 65", "65+", "five or more". Number words go through ``text2num``.
Shares and points are fractions (40% -> 0.4); durations are days, or hours for hour units.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from text_to_num import text2num

from generators.brief.text import Doc
from generators.brief.vocabulary import Vocabulary

MAX_NUMBER_WORDS = 8
HOUR = 1 / 24


@dataclass(frozen=True)
class Quantity:
    """Tokens ``first``..``last`` (exclusive) meaning ``value`` (``high`` too for a range).

    ``unit``: number, share, points, money, days, hours or times. ``bound``: "min" for at least,
    "max" for at most; ``inclusive`` says whether the bound itself is allowed.
    """

    first: int
    last: int
    value: float
    unit: str = "number"
    high: float | None = None
    bound: str | None = None
    inclusive: bool = True
    scaled: bool = False  # a scale word or suffix was applied (5k, 2 million)

    @property
    def is_range(self) -> bool:
        return self.high is not None

    @property
    def integer(self) -> bool:
        return float(self.value).is_integer() and (
            self.high is None or float(self.high).is_integer()
        )


def _digits(text: str) -> float | None:
    """A digit token: commas as thousands separators (groups of three), a dot as decimal point."""
    parts = text.split(",")
    if len(parts) > 1 and not all(len(p) == 3 for p in parts[1:]):
        return None
    try:
        return float("".join(parts))
    except ValueError:
        return None


class Reader:
    """Finds every quantity of a Doc, skipping tokens in ``taken`` (e.g. dates)."""

    def __init__(self, doc: Doc, vocab: Vocabulary, taken: set[int]):
        self.doc = doc
        self.vocab = vocab
        self.taken = taken
        g = vocab.grammar
        self.scales = {str(k): float(v) for k, v in g["scales"].items()}
        self.scales["hundred"] = 100.0
        self.fractions = {vocab.words(str(k)): float(v) for k, v in g["fractions"].items()}
        self.percent = vocab.phrases("percent")
        self.points = vocab.phrases("points")
        self.money_before = vocab.phrases("money_before")
        self.money_after = vocab.phrases("money_after")
        self.durations = {str(k): float(v) for k, v in g["durations"].items()}
        self.times = vocab.phrases("times")
        self.at_most_before = vocab.phrases("at_most_before")
        self.at_least_before = vocab.phrases("at_least_before")
        self.at_least_after = vocab.phrases("at_least_after")
        self.at_most_after = vocab.phrases("at_most_after")
        self.joiners = vocab.phrases("range_joiners")
        self.dozen = vocab.phrases("dozen")

    # ------------------------------------------------------------ helpers

    def _free(self, i: int) -> bool:
        return 0 <= i < len(self.doc.tokens) and i not in self.taken

    def _match(self, i: int, phrases: set[tuple[str, ...]]) -> int:
        """Length of the longest phrase of ``phrases`` starting at token ``i`` (0 if none)."""
        best = 0
        for phrase in phrases:
            n = len(phrase)
            free = n > best and all(self._free(i + k) for k in range(n))
            if free and self.doc.words(i, i + n) == phrase:
                best = n
        return best

    def _match_before(self, i: int, phrases: set[tuple[str, ...]]) -> int:
        """Length of the longest phrase of ``phrases`` ending just before token ``i``."""
        best = 0
        for phrase in phrases:
            n = len(phrase)
            free = n > best and i - n >= 0 and all(self._free(i - n + k) for k in range(n))
            if free and self.doc.words(i - n, i) == phrase:
                best = n
        return best

    # ------------------------------------------------------------ bare numbers

    def _number(self, i: int) -> tuple[float, int, bool] | None:
        """(value, end, scaled) of the number starting at token ``i``, before any unit."""
        doc = self.doc
        if not self._free(i):
            return None
        token = doc.tokens[i]
        if token.kind == "number":
            value = _digits(token.text)
            if value is None:
                return None
            end = i + 1
            scaled = False
            scale = self.scales.get(doc.text_at(end)) if self._free(end) else None
            if scale and (
                doc.adjacent(end)
                or doc.text_at(end) in ("thousand", "million", "billion", "hundred")
            ):
                value, end, scaled = value * scale, end + 1, True
            return value, end, scaled
        if token.kind != "word":
            return None
        fraction = self._fraction(i)
        if fraction is not None:
            return fraction
        if token.text in ("a", "an") and self._free(i + 1):
            following = doc.text_at(i + 1)
            if following in ("thousand", "million", "billion", "hundred"):
                return self.scales[following], i + 2, True
            if (following,) in self.dozen:
                return 12.0, i + 2, False
        if (token.text,) in self.dozen:
            return 12.0, i + 1, False
        return self._number_words(i)

    def _number_words(self, i: int) -> tuple[float, int, bool] | None:
        doc = self.doc
        try:
            text2num(doc.tokens[i].text, "en")
        except ValueError:
            return None
        best: tuple[float, int, bool] | None = None
        stop = min(len(doc.tokens), i + MAX_NUMBER_WORDS)
        for end in range(i + 1, stop + 1):
            if not self._free(end - 1) or doc.tokens[end - 1].kind != "word":
                break
            try:
                best = (float(text2num(" ".join(doc.words(i, end)), "en")), end, False)
            except ValueError:
                continue
        if best is None or doc.words(i, best[1])[-1] == "and":
            return None
        value, end, _ = best
        # "two and a half million"
        if doc.words(end, end + 3) == ("and", "a", "half") and all(
            self._free(end + k) for k in range(3)
        ):
            value, end = value + 0.5, end + 3
        scale = self.scales.get(doc.text_at(end)) if self._free(end) else None
        if scale and doc.text_at(end) in ("thousand", "million", "billion"):
            return value * scale, end + 1, True
        return value, end, value >= 1000

    def _fraction(self, i: int) -> tuple[float, int, bool] | None:
        """ "half", "a third", "two thirds", "half a million" (a scale after a fraction)."""
        doc = self.doc
        start = i + 1 if doc.text_at(i) in ("a", "an", "one") else i
        for phrase, value in sorted(self.fractions.items(), key=lambda kv: -len(kv[0])):
            n = len(phrase)
            if (
                all(self._free(start + k) for k in range(n))
                and doc.words(start, start + n) == phrase
            ):
                end = start + n
                if (*phrase, doc.text_at(end)) in self.vocab.index:
                    return None  # "half life" is a phrase of its own
                if doc.text_at(end) == "a" and doc.text_at(end + 1) in ("million", "thousand"):
                    return value * self.scales[doc.text_at(end + 1)], end + 2, True
                return value, end, False
        return None

    # ------------------------------------------------------------ units, ranges, bounds

    def _unit(self, i: int, value: float, end: int) -> tuple[float, str, int]:
        """The quantity's unit from the words after it (and a currency sign before ``i``)."""
        doc = self.doc
        n = self._match(end, self.points)
        if n and not (
            doc.text_at(end) == "point"
            and doc.tokens[end].kind == "word"
            and end + 1 < len(doc.tokens)
            and doc.tokens[end + 1].kind == "number"
        ):
            return value / 100, "points", end + n
        n = self._match(end, self.percent)
        if n:
            return value / 100, "share", end + n
        n = self._match(end, self.money_after)
        if n:
            return value, "money", end + n
        word = doc.text_at(end) if self._free(end) else ""
        if word in ("year", "years", "yr", "yrs") and doc.text_at(end + 1) in ("old", "olds"):
            word = ""  # "24 year olds" is an age
        if word in self.durations and (doc.tokens[end].kind == "word"):
            factor = self.durations[word]
            if factor < 1:
                return value, "hours", end + 1
            return value * factor, "days", end + 1
        if (word,) in self.times and (doc.adjacent(end) or word == "times"):
            return value, "times", end + 1
        if self._match_before(i, self.money_before):
            return value, "money", end
        return value, "number", end

    def _start(self, i: int) -> int:
        """Index of the currency sign before token ``i``, or ``i``."""
        n = self._match_before(i, self.money_before)
        return i - n if n else i

    def quantity_at(self, i: int) -> Quantity | None:
        """The single quantity (no range, no bound) starting at token ``i``."""
        number = self._number(i)
        if number is None:
            return None
        value, end, scaled = number
        if self._fraction(i) is not None and number[1] == self._fraction(i)[1] and not scaled:
            return Quantity(i, end, value, "share")
        value, unit, end = self._unit(i, value, end)
        return Quantity(self._start(i), end, value, unit, scaled=scaled)

    def _range(self, low: Quantity) -> Quantity:
        """``low`` extended to a range when a joiner and a second quantity follow."""
        doc = self.doc
        end = low.last
        n = self._match(end, self.joiners)
        if not n or (doc.words(end, end + n) == ("and",) and not self._between(low.first)):
            return low
        start = end + n
        start += self._match(start, self.money_before)
        high = self.quantity_at(start)
        if high is None or not doc.same_clause(low.first, high.first):
            return low
        value, unit = low.value, low.unit
        if unit == "number" and high.unit != "number":
            unit = high.unit
            if high.unit in ("share", "points"):
                value /= 100
            elif high.unit == "days" and doc.text_at(high.last - 1) in self.durations:
                value *= self.durations[doc.text_at(high.last - 1)]
        elif unit not in (high.unit, "number") and high.unit != "number":
            return low
        if high.scaled and not low.scaled and value < high.value and value * 1000 <= high.value:
            scale = next(
                (s for s in (1e9, 1e6, 1e3) if high.value >= s and value * s <= high.value), 1.0
            )
            value *= scale
        if value > high.value:
            return low
        first = low.first - (1 if self._between(low.first) else 0)
        return Quantity(first, high.last, value, unit, high=high.value, scaled=high.scaled)

    def _between(self, i: int) -> bool:
        return i > 0 and self.doc.text_at(i - 1) == "between" and self._free(i - 1)

    def _bounded(self, q: Quantity) -> Quantity:
        n = self._match_before(q.first, self.at_most_before)
        if n:
            return replace(
                q, first=q.first - n, bound="max", inclusive=self._inclusive(q.first - n, q.first)
            )
        n = self._match_before(q.first, self.at_least_before)
        if n:
            return replace(
                q, first=q.first - n, bound="min", inclusive=self._inclusive(q.first - n, q.first)
            )
        n = self._match(q.last, self.at_least_after)
        if n:
            return replace(q, last=q.last + n, bound="min", inclusive=True)
        n = self._match(q.last, self.at_most_after)
        if n:
            return replace(q, last=q.last + n, bound="max", inclusive=True)
        return q

    def _inclusive(self, first: int, last: int) -> bool:
        """ "at least", "up to", "no more than" include the bound; "over", "under" do not."""
        words = self.doc.words(first, last)
        return any(
            w in ("least", "most", "up", "no", "not", "min", "minimum", "max", "maximum")
            for w in words
        )

    def read(self) -> list[Quantity]:
        found: list[Quantity] = []
        i = 0
        while i < len(self.doc.tokens):
            q = self.quantity_at(i)
            if q is None:
                i += 1
                continue
            q = self._bounded(self._range(q))
            found.append(q)
            i = q.last
        return found


def quantities(doc: Doc, vocab: Vocabulary, taken: set[int]) -> list[Quantity]:
    """Every quantity in ``doc`` outside the ``taken`` tokens, in text order."""
    return Reader(doc, vocab, taken).read()
