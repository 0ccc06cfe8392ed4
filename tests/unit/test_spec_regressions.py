"""Hostile inputs as plain cases: the values that must be refused (each would otherwise validate
into a failing run, or into an unreadable problem) and the shrunk examples of the property
suites (tests/unit/test_*_fuzz.py, tests/integration/test_generate_fuzz.py)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, get_args, get_origin

import pytest
from pydantic import BaseModel

from generators.spec import GenerationSpec
from generators.spec.errors import SpecError
from generators.spec.io import parse_spec, parse_spec_text

FINITE = "must be a finite number"


def problems(overrides: list[str], data: dict | None = None) -> dict[str, str]:
    with pytest.raises(SpecError) as refused:
        parse_spec(data or {}, overrides)
    return {p.path: p.message for p in refused.value.problems}


@pytest.mark.parametrize(
    ("override", "path"),
    [
        (
            "households.urbanicity={urban: .nan, suburban: 0.5, rural: 0.5}",
            "households.urbanicity.urban",
        ),
        ("households.states={TX: .nan, FL: 1.0}", "households.states.TX"),
        ("campaigns.channels={ctv: .nan, video: 1.0}", "campaigns.channels.ctv"),
        ("engagement.seasonality.hour_of_day.3=.nan", "engagement.seasonality.hour_of_day.3"),
        ("engagement.seasonality.month_of_year.0=.inf", "engagement.seasonality.month_of_year.0"),
        ("campaigns.cpm_usd.ctv=.inf", "campaigns.cpm_usd.ctv"),
        ("campaigns.budget_usd.max=.inf", "campaigns.budget_usd.max"),
        (
            "audience.behavioural_classes.heavy_events_per_week=.inf",
            "audience.behavioural_classes.heavy_events_per_week",
        ),
        ("households.size.average=.nan", "households.size.average"),
        (
            "demographics.identity.identifier_types.cookie=-.inf",
            "demographics.identity.identifier_types.cookie",
        ),
    ],
)
def test_non_finite_numbers_are_refused_at_their_field_with_what_to_write(override, path):
    message = problems([override])[path]
    assert message.startswith(FINITE) and "write a plain number" in message


def test_a_weight_map_of_zeros_says_so_instead_of_dividing_by_zero():
    message = problems(["households.urbanicity={urban: 0, rural: 0}"])["households.urbanicity"]
    assert message == "every weight is 0; give at least one label a positive share"


def test_a_huge_weight_sum_is_shown_short():
    """Shrunk example: ``engagement.content.categories = {news: 1e300}``, whose sum must not
    be written out in 300 digits."""
    message = problems(["engagement.content.categories={news: 1.0e+300}"])[
        "engagement.content.categories"
    ]
    assert "1e+300" in message and len(message) < 120


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        (["engagement.start_date=1900-01-01"], "engagement.start_date"),
        (["engagement.end_date=2999-01-01"], "engagement.end_date"),
        (["engagement.extended_from=[1999-12-31]"], "engagement.extended_from.0"),
    ],
)
def test_dates_outside_2000_to_2099_are_refused(overrides, path):
    assert "outside the dates a spec may use (2000-01-01..2099-12-31)" in problems(overrides)[path]


def test_a_window_longer_than_five_years_is_refused_with_the_last_day_allowed():
    message = problems(["engagement.start_date=2026-01-01", "engagement.end_date=2031-01-02"])[
        "engagement.end_date"
    ]
    assert "1,828 days" in message and "end it by 2031-01-01" in message
    parse_spec({}, ["engagement.end_date=2031-01-01"])  # five years exactly


def test_a_flight_outside_the_calendar_is_refused_at_its_date():
    flight = "{name: f, start_date: 1999-06-01, end_date: 2026-01-10, channel: ctv, budget_usd: 1}"
    found = problems([f"campaigns.flights=[{flight}]", "campaigns.count=1"])
    assert "outside the dates" in found["campaigns.flights.0.start_date"]


LONG = "a" * 10_000


@pytest.mark.parametrize(
    "overrides",
    [
        [f"households.{LONG}=1"],  # an unknown field: its name is quoted, cut short
        [f"households.income_brackets.{LONG}=1.0"],  # an unknown label
        [
            f"campaigns.flights=[{{name: f, start_date: 2026-01-05, end_date: 2026-01-09, "
            f"channel: ctv, budget_usd: 1, goal: {LONG}}}]",
            "campaigns.count=1",
        ],
        [f"campaigns.target_segments=[{LONG}]"],
        [f"responses.attribution.models=[{LONG}]"],
    ],
)
def test_a_very_long_value_is_quoted_short_in_its_problem(overrides):
    """Shrunk example: a 10,000-character field name, label or goal, never echoed whole."""
    with pytest.raises(SpecError) as refused:
        parse_spec({}, overrides)
    for problem in refused.value.problems:
        assert len(str(problem)) < 300 and "…" in str(problem)


def test_a_key_with_dots_is_quoted_in_the_path():
    assert "households.'a.b'" in problems([], {"households": {"a.b": 1}})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "seed: 1\nseed: 2\n",
            "at line 2, column 1: the key 'seed' is given twice (lines 1 and 2)",
        ),
        ('{"seed": 1, "seed": 2}', "the key 'seed' is given twice (line 1); keep one"),
        ("a: &x [1]\nb: *x\n", "anchors and aliases (&name, *name) are not allowed"),
        ("[" * 100 + "]" * 100, "nested more than 32 levels deep"),
        ("", "holds no spec (it is empty or only comments)"),
        ("# only a comment\n", "holds no spec"),
        ("seed: \x01\n", "character U+0001 at offset 6 is not allowed in YAML"),
    ],
)
def test_spec_text_is_read_strictly(text, expected):
    with pytest.raises(SpecError) as refused:
        parse_spec_text(text, source="spec.yaml")
    (problem,) = refused.value.problems
    assert problem.path == "spec.yaml" and expected in problem.message


def test_an_empty_mapping_still_asks_for_the_default_spec():
    assert parse_spec(parse_spec_text("{}")).seed == 42


def test_profiles_too_small_to_multiply_are_refused():
    """Generate-level example: day_of_week and month_of_year of 1e-300 multiply to an all-zero
    day table, from which no run can draw."""
    tiny = "[" + ", ".join(["1.0e-300"] * 7) + "]"
    message = problems([f"engagement.seasonality.day_of_week={tiny}"])[
        "engagement.seasonality.day_of_week"
    ]
    assert "must be 0 or between 1e-09 and 1e+09" in message
    parse_spec({}, ["engagement.seasonality.day_of_week=[0, 1.0e-9, 1.0e+9, 1, 1, 1, 1]"])


@pytest.mark.parametrize(
    ("item", "path"),
    [
        ("", "''"),  # shrunk example: an empty --set item, located at its quoted self
        ("=5", "'=5'"),
        ("no equals sign", "'no equals sign'"),
        ("a\nb", "'a\\nb'"),
    ],
)
def test_a_malformed_override_is_located_at_the_quoted_item(item, path):
    with pytest.raises(SpecError) as refused:
        parse_spec({}, [item])
    (problem,) = refused.value.problems
    assert problem.path == path and "\n" not in str(problem)


@pytest.mark.parametrize(("text", "held"), [("(", "the single value '('"), ("[1, 2]", "a list")])
def test_a_file_holding_no_mapping_is_located_at_the_file(text, held):
    """Shrunk example: a spec file holding ``(``; its problem names the file."""
    with pytest.raises(SpecError) as refused:
        parse_spec_text(text, source="spec.yaml")
    (problem,) = refused.value.problems
    assert problem.path == "spec.yaml" and problem.message.startswith(f"holds {held}, not a spec")


def test_a_view_share_too_small_to_lead_its_follow_ups_is_refused():
    """Generate-level example: ``engagement_types = {view: 1e-300, click: 1}`` asks for blocks
    of 1e300 events (one view and its follow-ups), which no run can hold."""
    message = problems(["engagement.engagement_types={view: 1.0e-300, click: 1.0}"])[
        "engagement.engagement_types"
    ]
    assert "'view' needs a weight of at least 0.01" in message
    parse_spec({}, ["engagement.engagement_types={view: 0.01, click: 0.99}"])


def test_a_time_decay_half_life_too_short_for_the_look_back_is_refused():
    """Generate-level example: with a half-life of 5e-324 days every touch weighs
    0.5^(age / half-life) = 0, and attributing a conversion divides by zero."""
    message = problems(["responses.attribution.time_decay_half_life_days=5.0e-324"])[
        "responses.attribution.time_decay_half_life_days"
    ]
    assert "at least window_days / 500 = 0.06 days" in message
    parse_spec({}, ["responses.attribution.time_decay_half_life_days=0.06"])


@pytest.mark.parametrize(
    ("override", "path"),
    [
        ("engagement.duration.completion_concentration=5.0e-324", "completion_concentration"),
        ("engagement.duration.completion_mean=5.0e-324", "completion_mean"),
        ("engagement.duration.completion_mean=0.9999", "completion_mean"),
    ],
)
def test_a_completion_beta_with_vanishing_parameters_is_refused(override, path):
    """Generate-level example: with a concentration of 5e-324 the Beta's quantiles are NaN."""
    assert f"engagement.duration.{path}" in problems([override])


def _unchecked(annotation: Any, metadata: list[Any] = ()) -> list[str]:
    """Plain ``float``s and ``date``s inside an annotation: those not given as FiniteFloat or
    SpecDate."""
    if get_origin(annotation) is Annotated:
        inner, *extra = get_args(annotation)
        for item in extra:  # a Field(...) inside Annotated carries its constraints as metadata
            metadata = [*metadata, item, *getattr(item, "metadata", [])]
        return _unchecked(inner, metadata)
    if annotation is float:
        finite = any(getattr(m, "allow_inf_nan", None) is False for m in metadata)
        return [] if finite else ["float"]
    if annotation is date:
        bounded = any(getattr(m, "func", None) is not None for m in metadata)
        return [] if bounded else ["date"]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [
            f"{name}: {kind}"
            for name, info in annotation.model_fields.items()
            for kind in _unchecked(info.annotation, info.metadata)
        ]
    return [kind for arg in get_args(annotation) for kind in _unchecked(arg)]


def test_every_number_and_date_of_the_spec_is_checked_by_its_type():
    """Every float is a FiniteFloat and every date a SpecDate, at any depth: a field added with
    a plain ``float`` would let NaN in again."""
    assert _unchecked(GenerationSpec) == []


@pytest.mark.parametrize(
    ("override", "path", "says"),
    [
        ("households=5", "households", "must be a mapping of fields or labels (key: value); got 5"),
        ("households.states=[TX]", "households.states", "must be a mapping"),
        ("audience.segments=5", "audience.segments", "must be a list ([a, b, ...]); got 5"),
        (
            f"output.catalog={'a' * 300}",
            "output.catalog",
            "is 300 characters long; use at most 255",
        ),
    ],
)
def test_a_value_of_the_wrong_shape_is_said_plainly(override, path, says):
    assert says in problems([override])[path]


def test_a_yaml_merge_key_is_not_a_duplicate():
    data = parse_spec_text("households:\n  <<: {count: 5}\n  count: 7\n")
    assert data["households"]["count"] == 7
