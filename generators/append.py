"""``output.mode: append``: add households, with their whole graph, to the run a target holds.

Rows are pure functions of their keys, keys derive from the household id (``generators.ids``)
and population-level constants come from a fixed reference population
(``generators.reference``), so the rows of households 0 .. N-1 are the same in a run of N
households and in a run of any larger count. Appending therefore means: generate the spec at
its new count and keep, per table,

- **household** tables (a ``household_id`` column: every row belongs to one household): only the
  rows of households ``>= N`` (the previous count), appended;
- **dimension** tables (no ``household_id`` and no household table upstream, e.g.
  ``content_catalog``, ``campaigns``): unchanged; not rebuilt, read back as committed;
- **aggregate** tables (no ``household_id`` but computed from household tables, e.g.
  ``campaign_ground_truth``): recomputed from the committed rows plus the new ones and
  overwritten, in the same all-or-nothing commit as the appended rows.

Invariants: after an append to ``N2`` households every table equals, row for row, what one
``overwrite`` run of the same spec at ``N2`` writes; rows already written never change. An
append is refused before any work (``AppendRefused``, one problem per field) unless the target's
last successful run has the same spec in every field except ``households.count`` (and
``output.mode``) and a smaller count. A target with no table yet is simply written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from generators.pipeline import TableNode
from generators.spec import GenerationSpec
from generators.spec_errors import Problem, SpecError
from generators.spec_io import parse_spec, parse_spec_text
from generators.storage.manifest import RunManifest

Scope = Literal["household", "dimension", "aggregate"]
HOUSEHOLD_COLUMN = "household_id"
IGNORED = ("households.count", "output.mode")
WINDOW = ("engagement.start_date", "engagement.end_date")
OVERWRITE_FIX = "use --mode overwrite (output.mode: overwrite) to replace the tables instead"


class AppendRefused(SpecError):
    """This append cannot extend what the target holds; nothing was written."""


@dataclass(frozen=True)
class AppendPlan:
    """Append the households ``from_household`` .. count - 1 to the run ``previous_run_id``."""

    previous_run_id: str
    from_household: int


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
    problems = differences(old, spec, f"run {run_id} in {target}")
    if problems:
        raise AppendRefused(problems)
    return AppendPlan(run_id, old.households.count)


def differences(old: GenerationSpec, new: GenerationSpec, where: str) -> list[Problem]:
    """Why ``new`` cannot be appended to ``old`` (empty when it can)."""
    rule = (
        f"output.mode append only adds households to {where}: households.count must be more "
        f"than {old.households.count:,} and every other field equal"
    )
    problems = []
    if new.households.count <= old.households.count:
        problems.append(
            Problem(
                "households.count",
                f"{new.households.count:,} is not more than {old.households.count:,}; {rule}; "
                f"{OVERWRITE_FIX}",
            )
        )
    before = _flat(old.model_dump(mode="json", by_alias=True))
    after = _flat(new.model_dump(mode="json", by_alias=True))
    for path in sorted(before.keys() | after.keys()):
        if path in IGNORED or before.get(path) == after.get(path):
            continue
        change = f"{_shown(after.get(path))} in this spec, {_shown(before.get(path))} in that run"
        if path in WINDOW:
            problems.append(
                Problem(
                    path,
                    f"differs ({change}); extending the engagement window of existing people "
                    f"is not supported yet; {rule}; {OVERWRITE_FIX}",
                )
            )
        else:
            problems.append(Problem(path, f"differs ({change}); {rule}; {OVERWRITE_FIX}"))
    return problems


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
