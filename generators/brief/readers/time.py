"""The engagement window from the dates left after flights: periods, start or end days, and a
length ("a 60-day window starting February 1").

A period ("Q1 2026", "July through December 2025") sets both ends. A single day is a start
unless an end word stands before it ("until", "ending", "through"). A length with one end gives
the other; a start alone keeps the window's current length.
"""

from __future__ import annotations

from datetime import date, timedelta

from generators.brief.claims import EXPLICIT, NAMED
from generators.brief.context import Context

START, END = "engagement.start_date", "engagement.end_date"


def _cue(ctx: Context, first: int, key: str) -> bool:
    """Whether a start (or end) word stands just before token ``first``; it is then read."""
    words = ctx.vocab.phrases("dates", key)
    for n in (1, 2):
        for end in (first, first - 1):
            if end - n >= 0 and ctx.doc.words(end - n, end) in words:
                ctx.doc.use(end - n, end)
                return True
    return False


def read_window(ctx: Context) -> None:
    claims = ctx.claims
    for span in ctx.free_dates():
        tokens = (span.first, span.last)
        if not span.day:
            claims.value(START, span.start.isoformat(), tokens)
            claims.value(END, span.end.isoformat(), tokens)
        elif _cue(ctx, span.first, "end_cues") and not _cue(ctx, span.first, "start_cues"):
            claims.value(END, span.end.isoformat(), tokens)
        else:
            claims.value(START, span.start.isoformat(), tokens)
        ctx.use(span)
    _length(ctx)


def _claimed(ctx: Context, path: str) -> date | None:
    values = [c.value for c in ctx.claims.on(path) if c.strength == EXPLICIT]
    return date.fromisoformat(values[-1]) if values else None


def _length(ctx: Context) -> None:
    start, end = _claimed(ctx, START), _claimed(ctx, END)
    base = ctx.base["engagement"]
    base_start = date.fromisoformat(str(base["start_date"]))
    base_end = date.fromisoformat(str(base["end_date"]))
    if ctx.window_days is not None:
        days, tokens = ctx.window_days
        if start is not None or end is None:
            first = start or base_start
            ctx.claims.value(END, (first + timedelta(days=days - 1)).isoformat(), tokens)
            if start is None:
                ctx.claims.value(START, first.isoformat(), tokens, strength=NAMED)
        else:
            ctx.claims.value(START, (end - timedelta(days=days - 1)).isoformat(), tokens)
        return
    if start is not None and end is None:
        length = (base_end - base_start).days
        tokens = ctx.claims.on(START)[-1].tokens
        note = f"the window keeps its {length + 1} days"
        ctx.claims.value(END, (start + timedelta(days=length)).isoformat(), tokens, NAMED, note)
    elif end is not None and start is None and end <= base_start:
        length = (base_end - base_start).days
        tokens = ctx.claims.on(END)[-1].tokens
        note = f"the window keeps its {length + 1} days"
        ctx.claims.value(START, (end - timedelta(days=length)).isoformat(), tokens, NAMED, note)
