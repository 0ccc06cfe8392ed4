"""``interpret(text, spec)``: a plain-English market brief read into spec edits, with no model.

The reading is deterministic and explains itself: every ``Edit`` names the dotted field, its new
value and the brief's words it came from; words it could not use are listed in ``unused``, and
requests the spec cannot express (an ethnicity, a brand) in ``unsupported``, changing nothing. The
edited spec is built with the real spec model: when the brief contradicts itself or the spec rules
(shares over 100%, doctorates among 18-24 year olds, an end before the start), ``problems`` lists
the rules' ``dotted.path: problem`` lines and ``spec`` is None; nothing is ever normalised
silently. Fields the brief did not mention but its edits force to move are edits too, each with
its reason (``consequences``).

Reading order (``READERS``): named things first (output target, flights, segments, targeting),
then people (household sizes, ages, incomes), numbers tied to words, labels and rates, concepts,
places, attribution, unsupported requests, and the engagement window from the remaining dates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from generators.brief.bands import intervals
from generators.brief.claims import Resolved, Resolver
from generators.brief.consequences import REPAIRS, Mentioned
from generators.brief.context import Context, Unsupported
from generators.brief.readers.measures import read_measures
from generators.brief.readers.people import read_ages, read_bare_ages, read_income, read_sizes
from generators.brief.readers.structure import (
    read_flights,
    read_output,
    read_segments,
    read_targets,
)
from generators.brief.readers.time import read_window
from generators.brief.readers.words import (
    read_attribution,
    read_concepts,
    read_labels,
    read_places,
    read_rates,
    read_unsupported,
)
from generators.brief.vocabulary import vocabulary
from generators.spec import GenerationSpec
from generators.spec.errors import Problem, SpecError
from generators.spec.io import parse_spec

READERS = (
    read_output,
    read_flights,
    read_segments,
    read_targets,
    read_sizes,
    read_ages,
    read_income,
    read_rates,
    read_labels,
    read_measures,
    read_labels,
    read_bare_ages,
    read_concepts,
    read_places,
    read_attribution,
    read_unsupported,
    read_window,
)


@dataclass(frozen=True)
class Edit:
    """``path`` (dotted spec path) set to ``value`` because of ``phrase``; ``note`` says how."""

    path: str
    value: Any
    phrase: str
    note: str = ""


@dataclass(frozen=True)
class Interpretation:
    """What a brief means for a spec. ``spec`` is the edited spec, None when refused."""

    text: str
    base: dict[str, Any]
    edits: list[Edit] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)
    unsupported: list[Unsupported] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    spec: GenerationSpec | None = None

    @property
    def refused(self) -> bool:
        return bool(self.problems)

    @property
    def understood(self) -> bool:
        return bool(self.edits) or self.refused


@cache
def default_spec() -> dict[str, Any]:
    return GenerationSpec().canonical()


@cache
def field_order() -> dict[str, int]:
    """Dotted path -> its rank in the spec (sections in step order, fields as declared); a
    section or map ranks with its first field."""
    order: dict[str, int] = {}

    def walk(node: Any, prefix: str) -> None:
        if prefix:
            order.setdefault(prefix, len(order))
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{prefix}.{key}" if prefix else str(key))

    spec = default_spec()
    walk({k: spec[k] for k in [*(k for k in spec if k != "seed"), "seed"]}, "")
    return order


def apply(data: dict[str, Any], edits: list[Resolved]) -> dict[str, Any]:
    """A copy of ``data`` with each edit's value set at its dotted path (every path the readers
    make names a field of the spec or a key of one of its maps)."""
    result = json.loads(json.dumps(data, default=str))
    for edit in edits:
        *parents, last = edit.path.split(".")
        node = result
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[last] = json.loads(json.dumps(edit.value))
    return result


def interpret(text: str, spec: GenerationSpec | dict[str, Any] | None = None) -> Interpretation:
    """Read ``text`` as edits of ``spec``: a spec, its canonical dict (a wizard's data, which
    may not validate as a whole yet), or None for the default spec."""
    vocab = vocabulary()
    if isinstance(spec, dict):
        base = json.loads(json.dumps(spec, default=str))
    else:
        base = (spec or GenerationSpec()).canonical()
    year = date.fromisoformat(str(base["engagement"]["start_date"])).year
    ctx = Context.read(text, vocab, base, default_spec(), year)
    for reader in READERS:
        reader(ctx)
    resolver = Resolver(default_spec(), vocab.data["weights"], intervals(), ctx.phrase)
    resolved = resolver.resolve(ctx.claims)
    data = apply(base, resolved)
    mentioned = Mentioned(ctx.claims)
    for repair in REPAIRS:
        fixes = repair(data, mentioned)
        if fixes:
            resolved += fixes
            data = apply(data, fixes)
    order = field_order()
    resolved.sort(key=lambda r: order.get(r.path, len(order)))
    edits = [Edit(r.path, r.value, ctx.phrase(r.tokens), r.note) for r in resolved]
    problems = list(resolver.problems)
    candidate = None
    if not problems:
        try:
            candidate = parse_spec(data)
        except SpecError as error:
            problems = error.problems
    return Interpretation(
        text=text,
        base=base,
        edits=edits,
        unused=unused_phrases(ctx),
        unsupported=ctx.unsupported,
        problems=problems,
        spec=candidate,
    )


def unused_phrases(ctx: Context) -> list[str]:
    """Runs of words the reading did not use (fillers and punctuation aside), as typed."""
    doc, fillers = ctx.doc, ctx.vocab.fillers
    phrases: list[str] = []
    run: list[int] = []

    def flush() -> None:
        meaningful = [
            i for i in run if doc.tokens[i].kind != "symbol" and doc.tokens[i].text not in fillers
        ]
        if meaningful:
            phrases.append(doc.phrase(meaningful[0], meaningful[-1] + 1))
        run.clear()

    for i, _token in enumerate(doc.tokens):
        if i in doc.used or (run and not doc.same_clause(run[-1], i)):
            flush()
        if i not in doc.used:
            run.append(i)
    flush()
    return phrases
