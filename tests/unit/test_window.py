"""Window segments (``generators.spec.window``) and the spec rules of an extended window: pure Python,
no Spark."""

from __future__ import annotations

from datetime import date

import pytest

from generators.run.append import differences
from generators.spec import GenerationSpec, window
from generators.spec.errors import SpecError
from generators.spec.io import parse_spec
from generators.spec.window import campaign_total
from generators.tables.campaigns import flights

EXTENDED = {"end_date": "2026-08-31", "extended_from": ["2026-03-31", "2026-06-30"]}


def problems(engagement: dict, **sections: object) -> dict[str, str]:
    with pytest.raises(SpecError) as error:
        parse_spec({"engagement": engagement, **sections})
    return {p.path: p.message for p in error.value.problems}


def test_a_window_never_extended_is_one_segment():
    spec = GenerationSpec()
    (only,) = window.segments(spec)
    assert (only.index, only.start_date, only.end_date, only.days) == (
        0,
        date(2026, 1, 1),
        date(2026, 3, 31),
        90,
    )
    assert window.as_of(spec, 0) is spec
    assert window.generated_campaigns(spec) == [spec.campaigns.count]


def test_an_extended_window_is_cut_at_its_earlier_ends():
    spec = parse_spec({"engagement": EXTENDED})
    cuts = [(s.start_date, s.end_date) for s in window.segments(spec)]
    assert cuts == [
        (date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 7, 1), date(2026, 8, 31)),
    ]
    assert window.segment_of(spec, date(2026, 4, 1)) == 1
    first = window.as_of(spec, 0)
    assert (first.engagement.end_date, first.engagement.extended_from) == (date(2026, 3, 31), [])
    second = window.as_of(spec, 1)
    assert second.engagement.extended_from == [date(2026, 3, 31)]
    assert (
        second.fingerprint()
        == parse_spec(
            {"engagement": {"end_date": "2026-06-30", "extended_from": ["2026-03-31"]}}
        ).fingerprint()
    )


def test_each_extension_adds_campaigns_at_the_first_windows_rate_inside_it():
    spec = parse_spec({"engagement": EXTENDED})
    assert window.generated_campaigns(spec) == [12, 12, 8]  # 90 days, 91 days, 62 days
    assert campaign_total(spec) == 32
    drawn = flights(spec)
    first_only = flights(window.as_of(spec, 0))
    assert drawn[:12] == first_only  # the first window's campaigns never change
    for flight in drawn[24:]:
        assert date(2026, 7, 1) <= flight.start_date <= flight.end_date <= date(2026, 8, 31)


@pytest.mark.parametrize(
    ("extended_from", "field"),
    [
        (["2026-06-30", "2026-03-31"], "engagement.extended_from.1"),
        (["2026-08-31"], "engagement.extended_from.0"),
        (["2025-12-31"], "engagement.extended_from.0"),
    ],
)
def test_earlier_ends_must_be_in_order_inside_the_window(extended_from, field):
    found = problems({"end_date": "2026-08-31", "extended_from": extended_from})
    assert field in found, found
    assert "oldest first, inside the window" in found[field]


def test_an_extension_must_hold_the_longest_generated_flight():
    found = problems({"end_date": "2026-04-20", "extended_from": ["2026-03-31"]})
    assert "the extension 2026-04-01..2026-04-20 is 20 days" in found["engagement.end_date"]
    assert "extend the window to 2026-05-12 or later" in found["engagement.end_date"]
    flight = {
        "name": "spring",
        "channel": "ctv",
        "goal": "awareness",
        "start_date": "2026-02-01",
        "end_date": "2026-02-28",
        "budget_usd": 10000,
    }
    parse_spec(  # explicit flights: no campaign is generated, short extensions are fine
        {
            "engagement": {"end_date": "2026-04-20", "extended_from": ["2026-03-31"]},
            "campaigns": {"count": 1, "flights": [flight]},
        }
    )


def test_an_extended_window_must_keep_every_cookie_in_its_slots():
    found = problems(
        {"end_date": "2026-09-30", "extended_from": ["2026-03-31"]},
        demographics={"identity": {"cookie_lifetime_days": 1}},
    )
    # Lifetimes of at least 90 days / 71 (the first window's floor): 71 of them is 90 days.
    assert "can be extended to 2026-03-31 at most" in found["engagement.end_date"]


def test_extensions_cannot_exceed_the_campaign_ids():
    found = problems(
        {"end_date": "2026-12-31", "extended_from": ["2026-03-31"]}, campaigns={"count": 600}
    )
    assert "more than the 1023 campaign ids" in found["engagement.end_date"]


def flight(name: str, start: str, end: str) -> dict[str, object]:
    return {
        "name": name,
        "channel": "ctv",
        "goal": "awareness",
        "start_date": start,
        "end_date": end,
        "budget_usd": 10000,
    }


SPRING = flight("spring", "2026-02-01", "2026-02-28")


def explicit(end: str, *flights: dict[str, object], **engagement: object) -> GenerationSpec:
    return parse_spec(
        {
            "engagement": {"end_date": end, **engagement},
            "campaigns": {"count": len(flights), "flights": list(flights)},
        }
    )


def test_explicit_flights_can_be_added_after_the_previous_end_of_an_extended_window():
    old = explicit("2026-03-31", SPRING)
    summer = flight("summer", "2026-06-01", "2026-06-20")
    new = explicit("2026-06-30", SPRING, summer, extended_from=["2026-03-31"])
    assert differences(old, new, "run r in c.s") == []
    early = flight("early", "2026-03-20", "2026-04-10")
    found = {
        p.path: p.message
        for p in differences(
            old, explicit("2026-06-30", SPRING, early, extended_from=["2026-03-31"]), "r"
        )
    }
    assert (
        "starts on 2026-03-20, not after the previous window end 2026-03-31"
        in found["campaigns.flights.1"]
    )
    same_window = {
        p.path: p.message
        for p in differences(
            old, explicit("2026-03-31", SPRING, flight("late", "2026-03-01", "2026-03-20")), "r"
        )
    }
    assert "only when the window is extended" in same_window["campaigns.flights.1"]
    assert "campaigns.count" in same_window  # 2 flights where the run had 1
    changed = {
        p.path
        for p in differences(
            old,
            explicit(
                "2026-06-30",
                flight("spring", "2026-02-02", "2026-02-28"),
                summer,
                extended_from=["2026-03-31"],
            ),
            "r",
        )
    }
    assert changed == {"campaigns.flights.0.start_date"}  # old flights never change
