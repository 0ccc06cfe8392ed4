"""``output.mode: append``: add households, with their whole graph, to the run a target holds,
and extend the engagement window of everyone in it.

Rows are pure functions of their keys, keys derive from the household id (``generators.synth.ids``)
and population-level constants come from a fixed reference population
(``generators.tables.reference``), so the rows of households 0 .. N-1 are the same in a run of N
households and in a run of any larger count. Appending households therefore means: generate the
spec at its new count and keep, per table,

- **household** tables (a ``household_id`` column: every row belongs to one household): only the
  rows of households ``>= N`` (the previous count), appended;
- **dimension** tables (no ``household_id`` and no household table upstream, e.g.
  ``content_catalog``, ``campaigns``): unchanged; not rebuilt, read back as committed;
- **aggregate** tables (no ``household_id`` but computed from household tables, e.g.
  ``campaign_ground_truth``): recomputed from the committed rows plus the new ones and
  overwritten, in the same all-or-nothing commit as the appended rows.

Extending the window (a later ``engagement.end_date``) works the same way through the window's
segments (``generators.spec.window``): the append records the previous end in
``engagement.extended_from``, every table is generated for the whole extended spec, and
``ON_EXTENSION`` says what each table keeps: rows of the new segment (events after the previous
end, campaigns numbered after the previous ones and their audiences, exposures, responses and
outcomes), or all rows, overwritten, for state derived from the whole window (identity_mappings'
``last_seen``, viewership patterns, audience attributes, ground truth). Old rows of the other
tables are never rewritten.

Invariants: after an append, every table equals, row for row, what one ``overwrite`` run of the
recorded spec (``AppendPlan.spec``, the manifest's) writes; rows already written in
append-only tables never change. An append is refused before any work (``AppendRefused``, one
problem per field) unless the target's last successful run has the same spec in every field but
``households.count`` (not smaller), ``engagement.end_date`` (not earlier), ``output.mode`` and,
with a longer window, explicit ``campaigns.flights`` added after the previous end; and adds
households or extends the window. A target with no table yet is simply written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pyspark.sql import Column
from pyspark.sql import functions as F

from generators.spec import GenerationSpec
from generators.spec.errors import Problem, SpecError
from generators.spec.io import parse_spec, parse_spec_text
from generators.spec.window import campaign_total
from generators.storage.manifest import RunManifest
from generators.tables.node import TableNode

Scope = Literal["household", "dimension", "aggregate"]
Extension = Literal["unchanged", "new_events", "new_campaigns", "recomputed"]
HOUSEHOLD_COLUMN = "household_id"
# What an extension of the window does to each table: "unchanged" (only new households' rows),
# "new_events" (rows after the previous end), "new_campaigns" (rows of campaigns after the
# previous ones), "recomputed" (every row, overwritten: derived from the whole window).
ON_EXTENSION: Mapping[str, Extension] = {
    "households": "unchanged",
    "individuals": "unchanged",
    "identity_mappings": "recomputed",
    "content_catalog": "unchanged",
    "content_engagements": "new_events",
    "viewership_patterns": "recomputed",
    "audience_attributes": "recomputed",
    "campaigns": "new_campaigns",
    "campaign_audience": "new_campaigns",
    "campaign_exposures": "new_campaigns",
    "response_events": "new_campaigns",
    "outcome_metrics": "new_campaigns",
    "campaign_ground_truth": "recomputed",
}
IGNORED = ("households.count", "output.mode", "engagement.end_date", "engagement.extended_from")
OVERWRITE_FIX = "use --mode overwrite (output.mode: overwrite) to replace the tables instead"


class AppendRefused(SpecError):
    """This append cannot extend what the target holds; nothing was written."""


@dataclass(frozen=True)
class AppendPlan:
    """Append the households ``from_household`` .. count - 1 to the run ``previous_run_id``
    and, when ``previous_end`` is set, extend its window from ``previous_end`` (with campaigns
    after ``previous_campaigns``). ``spec`` is the spec to generate and record: the user's with
    the extension recorded in ``engagement.extended_from``."""

    previous_run_id: str
    from_household: int
    spec: GenerationSpec
    previous_end: date | None = None
    previous_campaigns: int = 0

    @property
    def extends_window(self) -> bool:
        return self.previous_end is not None

    def new_rows(self, table: str, columns: Iterable[str]) -> Column | None:
        """Which rows of ``table`` this append adds (None: every row, the table is rewritten)."""
        columns = set(columns)
        added = []
        if HOUSEHOLD_COLUMN in columns:
            added.append(F.col(HOUSEHOLD_COLUMN) >= F.lit(self.from_household))
        if self.extends_window:
            effect = ON_EXTENSION[table]
            if effect == "recomputed":
                return None
            if effect == "new_events":
                added.append(F.col("event_date") > F.lit(self.previous_end))
            if effect == "new_campaigns":
                added.append(F.col("campaign_id") > F.lit(self.previous_campaigns))
        if not added:
            return None
        condition = added[0]
        for other in added[1:]:
            condition = condition | other
        return condition


def scopes(nodes: Iterable[TableNode]) -> dict[str, Scope]:
    """Each table's scope (see the module docstring), from its columns and dependencies."""
    result: dict[str, Scope] = {}
    for node in nodes:
        if HOUSEHOLD_COLUMN in node.columns:
            result[node.name] = "household"
        elif any(result[d] != "dimension" for d in node.depends_on):
            result[node.name] = "aggregate"
        else:
            result[node.name] = "dimension"
    return result


def plan_append(
    spec: GenerationSpec, manifest: RunManifest, has_tables: bool, target: str
) -> AppendPlan | None:
    """The plan of an append of ``spec`` to the target (None: nothing there yet, write it all);
    ``AppendRefused`` when it cannot be done."""
    previous = _last_success(manifest)
    if previous is None:
        if not has_tables:
            return None
        raise AppendRefused(
            [
                Problem(
                    "output.mode",
                    f"append needs the run that wrote the tables in {target}, but its run "
                    f"manifest records no successful run; {OVERWRITE_FIX}",
                )
            ]
        )
    run_id = str(previous["run_id"])
    old = parse_spec(parse_spec_text(str(previous["spec_yaml"])))
    recorded = _with_extension_recorded(old, spec)
    problems = differences(old, recorded, f"run {run_id} in {target}")
    if problems:
        raise AppendRefused(problems)
    try:  # the recorded extension must satisfy the window rules too
        recorded = parse_spec(recorded.model_dump(mode="json", by_alias=True))
    except SpecError as error:
        raise AppendRefused(error.problems) from None
    extends = recorded.engagement.end_date > old.engagement.end_date
    return AppendPlan(
        run_id,
        old.households.count,
        recorded,
        old.engagement.end_date if extends else None,
        campaign_total(old),
    )


def differences(old: GenerationSpec, new: GenerationSpec, where: str) -> list[Problem]:
    """Why ``new`` (with its extension recorded) cannot be appended to ``old`` (empty when it
    can)."""
    before_end, after_end = old.engagement.end_date, new.engagement.end_date
    extends = after_end > before_end
    rule = (
        f"output.mode append adds households to {where} (households.count more than "
        f"{old.households.count:,}) or extends its window (engagement.end_date after "
        f"{before_end}), every other field equal"
    )
    problems = []
    if new.households.count < old.households.count or (
        new.households.count == old.households.count and not extends
    ):
        problems.append(
            Problem(
                "households.count",
                f"{new.households.count:,} is not more than {old.households.count:,}; {rule}; "
                f"{OVERWRITE_FIX}",
            )
        )
    if after_end < before_end:
        problems.append(
            Problem(
                "engagement.end_date",
                f"{after_end} is before {before_end}: an append cannot shorten the window; "
                f"{rule}; {OVERWRITE_FIX}",
            )
        )
    recorded = [*old.engagement.extended_from, *([before_end] if extends else [])]
    if new.engagement.extended_from != recorded:
        shown = ", ".join(str(d) for d in recorded) or "none"
        problems.append(
            Problem(
                "engagement.extended_from",
                f"must list the window's earlier ends ({shown}), as recorded by {where}; "
                f"leave it out or as the exported spec has it; {OVERWRITE_FIX}",
            )
        )
    problems += _flight_problems(old, new, extends)
    added_flights = len(old.campaigns.flights) if extends else None
    before = _flat(old.model_dump(mode="json", by_alias=True))
    after = _flat(new.model_dump(mode="json", by_alias=True))
    for path in sorted(before.keys() | after.keys()):
        if _ignored(path, added_flights) or before.get(path) == after.get(path):
            continue
        change = f"{_shown(after.get(path))} in this spec, {_shown(before.get(path))} in that run"
        problems.append(Problem(path, f"differs ({change}); {rule}; {OVERWRITE_FIX}"))
    return problems


def _with_extension_recorded(old: GenerationSpec, new: GenerationSpec) -> GenerationSpec:
    """``new`` with ``engagement.extended_from`` as the target's runs made it (their earlier
    ends, plus the previous end when ``new`` extends the window) when ``new`` leaves it empty or
    as the previous run had it (a user's spec usually does)."""
    window = new.engagement
    if window.extended_from not in ([], old.engagement.extended_from):
        return new
    extends = window.end_date > old.engagement.end_date
    recorded = [*old.engagement.extended_from, *([old.engagement.end_date] if extends else [])]
    engagement = window.model_copy(update={"extended_from": recorded})
    return new.model_copy(update={"engagement": engagement})


def _flight_problems(old: GenerationSpec, new: GenerationSpec, extends: bool) -> list[Problem]:
    """Explicit flights: the old ones unchanged; more only with a longer window, after its
    previous end (their differences in place are reported field by field)."""
    before, after = old.campaigns.flights, new.campaigns.flights
    added = after[len(before) :]
    if not added:
        return []
    end = old.engagement.end_date
    problems = []
    for i, flight in enumerate(added, start=len(before)):
        if not extends:
            reason = "flights can be added only when the window is extended past its end"
        elif flight.start_date <= end:
            reason = f"starts on {flight.start_date}, not after the previous window end {end}"
        else:
            continue
        problems.append(Problem(f"campaigns.flights.{i}", f"added flight '{flight.name}' {reason}"))
    return problems


def _ignored(path: str, added_flights: int | None) -> bool:
    """Paths the append rules check themselves; added flights (index >= ``added_flights``) and
    the campaign count that follows them with a longer window."""
    if any(path == p or path.startswith(f"{p}.") for p in IGNORED):
        return True
    if not added_flights:
        return False
    if path == "campaigns.count":
        return True
    prefix = "campaigns.flights."
    return path.startswith(prefix) and int(path[len(prefix) :].split(".")[0]) >= added_flights


def _last_success(manifest: RunManifest) -> Mapping[str, object] | None:
    succeeded = [run for run in manifest.runs().values() if run["status"] == "succeeded"]
    return max(succeeded, key=lambda run: run["recorded_at"], default=None)


def _flat(value: object, prefix: str = "") -> dict[str, object]:
    """Dotted path → leaf value of a JSON-like structure (list items by index)."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((str(i), v) for i, v in enumerate(value))
    else:
        return {prefix: value}
    flat: dict[str, object] = {}
    for key, item in items:
        flat.update(_flat(item, f"{prefix}.{key}" if prefix else str(key)))
    if not flat and prefix:
        flat[prefix] = value  # an empty list or mapping is a value too
    return flat


def _shown(value: object) -> str:
    return "none" if value is None else repr(value)
