"""Readers of named things: the output target, explicit campaign flights, new audience segments
and the segments campaigns target.

They run first: the words inside a flight ("on CTV from March 1 to 21 with $200k") or a segment
definition ("people aged 18 to 34 whose top category is gaming") describe that flight or segment,
not the whole population, so later readers must not see them again.
"""

from __future__ import annotations

import re

from generators.brief.claims import NAMED
from generators.brief.context import Context
from generators.brief.readers.people import age_range_at, income_brackets_of
from generators.brief.text import Token

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,254}$")
QUOTES = {'"', "'", "`"}
SEGMENT_WORDS = {"segment", "segments"}
NAMING = {"called", "named", "labelled", "labeled", "name", "as"}
DEFINING = {"define", "defines", "defining", "create", "add", "new", "make", "build", "plus"}
TARGET_WORDS = {"target", "targets", "targeting", "targeted", "aimed", "aim", "aiming"}
PRONOUNS = {"it", "them", "this", "that"}
OUTPUT_CUES = {
    "catalog": "output.catalog",
    "catalogue": "output.catalog",
    "schema": "output.schema",
}
TARGET_CUES = {"to", "into", "in", "under"}


def _identifier(token: Token | None) -> str | None:
    if token is None or token.kind != "word" or not IDENTIFIER.match(token.raw):
        return None
    return token.raw


def _token(ctx: Context, i: int) -> Token | None:
    return ctx.doc.tokens[i] if 0 <= i < len(ctx.doc.tokens) else None


# ---------------------------------------------------------------- output


def read_output(ctx: Context) -> None:
    """ "catalog X, schema Y", "write the tables to X.Y"."""
    doc = ctx.doc
    for i, token in enumerate(doc.tokens):
        path = OUTPUT_CUES.get(token.text)
        if path is not None:
            j = i + 1
            while doc.text_at(j) in (":", "=", "named", "called", "is", "of"):
                j += 1
            name = _identifier(_token(ctx, j))
            if name and name.lower() not in ctx.vocab.fillers:
                ctx.claims.value(path, name, (i, j + 1))
                doc.use(i, j + 1)
                _use_mentions_in(ctx, i, j + 1)
            continue
        if token.text in TARGET_CUES or token.text == "write":
            j = i + 1
            catalog = _identifier(_token(ctx, j))
            dot, schema = _token(ctx, j + 1), _identifier(_token(ctx, j + 2))
            if (
                catalog
                and schema
                and dot
                and dot.raw == "."
                and doc.adjacent(j + 1)
                and doc.adjacent(j + 2)
            ):
                ctx.claims.value("output.catalog", catalog, (j, j + 1))
                ctx.claims.value("output.schema", schema, (j + 2, j + 3))
                doc.use(i, j + 3)
                _use_mentions_in(ctx, j, j + 3)


def _use_mentions_in(ctx: Context, first: int, last: int) -> None:
    for m in ctx.free_mentions():
        if first <= m.first and m.last <= last:
            ctx.use(m)


# ---------------------------------------------------------------- flights


def _quoted_names(ctx: Context) -> list[tuple[int, int, str]]:
    """(first, last, name) of quoted identifiers and of "campaign called X"."""
    doc = ctx.doc
    found = []
    for i, token in enumerate(doc.tokens):
        name = _identifier(_token(ctx, i + 1))
        close = _token(ctx, i + 2)
        if token.raw in QUOTES and name and close is not None and close.raw == token.raw:
            found.append((i, i + 3, name))
    return found


def read_flights(ctx: Context) -> None:
    """Explicit campaigns: a quoted name, then its channel, dates, budget and goal."""
    names = [n for n in _quoted_names(ctx) if _is_flight(ctx, n)]
    if not names:
        return
    flights = []
    tokens: list[tuple[int, int]] = []
    start = 0
    for k, (first, last, name) in enumerate(names):
        stop = names[k + 1][0] if k + 1 < len(names) else ctx.doc.sentence_range(first).stop
        if k + 1 < len(names):
            stop = min(stop, ctx.doc.clause_range(names[k + 1][0]).start)
        begin = max(start, ctx.doc.clause_range(first).start)
        flight = _flight(ctx, name, first, last, range(begin, stop))
        if flight is not None:
            flights.append(flight)
            tokens.append(_trimmed(ctx, begin, stop))
        start = stop
    if flights:
        ctx.claims.value("campaigns.flights", flights, tokens)
        ctx.claims.value("campaigns.count", len(flights), tokens, strength=NAMED)


def _trimmed(ctx: Context, first: int, last: int) -> tuple[int, int]:
    """``first``..``last`` without joining words and punctuation at either end."""
    edge = {",", ";", ".", "and", ":"}
    while first < last and ctx.doc.text_at(first) in edge:
        first += 1
    while last > first and ctx.doc.text_at(last - 1) in edge:
        last -= 1
    return first, last


def _is_flight(ctx: Context, name: tuple[int, int, str]) -> bool:
    first, last, _ = name
    sentence = ctx.doc.sentence_range(first)
    return any(d.first >= last and d.first in sentence for d in ctx.free_dates())


def _flight(ctx: Context, name: str, first: int, last: int, inside: range) -> dict | None:
    period = next((d for d in ctx.free_dates() if d.first in inside and d.start < d.end), None)
    channel = next(
        (
            m
            for m in ctx.free_mentions("label")
            if m.first in inside and _label(m, "campaigns.channels")
        ),
        None,
    )
    if period is None or channel is None:
        return None
    flight = {
        "name": name,
        "start_date": period.start.isoformat(),
        "end_date": period.end.isoformat(),
        "channel": _label(channel, "campaigns.channels"),
    }
    ctx.use(period)
    ctx.use(channel)
    budget = next(
        (q for q in ctx.free_quantities() if q.first in inside and q.unit == "money"), None
    )
    if budget is not None:
        flight["budget_usd"] = budget.value
        ctx.use(budget)
    else:
        budgets = ctx.base["campaigns"]["budget_usd"]
        flight["budget_usd"] = (budgets["min"] + budgets["max"]) / 2
    goal = next(
        (
            m
            for m in ctx.free_mentions("label")
            if m.first in inside and _label(m, "campaigns.goals")
        ),
        None,
    )
    if goal is not None:
        flight["goal"] = _label(goal, "campaigns.goals")
        ctx.use(goal)
    for m in ctx.free_mentions("cue"):
        if m.first in inside and m.role("cue").field == "campaigns.budget_usd":
            ctx.use(m)
    ctx.doc.use(first, last)
    return flight


def _label(mention, field: str) -> str | None:
    role = next((r for r in mention.roles if r.kind == "label" and r.field == field), None)
    return role.value if role is not None else None


# ---------------------------------------------------------------- segments


def _segment_name(ctx: Context, i: int) -> tuple[str, int] | None:
    """The name after the word "segment" at ``i`` ("segment called gamers", "segment 'x'")."""
    j = i + 1
    while ctx.doc.text_at(j) in NAMING or ctx.doc.text_at(j) in QUOTES:
        j += 1
    token = _token(ctx, j)
    name = _identifier(token)
    if name is None or name.lower() in ctx.vocab.fillers:
        return None
    named = j > i + 1 and any(ctx.doc.text_at(k) in NAMING for k in range(i + 1, j))
    before = ctx.doc.words(max(ctx.doc.sentence_range(i).start, i - 4), i)
    defining = any(w in DEFINING for w in before) and "existing" not in before
    if not (named or ctx.doc.text_at(j + 1) == ":" or defining):
        return None
    end = j + 1
    while ctx.doc.text_at(end) in QUOTES:
        end += 1
    return name, end


def read_segments(ctx: Context) -> None:
    """ "Define a segment called gamers: people aged 18 to 34 whose top category is gaming"."""
    doc = ctx.doc
    defined = []
    tokens = []
    for i, token in enumerate(doc.tokens):
        if token.text not in SEGMENT_WORDS or i in doc.used:
            continue
        named = _segment_name(ctx, i)
        if named is None:
            continue
        name, start = named
        sentence = doc.sentence_range(i)
        stop = next(
            (k for k in range(start, sentence.stop) if doc.text_at(k) in TARGET_WORDS),
            sentence.stop,
        )
        segment = {"name": name, "description": doc.phrase(start, stop).strip(" :,")}
        segment |= _conditions(ctx, start, stop)
        first = i
        while first > sentence.start and doc.text_at(first - 1) in DEFINING | {"a", "an", "the"}:
            first -= 1
        doc.use(first, start)
        _use_mentions_in(ctx, first, start)
        defined.append(segment)
        tokens.append((i, start))
    if defined:
        kept = [
            s
            for s in ctx.base["audience"]["segments"]
            if s["name"] not in {d["name"] for d in defined}
        ]
        ctx.claims.value("audience.segments", kept + defined, tokens)
        ctx.defined_segments = [d["name"] for d in defined]


def _conditions(ctx: Context, start: int, stop: int) -> dict:
    inside = range(start, stop)
    conditions: dict = {}
    for q in ctx.free_quantities():
        if q.first in inside:
            ages = age_range_at(ctx, q, require_cue=False)
            if ages is not None:
                low, high = ages
                conditions["min_age"], conditions["max_age"] = int(low), int(high) - 1
                ctx.use(q)
    fields = {
        "engagement.content.categories": "top_categories",
        "engagement.devices": "preferred_devices",
        "households.urbanicity": "urbanicity",
        "demographics.gender": "genders",
    }
    for m in ctx.free_mentions():
        if m.first not in inside:
            continue
        for role in m.roles:
            if role.kind == "label" and role.field in fields:
                key = fields[role.field]
                conditions.setdefault(key, [])
                if role.value not in conditions[key]:
                    conditions[key].append(role.value)
                ctx.use(m)
                break
            if role.kind == "state":
                conditions.setdefault("states", []).append(role.value)
                ctx.use(m)
                break
            if role.kind == "concept":
                concept = ctx.vocab.concept(role.value)
                mean = (concept.get("set") or {}).get("engagement.events_per_individual.mean")
                if mean is not None:
                    behaviour = "heavy" if mean > 40 else "light" if mean < 20 else "moderate"
                    conditions["behavioural_classes"] = [behaviour]
                    ctx.use(m)
                elif concept.get("income"):
                    conditions["income_brackets"] = income_brackets_of(ctx, *concept["income"])
                    ctx.use(m)
                elif concept.get("ages") and "min_age" not in conditions:
                    conditions["min_age"], conditions["max_age"] = concept["ages"]
                    ctx.use(m)
                break
    for k in range(start, stop):
        if ctx.doc.text_at(k) in ("top", "category", "categories", "content", "whose", "is", "are"):
            ctx.doc.use(k, k + 1)
    return conditions


# ---------------------------------------------------------------- targeting


def read_targets(ctx: Context) -> None:
    """ "have the campaigns target it", "target every campaign at the segment crypto_whales"."""
    doc = ctx.doc
    known = {s["name"] for s in ctx.base["audience"]["segments"]} | set(ctx.defined_segments)
    for i, token in enumerate(doc.tokens):
        if token.text not in TARGET_WORDS or i in doc.used:
            continue
        if (
            token.text.startswith("aim")
            and doc.text_at(i + 1) != "at"
            and doc.text_at(i + 1) != "the"
        ):
            continue
        window = range(i + 1, min(len(doc.tokens), i + 8))
        names: list[str] = []
        last = i + 1
        for k in window:
            if not doc.same_clause(i, k):
                break
            text, name = doc.text_at(k), _identifier(doc.tokens[k])
            if name and (name in known or "_" in name):
                names.append(name)
                last = k + 1
            elif (
                text in PRONOUNS and ctx.defined_segments and doc.text_at(k + 1) not in ("segment",)
            ):
                names.extend(ctx.defined_segments)
                last = k + 1
                break
        if not names:
            names, last = _segment_of_label(ctx, i, window)
        if names:
            ctx.claims.value("campaigns.target_segments", list(dict.fromkeys(names)), (i, last))
            doc.use(i, last)
            for k in doc.clause_range(i):
                if doc.text_at(k) in ("campaign", "campaigns", "have", "let", "make"):
                    doc.use(k, k + 1)


def _segment_of_label(ctx: Context, i: int, window: range) -> tuple[list[str], int]:
    """A default segment named by its content category ("target sports fans")."""
    for m in ctx.free_mentions("label"):
        if m.first not in window:
            continue
        category = _label(m, "engagement.content.categories")
        for segment in ctx.base["audience"]["segments"]:
            if category and segment.get("top_categories") == [category]:
                ctx.use(m)
                return [segment["name"]], m.last
    return [], i + 1
