"""Readers of who lives in the households: household size, householder ages, income.

Ages become ranges of years, half open: "18 to 34" is [18, 35), "under 30" [18, 30), "65+"
[65, 100); generations turn birth years into ages in the reference year. Incomes become ranges of
USD a year. ``claims.Resolver`` turns ranges into band or bracket weights.
"""

from __future__ import annotations

import re

from generators.brief.bands import AGE_PATH, INCOME_PATH, intervals
from generators.brief.claims import EXPLICIT, IMPLIED, NAMED
from generators.brief.context import Context
from generators.brief.numbers import Quantity

SIZE = "households.size"
PEOPLE = {"person", "people", "persons", "member", "members", "individuals", "occupants"}
HOUSEHOLD_NOUNS = {"household", "households", "families", "family", "homes", "home", "hh", "hhs"}
DEMO = re.compile(r"^([apwmf])(\d{2})$")
MAX_AGE_GAP = 3


# ---------------------------------------------------------------- household size


def read_sizes(ctx: Context) -> None:
    """ "5-person households", "households of 20 people each", "families of five or more",
    "exactly three people"; and "50,000 people" as a household count."""
    doc = ctx.doc
    for q in ctx.free_quantities():
        if q.unit != "number":
            continue
        if _after_size_word(ctx, q):
            _size_claims(ctx, q, False, (q.first, q.last))
            ctx.use(q)
            continue
        after = doc.text_at(q.last)
        before = doc.words(max(0, q.first - 2), q.first)
        household_of = (
            len(before) == 2 and before[1] in ("of", "with") and before[0] in HOUSEHOLD_NOUNS
        )
        people = after in PEOPLE
        if people and q.value >= 100 and not household_of:
            _people_count(ctx, q)
            continue
        if not (people or household_of) or not 1 <= q.value <= 100:
            continue
        clause = ctx.words_near(q.first, q.last)
        if not (household_of or clause & HOUSEHOLD_NOUNS or {"each", "per"} & clause):
            continue
        exact = doc.text_at(q.first - 1) in ("exactly", "precisely")
        last = q.last + 1 if people else q.last
        _size_claims(ctx, q, exact, (q.first - (1 if exact else 0), last))
        ctx.use(q)
        doc.use(q.first, last)


def _after_size_word(ctx: Context, q: Quantity) -> bool:
    """ "large families (5+)": a bound or range right after a household-size word."""
    top = q.high if q.is_range else q.value
    if not (q.bound or q.is_range) or not 1 <= q.value <= top <= 15:
        return False
    first = q.first - 1 if ctx.doc.text_at(q.first - 1) in ("(", "of", "with", ":") else q.first
    for m in ctx.mentions:
        if m.last == first and m.has("concept"):
            concept = ctx.vocab.concept(m.role("concept").value)
            if any(p.startswith(SIZE) for p in concept.get("set") or {}):
                return True
    return False


def _size_claims(ctx: Context, q: Quantity, exact: bool, tokens: tuple[int, int]) -> None:
    claims = ctx.claims
    base = ctx.base["households"]["size"]
    if q.is_range:
        low, high = int(q.value), int(q.high)
        claims.value(f"{SIZE}.min", low, tokens)
        claims.value(f"{SIZE}.max", high, tokens)
        average = (low + high) / 2 if low < high else low
        claims.value(f"{SIZE}.average", average, tokens, strength=NAMED)
    elif q.bound == "min" and not exact:
        low = int(q.value) + (0 if q.inclusive else 1)
        claims.value(f"{SIZE}.min", low, tokens)
        claims.value(f"{SIZE}.average", low + 0.8, tokens, strength=NAMED)
        if base["max"] < low + 2:
            claims.value(f"{SIZE}.max", low + 2, tokens, strength=NAMED)
    elif q.bound == "max" and not exact:
        high = int(q.value) - (0 if q.inclusive else 1)
        claims.value(f"{SIZE}.max", high, tokens)
        low = min(base["min"], high)
        claims.value(
            f"{SIZE}.average", (low + high) / 2 if low < high else high, tokens, strength=NAMED
        )
    else:
        size = int(q.value)
        for leaf in ("min", "max", "average"):
            claims.value(f"{SIZE}.{leaf}", size, tokens)


def _people_count(ctx: Context, q: Quantity) -> None:
    average = ctx.base["households"]["size"]["average"]
    count = max(1, round(q.value / average))
    note = f"{q.value:,.0f} people at {average:g} persons per household"
    ctx.claims.value("households.count", count, (q.first, q.last + 1), strength=NAMED, note=note)
    ctx.use(q)
    ctx.doc.use(q.first, q.last + 1)


# ---------------------------------------------------------------- ages


def _age_cues(ctx: Context) -> set[tuple[str, ...]]:
    return ctx.vocab.phrases("ages", "cues")


def _age_cue(ctx: Context, q: Quantity) -> tuple[int, int] | None:
    """Tokens of the age word nearest to quantity ``q`` in its clause, if any."""
    doc = ctx.doc
    found = None
    for first in range(max(0, q.first - MAX_AGE_GAP - 1), q.last + MAX_AGE_GAP):
        for cue in _age_cues(ctx):
            last = first + len(cue)
            near = last <= q.first or first >= q.last
            if near and doc.words(first, last) == cue and doc.same_clause(first, q.first):
                distance = q.first - last if last <= q.first else first - q.last
                if found is None or distance < found[0]:
                    found = (distance, (first, last))
    return found[1] if found else None


STRONG_AGE_CUES = {
    ("aged",),
    ("age",),
    ("ages",),
    ("year", "olds"),
    ("year", "old"),
    ("years", "old"),
    ("yo",),
}
BARE_AGES = (13, 99)  # a bare range or bound inside these reads as ages when nothing else took it


def age_range_at(ctx: Context, q: Quantity, require_cue: bool = True) -> tuple[int, int] | None:
    """The ages [low, high) a quantity states, or None when it is not an age."""
    ages = ctx.vocab.data["ages"]
    youngest, oldest = int(ages["youngest"]), int(ages["oldest"]) + 1
    if q.unit != "number" or not 0 < q.value <= 120 or (q.high is not None and q.high > 120):
        return None
    cue = _age_cue(ctx, q)
    if not q.integer or (require_cue and cue is None):
        return None
    if (
        not q.is_range
        and not q.bound
        and (cue is None or ctx.doc.words(*cue) not in STRONG_AGE_CUES)
    ):
        return None  # a lone number is an age only next to "aged" or "year old"
    value = int(q.value)
    if q.is_range:
        found = max(value, youngest), min(int(q.high) + 1, oldest)
    elif q.bound == "min":
        found = max(value + (0 if q.inclusive else 1), youngest), oldest
    elif q.bound == "max":
        found = youngest, value + (1 if q.inclusive else 0)
    else:
        found = max(value, youngest), min(value + 1, oldest)
    return found if found[0] < found[1] else None


def read_bare_ages(ctx: Context) -> None:
    """Ranges and bounds with no age word ("urban singles 25-34", "over 65") that no other
    reader took: plausible ages are ages."""
    low_limit, high_limit = BARE_AGES
    for q in ctx.free_quantities():
        if q.unit != "number" or not (q.is_range or q.bound) or not q.integer:
            continue
        top = q.high if q.is_range else q.value
        if not (low_limit <= q.value <= high_limit and low_limit <= top <= high_limit):
            continue
        ages = age_range_at(ctx, q, require_cue=False)
        if ages is not None:
            ctx.claims.range(AGE_PATH, *ages, (q.first, q.last), EXPLICIT)
            ctx.use(q)


def read_ages(ctx: Context) -> None:
    """Age ranges and bounds near an age word, decades, media demos, generations."""
    _demos(ctx)
    for q in ctx.free_quantities():
        decade = _decade(ctx, q)
        if decade is not None:
            (low, high), first, last = decade
            ctx.claims.range(AGE_PATH, low, high, (first, last), EXPLICIT)
            ctx.use(q)
            ctx.doc.use(first, last)
            continue
        ages = age_range_at(ctx, q)
        if ages is not None:
            cue = _age_cue(ctx, q)
            ctx.claims.range(AGE_PATH, *ages, (q.first, q.last), EXPLICIT)
            ctx.use(q)
            if cue is not None and all(w not in ctx.vocab.fillers for w in ctx.doc.words(*cue)):
                ctx.doc.use(*cue)
    _decade_words(ctx)
    for m in ctx.free_mentions("generation"):
        born_first, born_last = m.role("generation").value
        low, high = ctx.reference_year - born_last, ctx.reference_year - born_first + 1
        youngest = int(ctx.vocab.data["ages"]["youngest"])
        note = f"born {born_first}-{born_last}: aged {max(low, youngest)}-{high - 1} in {ctx.reference_year}"
        ctx.claims.range(AGE_PATH, max(low, youngest), high, (m.first, m.last), NAMED, note)
        ctx.use(m)


def _decade(ctx: Context, q: Quantity) -> tuple[tuple[int, int], int, int] | None:
    """ "in their 40s", "mid-30s": a number followed by a plural s."""
    doc = ctx.doc
    if q.is_range or q.bound or doc.text_at(q.last) != "s" or not doc.adjacent(q.last):
        return None
    value = int(q.value)
    if value % 10 or not 10 <= value <= 90:
        return None
    first = q.first
    part = ctx.vocab.data["ages"]["decade_parts"].get(doc.text_at(first - 1))
    if part is not None:
        first -= 1
    low, high = (value + part[0], value + part[1] + 1) if part else (value, value + 10)
    return (max(low, 18), high), first, q.last + 1


def _decade_words(ctx: Context) -> None:
    """ "in their forties", "late thirties"."""
    doc = ctx.doc
    decades = ctx.vocab.data["ages"]["decades"]
    parts = ctx.vocab.data["ages"]["decade_parts"]
    for i, token in enumerate(doc.tokens):
        value = decades.get(token.text)
        if value is None or token.kind != "word" or i in doc.used:
            continue
        first = i
        part = parts.get(doc.text_at(i - 1))
        if part is not None:
            first -= 1
        low, high = (value + part[0], value + part[1] + 1) if part else (value, value + 10)
        ctx.claims.range(AGE_PATH, max(low, 18), high, (first, i + 1), EXPLICIT)
        doc.use(first, i + 1)


def _demos(ctx: Context) -> None:
    """Media demos: "A25-54", "W18-49", "P18+"."""
    doc = ctx.doc
    prefixes = ctx.vocab.data["ages"]["demo_prefixes"]
    for i, token in enumerate(doc.tokens):
        match = DEMO.match(token.text)
        if match is None or not token.raw[:1].isupper():
            continue
        low = int(match.group(2))
        last = i + 1
        if (
            doc.text_at(i + 1) == "-"
            and doc.tokens[i + 1 : i + 3]
            and doc.tokens[min(i + 2, len(doc.tokens) - 1)].kind == "number"
        ):
            high = int(doc.text_at(i + 2)) + 1
            last = i + 3
        elif doc.text_at(i + 1) == "+":
            high, last = 100, i + 2
        else:
            continue
        ctx.claims.range(AGE_PATH, low, high, (i, last), EXPLICIT)
        gender = prefixes.get(match.group(1))
        if gender:
            ctx.claims.label("demographics.gender", gender, (i, last))
        for q in ctx.free_quantities():
            if i <= q.first < last:
                ctx.use(q)
        doc.use(i, last)


def concept_ages(ctx: Context, low: int, high: int, tokens: tuple[int, int]) -> None:
    """Ages a life-stage word implies ("retirees" are 60+)."""
    ctx.claims.range(AGE_PATH, low, high + 1, tokens, IMPLIED)


# ---------------------------------------------------------------- income


def _income_cues(ctx: Context) -> set[tuple[str, ...]]:
    return ctx.vocab.phrases("income", "cues")


def read_income(ctx: Context) -> None:
    """ "under $50k", "above $150k", "$75-150k" next to an income word or a household noun."""
    cues = _income_cues(ctx)
    budgetish = {"budget", "budgets", "spend", "cpm", "cpms", "order", "aov", "worth", "basket"}
    strong = {c for c in cues if not set(c) & HOUSEHOLD_NOUNS}
    for q in ctx.free_quantities():
        if q.unit != "money" and not (
            q.unit == "number" and q.value >= 1000 and _next_to(ctx, q, strong)
        ):
            continue
        clause = ctx.words_near(q.first, q.last)
        if clause & budgetish or not ctx.phrases_near(q.first, cues):
            continue
        if q.is_range:
            low, high = q.value, q.high
        elif q.bound == "max":
            low, high = 0.0, q.value
        elif q.bound == "min":
            low, high = q.value, None
        else:
            low, high = q.value, q.value + 1
        ctx.claims.range(INCOME_PATH, low, high, (q.first, q.last), EXPLICIT)
        ctx.use(q)


def _next_to(ctx: Context, q: Quantity, phrases: set[tuple[str, ...]], reach: int = 2) -> bool:
    doc = ctx.doc
    for phrase in phrases:
        n = len(phrase)
        for first in range(max(0, q.first - reach - n + 1), q.first):
            if doc.words(first, first + n) == phrase and first + n <= q.first:
                return True
        for first in range(q.last, q.last + reach):
            if doc.words(first, first + n) == phrase:
                return True
    return False


def income_brackets_of(ctx: Context, low: float, high: float | None) -> list[str]:
    """The income brackets a range overlaps (for segment conditions)."""
    bands = intervals()[INCOME_PATH]
    top = float("inf") if high is None else high
    return [label for label, (a, b) in bands.items() if min(b, top) > max(a, low)]
