"""Statistical checks of who was generated: household sizes and demographic mixes.

One aggregate per table (households, individuals) counts every mix. Targets come from the spec;
the household size target is the households module's tilted distribution (``size_pmf``).
Mixes whose columns are missing are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from generators.spec import AGE_BANDS, MAX_HOUSEHOLD_SIZE, GenerationSpec
from generators.tables.households import size_pmf
from generators.validation.measures import pooled_chi_square, shares, total_variation
from generators.validation.mixes import Mix, label_counts, mix_check
from generators.validation.model import Check, stat

P_VALUE_FLOOR = 1e-3
NEGLIGIBLE_TVD = 0.01
SIZES = tuple(range(1, MAX_HOUSEHOLD_SIZE + 1))

Tables = Mapping[str, DataFrame]


def population_checks(tables: Tables, spec: GenerationSpec) -> list[Check]:
    households, people = tables.get("households"), tables.get("individuals")
    checks: list[Check] = []
    if households is not None:
        checks += _mixes(households, "households", _household_mixes(spec), spec)
    if people is not None:
        checks += _mixes(people, "individuals", _person_mixes(spec), spec)
    return checks


# name → (columns needed, Mix, spec weights or None for household size, description)
def _household_mixes(spec: GenerationSpec) -> dict[str, tuple]:
    h = spec.households
    return {
        "household_size": (("household_size",), Mix(F.col("household_size"), SIZES), None, ""),
        "income_bracket": (
            ("income_bracket",),
            Mix(F.col("income_bracket"), tuple(h.income_brackets)),
            h.income_brackets,
            "share of households per income bracket",
        ),
        "state": (
            ("state",),
            Mix(F.col("state"), tuple(h.states)),
            h.states,
            "share of households per state",
        ),
        "urbanicity": (
            ("urbanicity",),
            Mix(F.col("urbanicity"), tuple(h.urbanicity)),
            h.urbanicity,
            "share of households per urbanicity",
        ),
    }


def _person_mixes(spec: GenerationSpec) -> dict[str, tuple]:
    d = spec.demographics
    age = F.col("age")
    return {
        "householder_age": (
            ("age", "role"),
            Mix(_age_band(age), AGE_BANDS, F.col("role") == "householder"),
            d.householder_age,
            "age band of householders",
        ),
        "gender": (
            ("gender",),
            Mix(F.col("gender"), tuple(d.gender)),
            d.gender,
            "share of individuals per gender",
        ),
        "education_level": (
            ("age", "education_level"),
            Mix(F.col("education_level"), tuple(d.education), age >= 25),
            d.education,
            "highest education of individuals aged 25+",
        ),
        "employment_status": (
            ("age", "employment_status"),
            Mix(F.col("employment_status"), tuple(d.employment), age >= 16),
            d.employment,
            "employment status of individuals aged 16+",
        ),
    }


def _mixes(df: DataFrame, table: str, mixes: dict[str, tuple], spec: GenerationSpec) -> list[Check]:
    usable = {n: m for n, m in mixes.items() if set(m[0]) <= set(df.columns)}
    if not usable:
        return []
    counts = label_counts(df, {n: m[1] for n, m in usable.items()})
    checks = []
    for name, (_, _, target, description) in usable.items():
        if target is None:
            checks.append(household_size_check(counts[name], spec))
        else:
            checks.append(
                mix_check(f"mix:{table}.{name}", table, description, counts[name], target)
            )
    return checks


def household_size_check(counts: Mapping[str, int], spec: GenerationSpec) -> Check:
    """Chi-square of household sizes against the target distribution, plus the mean."""
    target = size_pmf(spec)
    sizes = sorted(set(target) | {int(k) for k, v in counts.items() if v and k.isdigit()})
    observed = [counts.get(str(s), 0) for s in sizes]
    probabilities = [target.get(s, 0.0) for s in sizes]
    n = sum(counts.values())
    chi2, dof, p_value = pooled_chi_square(observed, probabilities)
    seen = shares({str(s): c for s, c in zip(sizes, observed, strict=True)})
    wanted = {str(s): p for s, p in zip(sizes, probabilities, strict=True)}
    distance = total_variation(seen, wanted)
    mean = sum(s * c for s, c in zip(sizes, observed, strict=True)) / n if n else 0.0
    target_mean = sum(s * p for s, p in target.items())
    return stat(
        "dist:households.household_size",
        "households",
        "household size distribution vs the spec's size distribution (tilted to its average)",
        within=n > 0 and (p_value >= P_VALUE_FLOOR or distance <= NEGLIGIBLE_TVD),
        target={
            "mean": round(target_mean, 4),
            "shares": {k: round(v, 6) for k, v in wanted.items()},
        },
        observed={"mean": round(mean, 4), "shares": {k: round(v, 6) for k, v in seen.items()}},
        statistic=f"chi2 {chi2:.2f} (dof {dof}), p {p_value:.3g}; TVD {distance:.4f}",
        tolerance=f"p >= {P_VALUE_FLOOR:g} or TVD <= {NEGLIGIBLE_TVD}",
        data={
            "sizes": sizes,
            "target": probabilities,
            "observed": [seen[str(s)] for s in sizes],
            "n": n,
        },
    )


def _age_band(age: Column) -> Column:
    expr = F.lit("other")
    for band in reversed(AGE_BANDS):
        low, high = (int(x) for x in band.split("-"))
        expr = F.when(age.between(low, high), F.lit(band)).otherwise(expr)
    return expr
