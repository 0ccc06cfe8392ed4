"""Numbers tied to the words near them: "8 campaigns", "a 20% holdout", "a CTV CPM of $40".

Each ``measures`` entry of the vocabulary names a path, a unit and its words. Every pair of a
measure word and a free quantity of a fitting unit in the same clause is scored by the number of
tokens between them (the measure's rank in the file breaks ties); pairs are taken best first, each
quantity once. A count noun only takes a number written before it ("5,000 households").
"""

from __future__ import annotations

from dataclasses import dataclass

from generators.brief.claims import EXPLICIT, IMPLIED
from generators.brief.context import Context
from generators.brief.mentions import Mention
from generators.brief.numbers import HOUR, Quantity

MAX_GAP = 4
NOUN_GAP = 4
WINDOW = "engagement.window_days"
CHANNELS = "campaigns.channels"
POINTS_DEFAULT = "responses.max_incremental_lift"
OF_THEM = {("of", "them"), ("of", "those"), ("of", "these")}


@dataclass(frozen=True)
class Pair:
    score: float
    mention: Mention
    measure: int
    quantity: Quantity


def _fits(unit: str, q: Quantity) -> bool:
    """Whether quantity ``q`` can be a value in ``unit``."""
    if unit == "count":
        return q.unit in ("number", "times") and q.integer and q.value >= 0
    if unit == "number":
        return q.unit in ("number", "times")
    if unit == "share":
        return q.unit == "share" or (q.unit == "number" and q.value <= 1 and not q.is_range)
    if unit == "points":
        return q.unit in ("points", "share") or (q.unit == "number" and q.value < 1)
    if unit == "money":
        return q.unit in ("money", "number")
    if unit == "days":
        return q.unit == "days" or (q.unit == "number" and q.integer)
    if unit == "hours":
        return q.unit in ("hours", "days") or q.unit == "number"
    return False


def _distance(ctx: Context, m: Mention, q: Quantity, noun: bool) -> int | None:
    doc = ctx.doc
    if noun and q.first >= m.last and doc.words(q.last, q.last + 2) in OF_THEM:
        same = doc.tokens[q.first].sentence == doc.tokens[m.first].sentence
        return q.first - m.last if same and q.first - m.last <= 2 * MAX_GAP else None
    if not doc.same_clause(m.first, q.first):
        return None
    if noun:
        if q.last > m.first:
            return None
        gap = m.first - q.last
        between = ctx.gap(q.last, m.first)
        if gap > NOUN_GAP or any(t in {"and", "or", "of"} for t in between):
            return None
        return gap
    if q.last <= m.first:
        gap = m.first - q.last
    elif q.first >= m.last:
        gap = q.first - m.last
    else:
        return None
    return gap if gap <= MAX_GAP else None


def _pairs(ctx: Context) -> list[Pair]:
    pairs: list[Pair] = []
    quantities = ctx.free_quantities()
    for m in ctx.free_mentions():
        for role in m.roles:
            if role.kind not in ("cue", "noun"):
                continue
            measure = ctx.vocab.measure(role.value)
            requires = measure.get("requires")
            if requires and not ctx.phrases_near(m.first, {ctx.vocab.words(r) for r in requires}):
                continue
            for q in quantities:
                if not _fits(measure["unit"], q):
                    continue
                gap = _distance(ctx, m, q, role.kind == "noun")
                if gap is not None:
                    after = 0.0 if q.first >= m.last else 0.1
                    pairs.append(Pair(gap + after + role.value * 0.001, m, role.value, q))
    return sorted(pairs, key=lambda p: p.score)


def read_measures(ctx: Context) -> None:
    taken_quantities: set[int] = set()
    taken_mentions: dict[int, str] = {}
    for pair in _pairs(ctx):
        measure = ctx.vocab.measure(pair.measure)
        path = measure["path"]
        if id(pair.quantity) in taken_quantities:
            continue
        previous = taken_mentions.get(id(pair.mention))
        if previous is not None and not (previous == path == "campaigns.cpm_usd"):
            continue
        if _apply(ctx, measure, pair.quantity, pair.mention):
            taken_quantities.add(id(pair.quantity))
            taken_mentions[id(pair.mention)] = path
            ctx.use(pair.quantity)
            _use_word(ctx, pair.mention)
    _cues_of_set_measures(ctx, set(taken_mentions.values()))
    _upper_bounds(ctx, set(taken_mentions.values()))
    _default_points(ctx)


def _upper_bounds(ctx: Context, paths: set[str]) -> None:
    """ "a median lag of 2 days, max 10 days": a bare "max N" after a measure with an
    ``upper_of`` partner sets the partner."""
    for measure in ctx.vocab.data["measures"]:
        partner = measure.get("upper_of")
        if partner not in paths:
            continue
        anchor = max(c.tokens[0][0] for c in ctx.claims.on(partner))
        for q in ctx.free_quantities():
            same = ctx.doc.tokens[q.first].sentence == ctx.doc.tokens[anchor].sentence
            if q.bound == "max" and same and q.first > anchor and _fits(measure["unit"], q):
                value = _value(measure["unit"], q, q.value)
                ctx.claims.value(measure["path"], value, (q.first, q.last))
                ctx.use(q)
                break


def _use_word(ctx: Context, m: Mention) -> None:
    """A measure word is read; a word that is also a concept ("families") or a request the
    spec cannot express ("homeowners") stays free for that reader."""
    if m.has("concept") or m.has("unsupported"):
        ctx.doc.use(m.first, m.last)
    else:
        ctx.use(m)


def _cues_of_set_measures(ctx: Context, paths: set[str]) -> None:
    """ "hold out 20% ... as a control group": once a measure has its number, its other words
    in the same sentence are read too."""
    for m in ctx.free_mentions("cue"):
        role = m.role("cue")
        if role.field in paths and not any(
            r.kind in ("label", "concept", "state") for r in m.roles
        ):
            ctx.use(m)


def _default_points(ctx: Context) -> None:
    """Percentage points name the only absolute rate increment of the spec: the lift."""
    for q in ctx.free_quantities():
        if q.unit == "points":
            ctx.claims.value(POINTS_DEFAULT, round(q.value, 6), (q.first, q.last))
            ctx.use(q)


def _value(unit: str, q: Quantity, value: float) -> float | int:
    if unit == "count":
        return round(value)
    if unit == "hours" and q.unit == "days":
        value *= 24
    elif unit == "days" and q.unit == "hours":
        value *= HOUR
    elif unit == "share" and q.unit == "number" and value > 1:
        value /= 100
    value = round(value, 6)
    return int(value) if value.is_integer() and unit not in ("share", "points") else value


def _apply(ctx: Context, measure: dict, q: Quantity, m: Mention) -> bool:
    path, unit = measure["path"], measure["unit"]
    tokens = ((min(q.first, m.first), max(q.last, m.last)),)  # "5,000 affluent families"
    claims = ctx.claims
    if path == WINDOW:
        ctx.window_days = (round(q.value), tokens)
        return True
    if path == "campaigns.budget_usd":
        return _budget(ctx, q, tokens)
    if path == "campaigns.cpm_usd":
        return _cpm(ctx, q, tokens)
    if path == "campaigns.flight_days":
        low = round(q.value)
        high = round(q.high) if q.is_range else low
        claims.value(f"{path}.min", low, tokens)
        claims.value(f"{path}.max", high, tokens)
        claims.value(f"{path}.average", (low + high) / 2 if low < high else low, tokens)
        return True
    value = q.value
    if q.is_range:
        value = (q.value + q.high) / 2
    note = ""
    if q.is_range:
        note = f"the middle of {q.value:g}-{q.high:g}"
    claims.value(path, _value(unit, q, value), tokens, note=note)
    for other in measure.get("also", []):
        claims.value(other, _value(unit, q, value), tokens, strength=EXPLICIT)
    if path.endswith(".alpha"):
        claims.value(
            "engagement.events_per_individual.distribution", "power_law", tokens, strength=IMPLIED
        )
    if path.endswith("events_per_individual.sigma"):
        claims.value(
            "engagement.events_per_individual.distribution", "lognormal", tokens, strength=IMPLIED
        )
    return True


def _budget(ctx: Context, q: Quantity, tokens) -> bool:
    if q.unit not in ("money",) and q.value < 100:
        return False
    low = _value("money", q, q.value)
    high = _value("money", q, q.high) if q.is_range else low
    note = ""
    if "total" in ctx.words_near(q.first, q.last) and not q.is_range:
        count = _campaign_count(ctx)
        low = high = round(q.value / count, 2)
        note = f"a total of ${q.value:,.0f} over {count} campaigns"
    ctx.claims.value("campaigns.budget_usd.min", low, tokens, note=note)
    ctx.claims.value("campaigns.budget_usd.max", high, tokens, note=note)
    return True


def _campaign_count(ctx: Context) -> int:
    counts = [c.value for c in ctx.claims.on("campaigns.count")]
    return int(counts[-1]) if counts else int(ctx.base["campaigns"]["count"])


def _cpm(ctx: Context, q: Quantity, tokens) -> bool:
    """ "a CTV CPM of $40": the channel named next to the amount; no channel: every channel."""
    channels = [
        m
        for m in ctx.free_mentions("label")
        if any(r.kind == "label" and r.field == CHANNELS for r in m.roles)
        and ctx.doc.same_clause(m.first, q.first)
    ]
    if channels:
        nearest = min(channels, key=lambda m: min(abs(m.first - q.last), abs(q.first - m.last)))
        label = next(r.value for r in nearest.roles if r.kind == "label" and r.field == CHANNELS)
        ctx.claims.value(
            f"campaigns.cpm_usd.{label}",
            _value("money", q, q.value),
            (*tokens, (nearest.first, nearest.last)),
        )
        ctx.use(nearest)
        return True
    every = {channel: _value("money", q, q.value) for channel in ctx.base["campaigns"]["cpm_usd"]}
    ctx.claims.value("campaigns.cpm_usd", every, tokens, note="the same CPM on every channel")
    return True
