"""What the readers claim about spec fields, and how the claims on one field become one edit.

A ``Claim`` ties a statement about a dotted spec path to the tokens that made it, with a
strength: words that only imply a value (``IMPLIED``: "families" imply 3.4 persons) give way to
words naming a label (``NAMED``: "Texas"), which give way to numbers the user typed (``EXPLICIT``).

Resolution, per path:
- a value field takes the strongest claim; two different explicit values are a contradiction,
  reported as a problem at that path (never silently picked);
- a weight map combines its claims: explicit shares are kept as given (shares over 100% are left
  to the spec rules to refuse), named labels share what is left in their default proportions, and
  in ``focus`` mode the named labels also gain ``focus`` of the other labels' weight;
- ages and incomes are ranges: the bands or brackets they overlap, weighted by default share times
  the part of the band covered; explicit ranges replace implied ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from generators.spec.errors import Problem

IMPLIED, NAMED, EXPLICIT = 1, 2, 3
DECIMALS = 4


@dataclass(frozen=True)
class Claim:
    """``kind``: value | label | share | rest | exclude | only | range.

    ``tokens`` are (first, last) token ranges of the brief; ``range`` is (low, high) for ages
    (years) and incomes (USD), high None when open."""

    path: str
    kind: str
    strength: int
    tokens: tuple[tuple[int, int], ...]
    value: Any = None
    label: str | None = None
    range: tuple[float, float | None] | None = None
    note: str = ""


@dataclass(frozen=True)
class Resolved:
    """One resolved edit before phrasing: path, value, the tokens it came from and a note."""

    path: str
    value: Any
    tokens: tuple[tuple[int, int], ...]
    note: str = ""


def rounded(weights: dict[str, float], decimals: int = DECIMALS) -> dict[str, float]:
    """Weights scaled to sum 1 and rounded, the rounding residue on the largest (sum exactly 1),
    largest first (the spec stores them in its own label order)."""
    total = sum(weights.values())
    if total <= 0:
        return {}
    scaled = {k: round(w / total, decimals) for k, w in weights.items() if w > 0}
    residue = round(1 - sum(scaled.values()), decimals)
    if scaled and residue:
        largest = max(scaled, key=lambda k: scaled[k])
        scaled[largest] = round(scaled[largest] + residue, decimals)
    return dict(sorted(((k, w) for k, w in scaled.items() if w > 0), key=lambda kv: -kv[1]))


def proportional(labels: list[str], total: float, default: dict[str, float]) -> dict[str, float]:
    """``total`` spread over ``labels`` in their default proportions (equally if all are 0)."""
    mass = sum(default.get(k, 0) for k in labels)
    if mass <= 0:
        return {k: total / len(labels) for k in labels} if labels else {}
    return {k: total * default.get(k, 0) / mass for k in labels}


@dataclass
class Claims:
    """The claims of one brief, in the order the readers made them."""

    items: list[Claim] = field(default_factory=list)

    def add(self, claim: Claim) -> None:
        self.items.append(claim)

    def value(
        self, path: str, value: Any, tokens, strength: int = EXPLICIT, note: str = ""
    ) -> None:
        self.add(Claim(path, "value", strength, _tokens(tokens), value=value, note=note))

    def label(self, path: str, label: str, tokens, strength: int = NAMED, note: str = "") -> None:
        self.add(Claim(path, "label", strength, _tokens(tokens), label=label, note=note))

    def share(self, path: str, label: str, share: float, tokens, note: str = "") -> None:
        self.add(
            Claim(path, "share", EXPLICIT, _tokens(tokens), value=share, label=label, note=note)
        )

    def range(
        self, path: str, low: float, high: float | None, tokens, strength: int, note: str = ""
    ) -> None:
        self.add(Claim(path, "range", strength, _tokens(tokens), range=(low, high), note=note))

    def on(self, path: str) -> list[Claim]:
        return [c for c in self.items if c.path == path]


def _tokens(tokens) -> tuple[tuple[int, int], ...]:
    if tokens and isinstance(tokens[0], int):
        return (tuple(tokens),)
    return tuple(tuple(t) for t in tokens)


def _all_tokens(claims: list[Claim]) -> tuple[tuple[int, int], ...]:
    return tuple(sorted({t for c in claims for t in c.tokens}))


def _notes(claims: list[Claim]) -> str:
    return "; ".join(dict.fromkeys(c.note for c in claims if c.note))


class Resolver:
    """Turns claims into one ``Resolved`` edit per path (and problems for contradictions)."""

    def __init__(self, defaults: dict[str, Any], weight_fields: dict[str, dict], intervals, phrase):
        self.defaults = defaults
        self.weight_fields = weight_fields
        self.intervals = intervals  # path -> {label: (low, high)} for range fields
        self.phrase = phrase  # token ranges -> the brief's words
        self.problems: list[Problem] = []

    def default(self, path: str) -> Any:
        node: Any = self.defaults
        for part in path.split("."):
            node = node[part]
        return node

    def resolve(self, claims: Claims) -> list[Resolved]:
        grouped: dict[str, list[Claim]] = {}
        for claim in claims.items:
            grouped.setdefault(claim.path, []).append(claim)
        resolved = []
        for path, group in grouped.items():
            if path in self.weight_fields:
                edit = self._weights(path, group)
            else:
                edit = self._value(path, group)
            if edit is not None:
                resolved.append(edit)
        return resolved

    # ------------------------------------------------------------ values

    def _value(self, path: str, group: list[Claim]) -> Resolved | None:
        strongest = max(c.strength for c in group)
        top = [c for c in group if c.strength == strongest]
        values = {repr(c.value) for c in top}
        if strongest == EXPLICIT and len(values) > 1:
            listed = " and ".join(
                f'{_shown(c.value)} ("{self.phrase(c.tokens)}")' for c in _distinct(top)
            )
            self.problems.append(
                Problem(path, f"the brief gives two values, {listed}; say which one you mean")
            )
            return None
        chosen = top[-1]
        return Resolved(path, chosen.value, _all_tokens(top), _notes(top))

    # ------------------------------------------------------------ weight maps

    def _weights(self, path: str, group: list[Claim]) -> Resolved | None:
        config = self.weight_fields[path]
        default = {k: float(v) for k, v in self.default(path).items()}
        labels = list(default)
        ranges = [c for c in group if c.kind == "range"]
        if ranges:
            strongest = max(c.strength for c in ranges)
            group = [c for c in group if c.kind != "range"] + [
                c for c in ranges if c.strength == strongest
            ]
        shares: dict[str, float] = {}
        for c in group:
            if c.kind == "share":
                if c.label in shares and abs(shares[c.label] - c.value) > 1e-9:
                    self.problems.append(
                        Problem(
                            f"{path}.{c.label}",
                            f"the brief gives {c.label} two shares, {shares[c.label]:.0%} and "
                            f"{c.value:.0%}; say which one you mean",
                        )
                    )
                    return None
                shares[c.label] = c.value
        excluded = {c.label for c in group if c.kind == "exclude"}
        named = {
            c.label
            for c in group
            if c.kind in ("label", "rest") and c.label not in shares and c.label not in excluded
        }
        rest = {c.label for c in group if c.kind == "rest"}
        only = config.get("mode") == "only" or any(c.kind == "only" for c in group)
        by_range = self._range_weights(path, [c for c in group if c.kind == "range"], default)
        tokens = _all_tokens(group)
        note = _notes(group)
        if by_range:
            return Resolved(path, rounded(by_range), tokens, note)
        values = [c for c in group if c.kind == "value"]
        if values and not shares and not named and not excluded:
            return Resolved(path, values[-1].value, tokens, note)
        if not shares and not named and excluded:
            kept = [k for k in labels if k not in excluded]
            return Resolved(path, rounded(proportional(kept, 1.0, default)), tokens, note)
        if not shares and not named:
            return None
        result = dict(shares)
        left = 1.0 - sum(shares.values())
        if shares and left < -1e-9:
            return Resolved(path, {k: round(v, DECIMALS) for k, v in shares.items()}, tokens, note)
        others = [k for k in labels if k not in shares and k not in named and k not in excluded]
        if named:
            if not shares and not only:
                base = sum(default.get(k, 0) for k in named)
                inside = base + config.get("focus", 0.5) * (1 - base)
                result |= proportional(sorted(named, key=labels.index), inside, default)
                result |= proportional(others, 1 - inside, default)
            else:
                targets = rest or named
                result |= proportional(sorted(targets, key=labels.index), max(left, 0.0), default)
        elif left > 1e-9:
            if not others:
                return Resolved(
                    path, {k: round(v, DECIMALS) for k, v in shares.items()}, tokens, note
                )
            result |= proportional(others, left, default)
            spread = "the rest spread over the other labels in their default proportions"
            note = "; ".join(x for x in (note, spread) if x)
        total = sum(result.values())
        if abs(total - 1) > 1e-6:  # explicit shares that do not add up are the spec rules' call
            return Resolved(
                path, {k: round(v, DECIMALS) for k, v in result.items() if v > 0}, tokens, note
            )
        return Resolved(path, rounded(result), tokens, note)

    def _range_weights(
        self, path: str, ranges: list[Claim], default: dict[str, float]
    ) -> dict[str, float]:
        if not ranges:
            return {}
        bands = self.intervals[path]
        weights: dict[str, float] = {}
        for claim in ranges:
            low, high = claim.range
            for label, (a, b) in bands.items():
                top = b if high is None else min(b, high)
                covered = max(0.0, top - max(a, low))
                if covered > 0:
                    part = covered / (b - a)
                    weights[label] = max(weights.get(label, 0.0), default.get(label, 0) * part)
        return weights


def _distinct(claims: list[Claim]) -> list[Claim]:
    seen, out = set(), []
    for c in claims:
        if repr(c.value) not in seen:
            seen.add(repr(c.value))
            out.append(c)
    return out


def _shown(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
