"""Statistical checks of the identity graph's noise: the realised shares against the spec's rates
(``demographics.identity.noise``, resolved to explicit rates). Only for noisy graphs: without
noise, or without the truth columns, there is nothing to check.

One aggregate over identity_mappings and one over individuals count everything:

- shared networks: people with a workplace row among employed people 16+, a campus row among
  students 16+, a public Wi-Fi row among people 13+, a carrier NAT row among people with a
  mobile ad id; each against its rate;
- churn: households (their householder's lease rows) that moved, against
  ``1 - exp(-move_rate_per_year × window years)``; lease renewals per household-day, against
  ``ln 3 / ip_lease_days`` (a lease lasts ``ip_lease_days`` ±50% uniformly); personal phones and
  computers that changed owner, against ``1 - exp(-device_transfer_rate_per_year × window
  years)``;
- third-party links: deterministic and probabilistic shares, and the share of wrong
  probabilistic links, counted over the identifiers whose links are drawn one by one (mobile ad
  ids, personal device ids, a household's CTV id on its householder's row): a browser's cookies
  share one draw, so counting them would overstate the sample.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from generators.spec import GenerationSpec
from generators.validation.model import SHARE_FLOOR, Check, share_stat, stat
from generators.validation.rules import needs

Tables = Mapping[str, DataFrame]
TABLE = "identity_mappings"
RENEWAL_TOLERANCE = 0.05  # relative, at least
# a share's tolerance floor: SHARE_FLOOR, or 10% of a rate under 0.2 (moves and device transfers
# are rates of a few percent, which an absolute floor of 0.02 would pass at zero)
SMALL_RATE_FLOOR = 0.1
COLUMNS = (
    "individual_id",
    "identifier_type",
    "device_type",
    "is_household_shared",
    "true_owner_individual_id",
    "link_source",
    "is_wrong_link",
    "true_network_type",
    "true_change_reason",
)


def noise_checks(tables: Tables, spec: GenerationSpec) -> list[Check]:
    """The checks, or none when the spec has no noise or a table or column is absent."""
    rates = spec.demographics.identity.noise.resolved()
    if rates.is_none or not needs(
        tables,
        {TABLE: COLUMNS, "individuals": ("individual_id", "age", "employment_status")},
    ):
        return []
    found = _counts(tables[TABLE]) | _people(tables["individuals"])
    years = spec.engagement.window_days / 365
    moved = 1 - math.exp(-rates.move_rate_per_year * years)
    transferred = 1 - math.exp(-rates.device_transfer_rate_per_year * years)
    shares = [
        # (name, what is counted, target, hits, out of, unit)
        ("workplace", "employed people 16+ seen on a workplace network", rates.workplace,
         "workplace", "employed", "employed people 16+"),
        ("campus", "students 16+ seen on a campus network", rates.campus, "campus", "students",
         "students 16+"),
        ("public_wifi", "people 13+ seen on a public Wi-Fi network", rates.public_wifi,
         "public_wifi", "over_13", "people 13+"),
        ("carrier_nat", "people with a mobile ad id seen through carrier NAT", rates.carrier_nat,
         "carrier_nat", "phones", "people with a mobile ad id"),
        ("moves", "households with an IP address that moved", moved, "moved", "households",
         "households with an IP address"),
        ("device_transfers", "personal phones and computers that changed owner", transferred,
         "transfers", "devices", "personal phones and computers"),
        ("deterministic_links", "identifiers linked by a deterministic match",
         rates.deterministic_share, "deterministic", "linkable", "identifiers drawn one by one"),
        ("probabilistic_links", "identifiers linked by a probabilistic match",
         rates.probabilistic_share, "probabilistic", "linkable", "identifiers drawn one by one"),
        ("wrong_links", "probabilistic links that point at the wrong person", rates.wrong_share,
         "wrong", "probabilistic_or_wrong", "probabilistic links"),
    ]  # fmt: skip
    found["probabilistic_or_wrong"] = found["probabilistic"] + found["wrong"]
    checks = [
        share_stat(
            f"noise:{TABLE}.{name}",
            TABLE,
            description,
            target=round(target, 6),
            hits=found[hits],
            n=found[n],
            unit=unit,
            floor=min(SHARE_FLOOR, SMALL_RATE_FLOOR * target),
        )
        for name, description, target, hits, n, unit in shares
    ]
    return [*checks, _renewals(found, rates.ip_lease_days, spec.engagement.window_days)]


def _renewals(found: dict[str, int], lease_days: float, window_days: int) -> Check:
    """Lease renewals per household-day against ln 3 / ip_lease_days (0 without renewals),
    within RENEWAL_TOLERANCE relative or 3 Poisson standard errors."""
    exposure = found["households"] * window_days
    target = math.log(3) / lease_days if lease_days else 0.0
    observed = found["renewed"] / exposure if exposure else 0.0
    expected = target * exposure
    tolerance = max(
        RENEWAL_TOLERANCE * target, 3 * math.sqrt(expected) / exposure if exposure else 0
    )
    return stat(
        f"noise:{TABLE}.ip_renewals",
        TABLE,
        "residential IP lease renewals per household-day",
        within=abs(observed - target) <= tolerance,
        target=round(target, 6),
        observed=round(observed, 6),
        statistic=f"{found['renewed']:,} renewals over {exposure:,} household-days",
        tolerance=f"|difference| <= {tolerance:.6f}",
    )


def _counts(mappings: DataFrame) -> dict[str, int]:
    kind, network = F.col("identifier_type"), F.col("true_network_type")
    reason, wrong = F.col("true_change_reason"), F.col("is_wrong_link")
    source = F.col("link_source")
    own = F.col("individual_id") == F.col("true_owner_individual_id")
    household_lease = (network == "residential") & own
    transferred = F.coalesce(reason.isin("device_passed_on", "device_sold"), F.lit(False))
    personal_device = (kind == "device_id") & ~F.col("is_household_shared")
    one_by_one = (
        (kind == "mobile_ad_id") | (personal_device & ~transferred) | ((kind == "ctv_id") & own)
    )
    rules: dict[str, Column] = {
        **{n: network == n for n in ("workplace", "campus", "public_wifi", "carrier_nat")},
        "phones": (kind == "mobile_ad_id") & ~wrong,
        "households": household_lease & reason.isNull(),
        "moved": household_lease & (reason == "household_moved"),
        "renewed": household_lease & (reason == "ip_lease_renewed"),
        "devices": personal_device
        & F.col("device_type").isin("mobile", "desktop")
        & ~wrong
        & ~transferred,
        "transfers": transferred,
        "linkable": one_by_one & ~wrong,
        "deterministic": one_by_one & ~wrong & (source == "deterministic_match"),
        "probabilistic": one_by_one & ~wrong & (source == "probabilistic_match"),
        "wrong": wrong & ((kind == "mobile_ad_id") | personal_device | (kind == "ctv_id")),
    }
    return _sums(mappings, rules)


def _people(individuals: DataFrame) -> dict[str, int]:
    age, status = F.col("age"), F.col("employment_status")
    return _sums(
        individuals,
        {
            "employed": (age >= 16) & (status == "employed"),
            "students": (age >= 16) & (status == "student"),
            "over_13": age >= 13,
        },
    )


def _sums(df: DataFrame, rules: dict[str, Column]) -> dict[str, int]:
    row = df.agg(*(F.count(F.when(rule, 1)).alias(name) for name, rule in rules.items())).first()
    return {name: int(row[name]) for name in rules}
