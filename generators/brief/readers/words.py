"""Readers of words: labels of weight fields, identifier rates, concepts, places, attribution
models, and things the spec cannot express.

A label may carry a share written next to it ("60% in Texas", "CTV 60%", "the rest social"); an
"only" next to labels makes them hold all the weight, an "except" gives a label none. A phrase
that names labels of two fields ("ctv": a device and a channel) takes the field whose context
words stand in its clause, else in its sentence, else the first field of the vocabulary.
"""

from __future__ import annotations

from generators.brief.bands import INCOME_PATH
from generators.brief.claims import EXPLICIT, IMPLIED, NAMED, Claim
from generators.brief.context import Context, Unsupported
from generators.brief.mentions import Mention
from generators.brief.numbers import Quantity
from generators.brief.readers.people import concept_ages
from generators.brief.vocabulary import Role

STATES = "households.states"
URBANICITY = "households.urbanicity"
CONTEXT_REACH = 3  # a field that requires context wants its word this close to the label
CPM = "campaigns.cpm_usd"


# ---------------------------------------------------------------- shared helpers


def _gap_words(ctx: Context, key: str) -> set[str]:
    return {words[0] for words in ctx.vocab.phrases("grammar", "share_gap", key) if words}


def _share_next_to(ctx: Context, m: Mention, rates: bool = False) -> Quantity | None:
    """A free share written next to mention ``m`` in its clause."""
    before, after = _gap_words(ctx, "before"), _gap_words(ctx, "after")
    best = None
    for q in ctx.free_quantities():
        if not (q.unit == "share" or (q.unit == "number" and q.value <= 1 and not q.is_range)):
            continue
        if not ctx.doc.same_clause(q.first, m.first) or q.is_range:
            continue
        if q.last <= m.first:
            between = ctx.gap(q.last, m.first)
            allowed = before | _gap_words(ctx, "rates") if rates else before
            limit = 4
        elif q.first >= m.last:
            between = ctx.gap(m.last, q.first)
            allowed, limit = after, 2
        else:
            continue
        if len(between) > limit or any(w not in allowed for w in between):
            continue
        distance = len(between) + (0 if q.last <= m.first else 0.5)
        if best is None or distance < best[0]:
            best = (distance, q)
    return best[1] if best else None


def _cue_before(ctx: Context, m: Mention, key: str, reach: int = 2) -> bool:
    phrases = ctx.vocab.phrases(key)
    for n in range(1, reach + 2):
        for phrase in phrases:
            k = len(phrase)
            for end in range(m.first - n + 1, m.first + 1):
                if end - k >= 0 and ctx.doc.words(end - k, end) == phrase and m.first - end < reach:
                    return True
    return False


def _only_near(ctx: Context, m: Mention) -> bool:
    doc = ctx.doc
    only = {p[0] for p in ctx.vocab.phrases("only") if len(p) == 1}
    return doc.text_at(m.first - 1) in only or doc.text_at(m.last) in only


def _label_or_share(
    ctx: Context, path: str, label: str, m: Mention, strength: int = NAMED, note: str = ""
) -> None:
    claims = ctx.claims
    tokens = (m.first, m.last)
    if _cue_before(ctx, m, "exclude", reach=2):
        claims.add(Claim(path, "exclude", NAMED, (tokens,), label=label))
        return
    if _cue_before(ctx, m, "rest", reach=2):
        claims.add(Claim(path, "rest", EXPLICIT, (tokens,), label=label))
        return
    share = _share_next_to(ctx, m)
    if share is not None:
        claims.share(path, label, share.value, ((share.first, share.last), tokens), note=note)
        ctx.use(share)
        return
    claims.label(path, label, tokens, strength, note=note)
    if _only_near(ctx, m):
        claims.add(Claim(path, "only", NAMED, (tokens,)))


# ---------------------------------------------------------------- labels


def _field_for(ctx: Context, m: Mention, roles: list[Role]) -> Role | None:
    weights = ctx.vocab.data["weights"]
    fields = [r for r in roles if r.field in weights]
    candidates = []
    for scope in ("clause", "sentence"):
        words = ctx.words_near(m.first, m.last, scope)
        candidates = [r for r in fields if words & set(weights[r.field].get("context", []))]
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            break
    pool = candidates or fields
    pool = [
        r for r in pool if not weights[r.field].get("require_context") or _close_context(ctx, m, r)
    ]
    return pool[0] if pool else None


def _close_context(ctx: Context, m: Mention, role: Role) -> bool:
    context = set(ctx.vocab.data["weights"][role.field].get("context", []))
    first = max(ctx.doc.clause_range(m.first).start, m.first - CONTEXT_REACH)
    last = min(ctx.doc.clause_range(m.first).stop, m.last + CONTEXT_REACH)
    return any(ctx.doc.text_at(i) in context for i in range(first, last))


def _priced(ctx: Context, m: Mention, role: Role) -> bool:
    """A channel in a clause that prices channels ("a CTV CPM of $40"): the CPM reader's."""
    if role.field != "campaigns.channels":
        return False
    in_clause = ctx.doc.clause_range(m.first)
    cue = any(c.first in in_clause and c.role("cue").field == CPM for c in ctx.free_mentions("cue"))
    money = any(q.first in in_clause and q.unit == "money" for q in ctx.free_quantities())
    return cue and money


def read_labels(ctx: Context) -> None:
    for m in ctx.free_mentions("label"):
        roles = [r for r in m.roles if r.kind == "label"]
        role = _field_for(ctx, m, roles)
        if role is None or _priced(ctx, m, role):
            continue
        _label_or_share(ctx, role.field, role.value, m, note=_read_as(m))
        ctx.use(m)


def read_rates(ctx: Context) -> None:
    """ "90% have mobile ad ids", "only 30% of people have cookies"."""
    for m in ctx.free_mentions("rate"):
        role = m.role("rate")
        share = _share_next_to(ctx, m, rates=True)
        if share is None:
            continue
        ctx.claims.value(
            f"{role.field}.{role.value}",
            round(share.value, 6),
            ((share.first, share.last), (m.first, m.last)),
        )
        ctx.use(share)
        ctx.use(m)


def _read_as(m: Mention) -> str:
    return f'read as "{m.read_as}"' if m.read_as else ""


# ---------------------------------------------------------------- concepts


def _qualifies_label(ctx: Context, m: Mention) -> bool:
    """ "email-heavy": an intensity word hyphened to a label weighs that label, not viewing."""
    if (
        m.first == 0
        or ctx.doc.text[ctx.doc.tokens[m.first - 1].end : ctx.doc.tokens[m.first].start] != "-"
    ):
        return False
    return any(x.last == m.first and (x.has("label") or x.has("state")) for x in ctx.mentions)


def read_concepts(ctx: Context) -> None:
    for m in ctx.free_mentions("concept"):
        concept = ctx.vocab.concept(m.role("concept").value)
        tokens = (m.first, m.last)
        if _qualifies_label(ctx, m):
            ctx.use(m)
            continue
        note = "; ".join(x for x in (concept.get("note", ""), _read_as(m)) if x)
        for path, value in (concept.get("set") or {}).items():
            ctx.claims.value(path, value, tokens, strength=IMPLIED, note=note)
        for path, labels in (concept.get("labels") or {}).items():
            for label in labels:
                ctx.claims.label(path, label, tokens, strength=IMPLIED, note=note)
        if concept.get("ages"):
            concept_ages(ctx, *concept["ages"], tokens)
        if concept.get("income"):
            low, high = concept["income"]
            ctx.claims.range(INCOME_PATH, low, high, tokens, IMPLIED, note)
        ctx.use(m)


# ---------------------------------------------------------------- places


LIST_GLUE = {",", "and", "/", "&", "+", "or"}


def _in_state_list(ctx: Context, m: Mention) -> bool:
    """Whether another state stands next to ``m``, joined by a comma, "and", "/"..."""
    for other in ctx.mentions:
        if other is m or not other.has("state"):
            continue
        between = (
            ctx.gap(other.last, m.first) if other.last <= m.first else ctx.gap(m.last, other.first)
        )
        if between and len(between) <= 2 and all(w in LIST_GLUE for w in between):
            return True
    return False


def _place_ok(ctx: Context, m: Mention, role: Role) -> bool:
    raw = ctx.doc.phrase(m.first, m.last)
    if role.kind == "state" and m.last - m.first == 1 and len(raw) == 2:
        capitals = ctx.vocab.data["places"]["codes_in_capitals_only"]
        return raw.isupper() or role.value not in capitals or _in_state_list(ctx, m)
    if role.kind == "city":
        words = [
            ctx.doc.tokens[i] for i in range(m.first, m.last) if ctx.doc.tokens[i].kind == "word"
        ]
        return bool(m.read_as) or all(t.capitalised or t.text in ("of", "de", "la") for t in words)
    return True


def read_places(ctx: Context) -> None:
    places = ctx.vocab.data["places"]
    for m in ctx.free_mentions():
        role = next(
            (r for r in m.roles if r.kind in ("state", "region", "city", "nationwide")), None
        )
        if role is None or not _place_ok(ctx, m, role):
            continue
        if role.kind == "city" and any(r.kind not in ("city",) for r in m.roles):
            continue
        read_as = _read_as(m)
        if role.kind == "nationwide":
            every = ctx.defaults["households"]["states"]
            ctx.claims.value(
                STATES,
                every,
                (m.first, m.last),
                strength=NAMED,
                note="every state at its ACS share",
            )
        elif role.kind == "region":
            note = "; ".join(x for x in (", ".join(role.value), read_as) if x)
            for code in role.value:
                _label_or_share(ctx, STATES, code, m, note=note)
        else:
            name = ctx.vocab.state_names[role.value]
            note = read_as
            if role.kind == "city" and _cue_before(ctx, m, "exclude", reach=2):
                reason = "the spec places households by state, so a city cannot be left out"
                ctx.unsupported.append(Unsupported(ctx.doc.phrase(m.first, m.last), reason))
                ctx.use(m)
                continue
            if role.kind == "city":
                note = "; ".join(
                    x for x in (f"{ctx.doc.phrase(m.first, m.last)} is in {name}", read_as) if x
                )
                urban = places["city_urbanicity"]
                ctx.claims.label(
                    URBANICITY, urban, (m.first, m.last), strength=IMPLIED, note="a named city"
                )
            _label_or_share(ctx, STATES, role.value, m, note=note)
        ctx.use(m)


# ---------------------------------------------------------------- attribution and the rest


def read_attribution(ctx: Context) -> None:
    found = [
        m
        for m in ctx.free_mentions("attribution")
        if ctx.words_near(m.first, m.last, "sentence")
        & set(ctx.vocab.grammar["attribution_context"])
    ]
    if not found:
        return
    models = list(dict.fromkeys(m.role("attribution").value for m in found))
    ctx.claims.value(
        "responses.attribution.models", models, [(m.first, m.last) for m in found], strength=NAMED
    )
    for m in found:
        ctx.use(m)
    for i, token in enumerate(ctx.doc.tokens):
        if (
            token.text in ("attribution", "touch")
            and ctx.doc.tokens[i].sentence == ctx.doc.tokens[found[0].first].sentence
        ):
            ctx.doc.use(i, i + 1)


def read_unsupported(ctx: Context) -> None:
    for m in ctx.free_mentions("unsupported"):
        ctx.unsupported.append(
            Unsupported(ctx.doc.phrase(m.first, m.last), m.role("unsupported").value)
        )
        ctx.use(m)
