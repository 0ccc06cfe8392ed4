"""Dates and periods in a brief: days, months, quarters, halves, seasons, holidays, years, ranges.

Forms read: "2026-03-01", "3/1/2026", "March 1", "Feb 1st, 2026", "1st of February", "March
2026", "Q1 2026", "the first quarter of 2026", "the last quarter of 2025", "H2 2025", "summer
2025", "over the holidays", "Black Friday", "in 2025", "July through December 2025", "March 1-21,
2026", "from Jan 15 to Mar 15". A date without a year takes the reference year (the year the
spec's engagement window starts); in a range, a year given at one end applies to the other.
Month names come from ``calendar``; month arithmetic and Thanksgiving from ``dateutil``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date

from dateutil.relativedelta import TH, relativedelta

from generators.brief.text import Doc
from generators.brief.vocabulary import Vocabulary

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
MONTHS["sept"] = 9
AMBIGUOUS_MONTHS = {"may", "march", "mar", "jan", "dec", "sat"}  # also ordinary words
ORDINALS = {"st", "nd", "rd", "th"}
JOINERS = {"to", "through", "thru", "until", "till", "-", "and", "into"}


@dataclass(frozen=True)
class DateSpan:
    """Tokens ``first``..``last`` (exclusive) naming the days ``start``..``end`` (inclusive).

    ``day``: a single calendar day was given (not a month or a period). ``year``: the year was
    written (else the reference year was assumed).
    """

    first: int
    last: int
    start: date
    end: date
    day: bool
    year: bool

    def with_year(self, year: int) -> DateSpan:
        shift = year - self.start.year
        return replace(
            self,
            start=self.start + relativedelta(years=shift),
            end=self.end + relativedelta(years=shift),
        )


def month_end(year: int, month: int) -> date:
    return date(year, month, 1) + relativedelta(day=31)


def thanksgiving(year: int) -> date:
    """US Thanksgiving: the fourth Thursday of November."""
    return date(year, 11, 1) + relativedelta(weekday=TH(+4))


class Reader:
    def __init__(self, doc: Doc, vocab: Vocabulary, reference_year: int):
        self.doc = doc
        self.year = reference_year
        dates = vocab.data["dates"]
        self.periods = {vocab.words(str(k)): tuple(v) for k, v in dates["periods"].items()}
        self.holidays = [({vocab.words(n) for n in h["names"]}, h) for h in dates["holidays"]]
        self.whole_year = {vocab.words(str(p)) for p in dates["whole_year"]}

    # ------------------------------------------------------------ pieces

    def _int(self, i: int) -> int | None:
        token = self.doc.tokens[i] if i < len(self.doc.tokens) else None
        if token is None or token.kind != "number" or not token.text.isdigit():
            return None
        return int(token.text)

    def _year(self, i: int) -> int | None:
        value = self._int(i)
        if value is not None and 1990 <= value <= 2100 and len(self.doc.tokens[i].text) == 4:
            return value
        return None

    def _month(self, i: int) -> int | None:
        if i >= len(self.doc.tokens):
            return None
        token = self.doc.tokens[i]
        month = MONTHS.get(token.text)
        if month is None or token.kind != "word":
            return None
        if token.text in AMBIGUOUS_MONTHS and not token.capitalised:
            following = self._int(i + 1)
            if following is None:
                return None
        return month

    def _day(self, i: int) -> tuple[int, int] | None:
        """(day of month, end) for "21", "21st"."""
        value = self._int(i)
        if value is None or not 1 <= value <= 31 or len(self.doc.tokens[i].text) > 2:
            return None
        end = i + 1
        if self.doc.text_at(end) in ORDINALS and self.doc.adjacent(end):
            end += 1
        return value, end

    def _optional_year(self, i: int) -> tuple[int | None, int]:
        """A year at ``i`` (after an optional comma or "of"), and where the span ends."""
        j = i + 1 if self.doc.text_at(i) in (",", "of") else i
        year = self._year(j)
        return (year, j + 1) if year is not None else (None, i)

    def _make(self, first: int, last: int, y: int | None, m: int, d: int | None) -> DateSpan | None:
        year = y if y is not None else self.year
        try:
            start = date(year, m, d or 1)
        except ValueError:
            return None
        end = start if d else month_end(year, m)
        return DateSpan(first, last, start, end, d is not None, y is not None)

    def _period(self, first: int, last: int, y: int | None, months: tuple[int, int]) -> DateSpan:
        year = y if y is not None else self.year
        a, b = months
        start_year = year - 1 if a > b else year  # winter: December of the year before
        return DateSpan(
            first, last, date(start_year, a, 1), month_end(year, b), False, y is not None
        )

    # ------------------------------------------------------------ one date or period

    def single(self, i: int) -> DateSpan | None:
        doc = self.doc
        tokens = doc.tokens
        # ISO 2026-03-01 and US 3/1/2026
        year = self._year(i)
        if (
            year is not None
            and doc.words(i + 1, i + 2) == ("-",)
            and doc.words(i + 3, i + 4) == ("-",)
        ):
            m, d = self._int(i + 2), self._int(i + 4)
            if m and d and all(doc.adjacent(k) for k in range(i + 1, i + 5)):
                return self._make(i, i + 5, year, m, d)
        first = self._int(i)
        if (
            first
            and doc.words(i + 1, i + 2) == ("/",)
            and doc.adjacent(i + 1)
            and doc.adjacent(i + 2)
        ):
            second = self._int(i + 2)
            if second and doc.words(i + 3, i + 4) == ("/",) and doc.adjacent(i + 3):
                y = self._int(i + 4)
                if y is not None:
                    y = y + 2000 if y < 100 else y
                    return self._make(i, i + 5, y, first, second)
        # periods: Q1 2026, the first quarter of 2026, H2, summer 2025
        for phrase, months in sorted(self.periods.items(), key=lambda kv: -len(kv[0])):
            n = len(phrase)
            if doc.words(i, i + n) == phrase:
                y, end = self._optional_year(i + n)
                return self._period(i, end, y, months)
        for names, holiday in self.holidays:
            for name in sorted(names, key=len, reverse=True):
                if doc.words(i, i + len(name)) == name:
                    y, end = self._optional_year(i + len(name))
                    return self._holiday(i, end, y, holiday)
        # March 1(st)(, 2026) | March(, 2026)
        month = self._month(i)
        if month is not None:
            j = i + 1
            if doc.text_at(j) == "." and doc.adjacent(j):
                j += 1
            day = self._day(j)
            if day is not None:
                d, end = day
                y, end = self._optional_year(end)
                return self._make(i, end, y, month, d)
            y, end = self._optional_year(j)
            return self._make(i, end, y, month, None)
        # 1st (of) March (2026)
        day = self._day(i)
        if day is not None and tokens[i].kind == "number":
            d, end = day
            if doc.text_at(end) == "of":
                end += 1
            month = self._month(end)
            if month is not None:
                y, last = self._optional_year(end + 1)
                return self._make(i, last, y, month, d)
        # a whole year: "in 2025", "all of 2025", "full year 2025"
        if year is not None:
            for phrase in self.whole_year:
                n = len(phrase)
                if i - n >= 0 and doc.words(i - n, i) == phrase:
                    return DateSpan(i - n, i + 1, date(year, 1, 1), date(year, 12, 31), False, True)
        return None

    def _holiday(self, first: int, last: int, y: int | None, holiday: dict) -> DateSpan:
        year = y if y is not None else self.year
        if "thanksgiving_offsets" in holiday:
            a, b = holiday["thanksgiving_offsets"]
            day = thanksgiving(year)
            start, end = day + relativedelta(days=a), day + relativedelta(days=b)
        else:
            start = date(year, *holiday["from"])
            end = date(year, *holiday["to"])
        return DateSpan(first, last, start, end, start == end, y is not None)

    # ------------------------------------------------------------ ranges

    def _joined(self, a: DateSpan) -> DateSpan:
        """``a`` extended to a range when a joiner and a second date follow."""
        doc = self.doc
        joiner = doc.text_at(a.last)
        if joiner not in JOINERS:
            return a
        if joiner == "and" and doc.text_at(a.first - 1) != "between":
            return a
        b = self.single(a.last + 1)
        if b is None and a.day:  # "March 1-21, 2026": a second day of the same month
            day = self._day(a.last + 1)
            if day is not None:
                d, end = day
                y, end = self._optional_year(end)
                b = self._make(
                    a.last + 1,
                    end,
                    y if y is not None else (a.start.year if a.year else None),
                    a.start.month,
                    d,
                )
        if b is None:
            return a
        if b.year and not a.year:
            a = a.with_year(b.start.year)
            if a.start > b.end:
                a = a.with_year(b.start.year - 1)
        elif a.year and not b.year:
            b = b.with_year(a.start.year)
            if b.end < a.start:
                b = b.with_year(a.start.year + 1)
        elif not a.year and not b.year and b.end < a.start:
            b = b.with_year(a.start.year + 1)
        first = a.first - 1 if doc.text_at(a.first - 1) in ("between", "from") else a.first
        return DateSpan(first, b.last, a.start, b.end, False, a.year or b.year)

    def read(self) -> list[DateSpan]:
        found: list[DateSpan] = []
        i = 0
        while i < len(self.doc.tokens):
            span = self.single(i)
            if span is None:
                i += 1
                continue
            span = self._joined(span)
            found.append(span)
            i = span.last
        return found


def dates(doc: Doc, vocab: Vocabulary, reference_year: int) -> list[DateSpan]:
    """Every date or period in ``doc``, in text order."""
    return Reader(doc, vocab, reference_year).read()
