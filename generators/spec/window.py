"""Calendar segments of the engagement window: the first window and each extension of it.

``engagement.extended_from`` lists the end dates the window had before each extension (written
by ``output.mode: append``, see ``generators.run.append``). They cut ``start_date .. end_date`` into
segments: segment 0 is ``start_date .. extended_from[0]`` (the first window), segment s is the
day after the previous end .. the next end. Without extensions there is one segment, the window.

Window-dependent draws are made per segment so that a longer window only adds rows:
- engagement events are generated per (person, segment), segment 0 exactly as a run of the first
  window alone (``generators.tables.content_engagements``);
- segment 0 holds ``campaigns.count`` generated campaigns, each later segment the same number per
  day (at least one), with ids continuing, each flight inside its segment (``generators.tables.campaigns``);
- a campaign's audience is the audience as of the end of the segment its flight starts in
  (``generators.tables.campaign_audience``): the audience its run had when it was generated.

Invariant: ``as_of(spec, s)`` is the spec as it was when segment s was the last one, so every
row keyed to segment s is generated exactly as that earlier run generated it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generators.spec.model import GenerationSpec

MAX_WINDOW_DAYS = 5 * 365 + 2
"""The longest window, extensions included: five calendar years (two leap days at most).

Marketing analyses look at weeks to a few years, and the run's cost grows with the window's days
as well as with its events: the day-by-day activity table, the recency weights (one per day of
age) and each person's active-day bitmaps (one aggregate per 64 days) are all sized by it."""


@dataclass(frozen=True)
class Segment:
    """Days ``start_date .. end_date`` (inclusive) of the window, the ``index``-th segment."""

    index: int
    start_date: date
    end_date: date

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    def holds(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date


def segments(spec: GenerationSpec) -> list[Segment]:
    """The window's segments in calendar order (one when the window was never extended)."""
    window = spec.engagement
    ends = [*window.extended_from, window.end_date]
    starts = [window.start_date, *(end + timedelta(days=1) for end in ends[:-1])]
    return [Segment(i, start, end) for i, (start, end) in enumerate(zip(starts, ends, strict=True))]


def first_window(spec: GenerationSpec) -> Segment:
    """Segment 0: the window before any extension."""
    return segments(spec)[0]


def segment_of(spec: GenerationSpec, day: date) -> int:
    """The index of the segment holding ``day`` (a day inside the window)."""
    for segment in segments(spec):
        if segment.holds(day):
            return segment.index
    raise ValueError(f"{day} lies outside the engagement window")


def as_of(spec: GenerationSpec, index: int) -> GenerationSpec:
    """``spec`` as it was when segment ``index`` was the last: the window ends with it."""
    window = spec.engagement
    if index == len(window.extended_from):
        return spec
    engagement = window.model_copy(
        update={
            "end_date": window.extended_from[index],
            "extended_from": list(window.extended_from[:index]),
        }
    )
    return spec.model_copy(update={"engagement": engagement})


def generated_campaigns(spec: GenerationSpec) -> list[int]:
    """Generated campaigns per segment: ``campaigns.count`` in the first window, then the same
    number per day (rounded, at least one) in each extension."""
    count, first = spec.campaigns.count, first_window(spec).days
    return [
        count if s.index == 0 else max(1, math.floor(count * s.days / first + 0.5))
        for s in segments(spec)
    ]


def campaign_total(spec: GenerationSpec) -> int:
    """How many campaigns the spec has (rows of the campaigns table)."""
    return len(spec.campaigns.flights) or sum(generated_campaigns(spec))
