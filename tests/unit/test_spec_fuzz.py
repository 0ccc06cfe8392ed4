"""The spec under hostile edits (Hypothesis): every edit of the default spec is either refused
with problems located at fields that exist, or round-trips through the exported YAML unchanged,
and nothing that validates holds a non-finite number, a date outside 2000-2099 or a window
longer than five years."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from hostile import floats_in, mutated, mutations, resolves
from hypothesis import given, settings

from generators.spec import GenerationSpec
from generators.spec.base import FIRST_DATE, LAST_DATE
from generators.spec.errors import SpecError
from generators.spec.io import parse_spec, parse_spec_text, spec_to_yaml
from generators.spec.window import MAX_WINDOW_DAYS

MAX_PROBLEM_CHARS = 600


def dates_in(spec: GenerationSpec) -> list[date]:
    window = spec.engagement
    flights = spec.campaigns.flights
    return [
        window.start_date,
        window.end_date,
        *window.extended_from,
        *(d for f in flights for d in (f.start_date, f.end_date)),
    ]


def assert_refused_well(error: SpecError, data: dict[str, Any]) -> None:
    assert error.problems, "a SpecError must list its problems"
    for problem in error.problems:
        line = str(problem)
        assert resolves(problem.path, data), f"{line!r} names no field of the spec"
        assert problem.message.strip(), line
        assert "\n" not in line and len(line) <= MAX_PROBLEM_CHARS, line[:200]


def assert_sane(spec: GenerationSpec) -> None:
    assert all(math.isfinite(n) for n in floats_in(spec.canonical()))
    assert all(FIRST_DATE <= d <= LAST_DATE for d in dates_in(spec))
    assert spec.engagement.window_days <= MAX_WINDOW_DAYS


@settings(max_examples=500)
@given(mutations())
def test_a_hostile_edit_is_refused_at_a_field_or_round_trips(edits):
    data = mutated(edits)
    try:
        spec = parse_spec(data)
    except SpecError as error:
        assert_refused_well(error, data)
        return
    assert_sane(spec)
    again = parse_spec(parse_spec_text(spec_to_yaml(spec)))
    assert again.fingerprint() == spec.fingerprint()
