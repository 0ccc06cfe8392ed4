"""The wizard's state: the spec being built, step by step, and the gates around it.

Pure Python (no LangChain): the LLM tools and the guided mode both drive this object.

Invariants:
- every section held validates on its own; an update that would make its own step invalid
  (field rules or cross rules located in that step) is refused and changes nothing;
- steps are done in order: only the current step can be changed or accepted, and ``goto`` can
  reach an accepted step or the first open one, never beyond it;
- a step is accepted only while it has no problems; editing a step re-opens it, and a change
  that breaks another step (a cross rule located there) re-opens that step too;
- the write target (output.catalog/schema) is checked by ``permission_check`` before the output
  step is accepted; once permitted it is frozen: changing it runs the check again, and a refusal
  leaves the permitted target in place;
- ``gate()`` is empty (generation allowed) only when every step is accepted, the whole spec
  validates and the current target is the permitted one.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from generators.spec import (
    AudienceSpec,
    CampaignsSpec,
    DemographicsSpec,
    EngagementSpec,
    GenerationSpec,
    HouseholdsSpec,
    OutputSpec,
    ResponsesSpec,
)
from generators.spec.errors import Problem, SpecError
from generators.spec.io import parse_spec
from tools.partial import merge

STEPS = ("households", "demographics", "engagement", "audience", "campaigns", "responses", "output")
STEP_MODELS: dict[str, type[BaseModel]] = {
    "households": HouseholdsSpec,
    "demographics": DemographicsSpec,
    "engagement": EngagementSpec,
    "audience": AudienceSpec,
    "campaigns": CampaignsSpec,
    "responses": ResponsesSpec,
    "output": OutputSpec,
}
STEP_TITLES = {
    "households": "how many households, how big, where, how affluent",
    "demographics": "who lives there (age, gender, education, employment), their identifiers "
    "and how hard the identity graph is to resolve (easy, realistic, hard)",
    "engagement": "content engagement: window, events per person, catalogue, devices",
    "audience": "audience segments, affinity, behavioural classes, propensity",
    "campaigns": "campaigns: count, flights, channels, goals, budgets, targeting, frequency",
    "responses": "responses: conversion rates, planted lift, lags, order values, attribution",
    "output": "where the tables go (catalog, schema, mode) and the random seed",
}
TOP_LEVEL_OF_OUTPUT = ("seed", "spec_version", "output")

PermissionCheck = Callable[[str, str], tuple[bool, str]]


def allow_all(catalog: str, schema: str) -> tuple[bool, str]:
    """The local permission check: a local warehouse folder needs no grant."""
    return True, f"local warehouse: {catalog}.{schema} may be written"


class WizardError(Exception):
    """A refused wizard action; ``problems`` name the field and the fix when there are any."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        self.problems = problems or []
        lines = [message, *(f"- {p}" for p in self.problems)]
        super().__init__("\n".join(lines))


def owner(path: str) -> str | None:
    """The step a dotted spec path belongs to (``seed`` belongs to the output step)."""
    head = path.split(".", 1)[0]
    if head in TOP_LEVEL_OF_OUTPUT:
        return "output"
    return head if head in STEPS else None


def spec_problems(data: dict[str, Any]) -> list[Problem]:
    """Every problem of a whole spec (section fields and cross rules); [] when valid."""
    try:
        parse_spec(data)
    except SpecError as error:
        return error.problems
    return []


class WizardState:
    """The spec under construction, the current step, accepted steps and the write permission."""

    def __init__(
        self,
        spec: GenerationSpec | None = None,
        permission_check: PermissionCheck = allow_all,
    ):
        self._data: dict[str, Any] = (spec or GenerationSpec()).canonical()
        self._permission_check = permission_check
        self._lock = threading.RLock()
        self.accepted: set[str] = set()
        self.step_index = 0
        self.permitted: tuple[str, str] | None = None
        self.permission_message = ""
        self.last_result: Any = None

    # ------------------------------------------------------------ reading

    @property
    def current_step(self) -> str | None:
        """The step being edited, or None once every step is accepted (review stage)."""
        return STEPS[self.step_index] if self.step_index < len(STEPS) else None

    @property
    def target(self) -> tuple[str, str]:
        output = self._data["output"]
        return output["catalog"], output["schema"]

    def step_data(self, step: str) -> dict[str, Any]:
        """A copy of one step's values (the output step also holds ``seed``)."""
        with self._lock:
            if step == "output":
                return {**self._data["output"], "seed": self._data["seed"]}
            return copy.deepcopy(self._data[step])

    def data(self) -> dict[str, Any]:
        """A copy of the whole spec as a JSON-compatible dict."""
        with self._lock:
            return copy.deepcopy(self._data)

    def problems(self, step: str | None = None) -> list[Problem]:
        """Current problems of the whole spec, or only those located in ``step``."""
        with self._lock:
            found = spec_problems(self._data)
        return [p for p in found if step is None or owner(p.path) in (step, None)]

    def spec(self) -> GenerationSpec:
        """The validated spec, or WizardError listing every problem."""
        with self._lock:
            try:
                return parse_spec(self._data)
            except SpecError as error:
                raise WizardError("The spec is not valid yet.", error.problems) from None

    def gate(self) -> list[str]:
        """Reasons generation is not allowed yet; empty when it is."""
        with self._lock:
            reasons = []
            pending = [s for s in STEPS if s not in self.accepted]
            if pending:
                reasons.append(f"steps not accepted yet: {', '.join(pending)}")
            problems = spec_problems(self._data)
            if problems:
                reasons.append("the spec has problems: " + "; ".join(map(str, problems)))
            if self.permitted != self.target:
                reasons.append(
                    "writing to {}.{} has not passed the permission check "
                    "(it runs when the output step is accepted)".format(*self.target)
                )
            return reasons

    @property
    def can_generate(self) -> bool:
        return not self.gate()

    # ------------------------------------------------------------ changing

    def update(self, step: str, changes: dict[str, Any]) -> list[Problem]:
        """Merge ``changes`` into the current step; returns problems it caused in other steps.

        Raises WizardError (and changes nothing) when ``step`` is not the current step, when the
        merged step does not validate, or when a new target is refused by the permission check.
        """
        with self._lock:
            self._require_current(step)
            candidate = self._merged(step, changes)
            problems = spec_problems(candidate)
            own = [p for p in problems if owner(p.path) in (step, None)]
            if own:
                raise WizardError(f"{step} was NOT changed; fix these and try again:", own)
            new_target = (candidate["output"]["catalog"], candidate["output"]["schema"])
            if self.permitted is not None and new_target != self.target:
                self._check_permission(*new_target)
            self._data = candidate
            self.accepted.discard(step)
            others = [p for p in problems if owner(p.path) != step]
            self.accepted.difference_update(owner(p.path) for p in others)
            return others

    def accept(self, step: str) -> str | None:
        """Accept the current step (it must have no problems); returns the next open step."""
        with self._lock:
            self._require_current(step)
            own = self.problems(step)
            if own:
                raise WizardError(f"{step} cannot be accepted yet; fix these first:", own)
            if step == "output":
                self._check_permission(*self.target)
            self.accepted.add(step)
            self.step_index = self._first_open()
            return self.current_step

    def goto(self, step: str) -> None:
        """Make ``step`` current: any accepted step, or the first open one."""
        with self._lock:
            if step not in STEPS:
                raise WizardError(f"unknown step {step!r}; steps are {', '.join(STEPS)}")
            first_open = self._first_open()
            if STEPS.index(step) > first_open:
                raise WizardError(
                    f"cannot jump to {step}: steps are done in order and "
                    f"{STEPS[first_open]} is not accepted yet"
                )
            self.step_index = STEPS.index(step)

    def reopen(self, steps: list[str]) -> None:
        """Open accepted ``steps`` again (to review them) and make the first open step current."""
        with self._lock:
            self.accepted.difference_update(steps)
            self.step_index = self._first_open()

    def load(self, spec: GenerationSpec) -> None:
        """Replace the whole spec by a validated one; every step counts as accepted.

        Its target must pass the permission check (unless it is the permitted one already).
        """
        with self._lock:
            data = spec.canonical()
            self._check_permission(data["output"]["catalog"], data["output"]["schema"])
            self._data = data
            self.accepted = set(STEPS)
            self.step_index = len(STEPS)

    def adopt_recorded(self, spec: GenerationSpec) -> bool:
        """Take the spec a run recorded when it differs from this one (an append that extends
        the window records ``engagement.extended_from``), so an export reruns to the same data.
        Same target, steps stay accepted. True when something changed."""
        with self._lock:
            data = spec.canonical()
            if data == self._data or self.target != (
                data["output"]["catalog"],
                data["output"]["schema"],
            ):
                return False
            self._data = data
            return True

    # ------------------------------------------------------------ internals

    def _first_open(self) -> int:
        return next((i for i, s in enumerate(STEPS) if s not in self.accepted), len(STEPS))

    def _require_current(self, step: str) -> None:
        if step == self.current_step:
            return
        if self.current_step is None:
            raise WizardError(
                f"every step is accepted; call goto_step('{step}') before changing {step}"
            )
        if step in STEPS and STEPS.index(step) > self.step_index:
            raise WizardError(
                f"the current step is {self.current_step}; finish and accept it before {step} "
                "(steps are done in order)"
            )
        raise WizardError(
            f"the current step is {self.current_step}; call goto_step('{step}') to go back to {step}"
        )

    def _merged(self, step: str, changes: dict[str, Any]) -> dict[str, Any]:
        data = dict(self._data)
        if step == "output":
            changes = dict(changes)
            if "seed" in changes:
                data["seed"] = changes.pop("seed")
        data[step] = merge(data[step], changes, STEP_MODELS[step])
        return data

    def _check_permission(self, catalog: str, schema: str) -> None:
        if self.permitted == (catalog, schema):
            return
        try:
            allowed, message = self._permission_check(catalog, schema)
        except Exception as error:  # the check is injected code: refuse, never crash
            allowed, message = False, f"the permission check failed ({error})"
        if not allowed:
            kept = " (the target stays {}.{})".format(*self.permitted) if self.permitted else ""
            raise WizardError(
                f"You may not write to {catalog}.{schema}{kept}: {message}",
                [Problem("output.catalog", "choose a catalog and schema you may write to")],
            )
        self.permitted = (catalog, schema)
        self.permission_message = message
