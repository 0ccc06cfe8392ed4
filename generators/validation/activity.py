"""Statistical checks of engagement activity: the heavy tail of events per individual, the
share of inactive people, and hour / day-of-week / month / year seasonality.

Events per individual count a person's own events (co-viewing copies excluded).

Two small aggregates feed everything: active people per exact event count (at most one row per
distinct count) and events per UTC hour (at most 24 rows per day of the window). Expected calendar profiles sum the configured daily intensity over the days of the
window, so partial months and uneven weekday counts are accounted for.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from scipy.stats import norm

from generators.spec import GenerationSpec
from generators.synth.seasonality import day_weights, epoch_hour
from generators.tables import viewers
from generators.validation.measures import correlation
from generators.validation.model import Check, share_stat, stat

MIN_CORRELATION = 0.9
MIN_BINS = 3
SIGMA_TOLERANCE = 0.15
ALPHA_TOLERANCE = 0.25
MEAN_TOLERANCE = 0.15
EPOCH = date(1970, 1, 1)
COPY_COLUMN = "co_viewer_of_event_id"  # set on co-viewers' copies: not the person's own events

Tables = Mapping[str, DataFrame]


def activity_checks(tables: Tables, spec: GenerationSpec) -> list[Check]:
    events = tables.get("content_engagements")
    if events is None or not {"individual_id", "event_ts"} <= set(events.columns):
        return []
    checks = _per_individual_checks(events, tables.get("individuals"), spec)
    return checks + seasonality_checks(events, spec)


# ---------------------------------------------------------------- events per individual


def _per_individual_checks(
    events: DataFrame, people: DataFrame | None, spec: GenerationSpec
) -> list[Check]:
    """Everything from one small aggregate: how many active people have exactly n events."""
    target = spec.engagement.events_per_individual
    if COPY_COLUMN in events.columns:
        events = events.where(F.col(COPY_COLUMN).isNull())
    per = events.groupBy("individual_id").agg(F.count("*").alias("n"))
    counts = sorted(
        (int(r["n"]), int(r["people"]))
        for r in per.groupBy("n").agg(F.count("*").alias("people")).collect()
    )
    active = sum(p for _, p in counts)
    if not active:
        return []
    checks = [_tail_check(counts, spec)]
    mean = sum(n * p for n, p in counts) / active
    checks.append(
        stat(
            "mean:content_engagements.events_per_individual",
            "content_engagements",
            "mean events per active individual",
            within=abs(mean / target.mean - 1) <= MEAN_TOLERANCE,
            target=target.mean,
            observed=round(mean, 3),
            statistic=f"relative difference {mean / target.mean - 1:+.3f}",
            tolerance=f"|relative difference| <= {MEAN_TOLERANCE}",
        )
    )
    if people is not None:
        checks.append(_inactive_check(_with_device(people, spec), active, target.inactive_share))
    return checks


def _tail_check(counts: list[tuple[int, int]], spec: GenerationSpec) -> Check:
    """Lognormal sigma (sd of log counts) or power-law alpha (discrete Hill estimate above the
    configured xmin), with the log-log complementary CDF as plot data."""
    target = spec.engagement.events_per_individual
    active = sum(p for _, p in counts)
    remaining, xs, ccdf = active, [], []
    for n, people in counts:
        xs.append(n)
        ccdf.append(remaining / active)
        remaining -= people
    data = {"x": xs, "ccdf": ccdf, "target_ccdf": [_target_ccdf(x, spec) for x in xs], "n": active}
    if target.distribution == "lognormal":
        mean_log = sum(p * math.log(n) for n, p in counts) / active
        variance = sum(p * (math.log(n) - mean_log) ** 2 for n, p in counts) / max(active - 1, 1)
        sigma = math.sqrt(variance)
        return stat(
            "tail:content_engagements.events_per_individual",
            "content_engagements",
            "heavy tail of events per active individual: lognormal sigma of the counts",
            within=abs(sigma - target.sigma) <= SIGMA_TOLERANCE,
            target={"distribution": "lognormal", "sigma": target.sigma},
            observed={"sigma": round(sigma, 4)},
            statistic=f"sd of log(events) {sigma:.3f} over {active:,} individuals",
            tolerance=f"|sigma - {target.sigma}| <= {SIGMA_TOLERANCE}",
            data=data,
        )
    xmin = _power_law_xmin(spec)
    tail = [(n, p) for n, p in counts if n >= xmin]
    tail_n = sum(p for _, p in tail)
    logs = sum(p * math.log(n / (xmin - 0.5)) for n, p in tail)
    alpha = 1 + tail_n / logs if tail_n and logs else math.nan
    return stat(
        "tail:content_engagements.events_per_individual",
        "content_engagements",
        "heavy tail of events per active individual: power-law exponent (discrete Hill estimate)",
        within=abs(alpha - target.alpha) <= ALPHA_TOLERANCE,
        target={"distribution": "power_law", "alpha": target.alpha},
        observed={"alpha": round(alpha, 4), "xmin": round(xmin, 3), "tail_n": tail_n},
        statistic=f"alpha {alpha:.3f} over {tail_n:,} individuals >= xmin",
        tolerance=f"|alpha - {target.alpha}| <= {ALPHA_TOLERANCE}",
        data=data,
    )


def _target_ccdf(x: float, spec: GenerationSpec) -> float:
    """P(X >= x) of the configured (continuous, uncapped) events-per-individual distribution."""
    target = spec.engagement.events_per_individual
    if target.distribution == "lognormal":
        mu = math.log(target.mean) - target.sigma**2 / 2
        return float(norm.sf((math.log(x) - mu) / target.sigma))
    return min(1.0, (x / _power_law_xmin(spec)) ** (1 - target.alpha))


def _power_law_xmin(spec: GenerationSpec) -> float:
    """The xmin that gives a Pareto with the configured alpha the configured mean (>= 1)."""
    target = spec.engagement.events_per_individual
    return max(1.0, target.mean * (target.alpha - 2) / (target.alpha - 1))


def _with_device(people: DataFrame, spec: GenerationSpec) -> int:
    """Individuals with a usable device: the population ``inactive_share`` applies to (people
    without one never engage)."""
    iid, hid, age = F.col("individual_id"), F.col("household_id"), F.col("age")
    return people.where(
        viewers.any_of(list(viewers.device_flags(spec, iid, hid, age).values()))
    ).count()


def _inactive_check(population: int, active: int, share: float) -> Check:
    return share_stat(
        "share:individuals.inactive",
        "content_engagements",
        "share of individuals with a device and no engagement event",
        target=share,
        hits=population - active,
        n=population,
        unit="people with a device",
    )


# ---------------------------------------------------------------- seasonality


def seasonality_checks(events: DataFrame, spec: GenerationSpec) -> list[Check]:
    """Correlation of the hour, weekday, month and year histograms with the configured
    profiles; a calendar profile with fewer than MIN_BINS bins in the window is not checked."""
    rows = events.groupBy(epoch_hour(F.col("event_ts")).alias("hour")).count().collect()
    per_day: dict[date, int] = defaultdict(int)
    per_hour = [0] * 24
    for row in rows:
        days, hour = divmod(row["hour"], 24)
        per_day[EPOCH + timedelta(days=days)] += row["count"]
        per_hour[hour] += row["count"]
    season = spec.engagement.seasonality
    checks = [_profile_check("hour", list(range(24)), per_hour, list(season.hour_of_day))]
    intensity = daily_intensity(spec)
    for name, key in (
        ("day_of_week", lambda d: d.isoweekday()),
        ("month", lambda d: d.month),
        ("year", lambda d: d.year),
    ):
        observed: dict[int, float] = defaultdict(float)
        expected: dict[int, float] = defaultdict(float)
        for day, weight in intensity.items():
            expected[key(day)] += weight
        for day, count in per_day.items():
            observed[key(day)] += count
        labels = sorted(set(expected) | set(observed))
        if len(labels) >= MIN_BINS:
            checks.append(
                _profile_check(
                    name,
                    labels,
                    [observed.get(k, 0.0) for k in labels],
                    [expected.get(k, 0.0) for k in labels],
                )
            )
    return checks


def daily_intensity(spec: GenerationSpec) -> dict[date, float]:
    """Relative expected activity of each day of the window (the generator's day weights)."""
    start = spec.engagement.start_date
    return {start + timedelta(days=i): w for i, w in enumerate(day_weights(spec))}


def _profile_check(
    name: str, labels: list[int], observed: list[float], expected: list[float]
) -> Check:
    r = correlation(observed, expected)
    total_o, total_e = sum(observed) or 1.0, sum(expected) or 1.0
    return stat(
        f"season:content_engagements.{name}",
        "content_engagements",
        f"{name.replace('_', '-')} histogram of event_ts vs the configured profile",
        within=r >= MIN_CORRELATION,
        target=[round(e / total_e, 5) for e in expected],
        observed=[round(o / total_o, 5) for o in observed],
        statistic=f"Pearson r {r:.3f} over {len(labels)} bins",
        tolerance=f"r >= {MIN_CORRELATION}",
        data={
            "labels": labels,
            "target": [e / total_e for e in expected],
            "observed": [o / total_o for o in observed],
        },
    )
