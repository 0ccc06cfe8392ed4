"""The wizard state and its LangChain tools, called as the agent calls them (ToolCall in,
ToolMessage out): partial updates, validation messages, step gating and the write permission."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from langchain_core.messages import ToolMessage

from generators.spec import GenerationSpec, HouseholdsSpec, IdentitySpec
from generators.spec.io import parse_spec, spec_to_yaml
from tools.partial import diff, merge, partial_model
from tools.steps import args_model
from tools.toolset import make_tools, offered_names
from tools.wizard import STEP_MODELS, STEPS, WizardState


def refuse_generation(spec: GenerationSpec) -> Any:
    raise RuntimeError("the warehouse is on fire")


class Wizard:
    """A wizard with its tools, called by name like the agent's tool node does."""

    def __init__(self, permission_check=None, runner=refuse_generation):
        kwargs = {"permission_check": permission_check} if permission_check else {}
        self.state = WizardState(**kwargs)
        self.tools = {t.name: t for t in make_tools(self.state, runner)}

    def __call__(self, name: str, **args: Any) -> ToolMessage:
        return self.tools[name].invoke(
            {"name": name, "args": args, "id": "c1", "type": "tool_call"}
        )

    def accept_all(self, upto: str = "output") -> None:
        """Accept the open steps in order, up to and including ``upto``."""
        while (step := self.state.current_step) and STEPS.index(step) <= STEPS.index(upto):
            result = self("accept_step", step=step)
            assert result.status == "success", result.content


def only(catalog: str):
    def check(c: str, s: str) -> tuple[bool, str]:
        return (c == catalog, "granted" if c == catalog else f"missing USE CATALOG on {c}")

    return check


def test_step_arguments_mirror_the_spec_sections_all_optional():
    for step, model in STEP_MODELS.items():
        partial = args_model(step)
        names = {f.alias or n for n, f in model.model_fields.items()}
        assert names <= {f.alias or n for n, f in partial.model_fields.items()}
        assert all(not f.is_required() for f in partial.model_fields.values())
        assert partial.model_validate({}).model_dump(exclude_none=True) == {}
    schema = args_model("households").model_json_schema()
    count = schema["properties"]["count"]
    assert count["description"] == HouseholdsSpec.model_fields["count"].description
    assert {"minimum": 1, "maximum": 1_000_000_000}.items() <= count["anyOf"][0].items()
    size = schema["$defs"]["HouseholdSizeUpdate"]["properties"]
    assert set(size) == {"average", "min", "max"}
    assert "seed" in args_model("output").model_fields


def test_partial_update_merges_sections_and_replaces_maps():
    partial = partial_model(HouseholdsSpec)
    current = HouseholdsSpec().model_dump(mode="json")
    update = partial.model_validate({"size": {"average": 3.2}, "states": {"TX": 1.0}})
    merged = merge(current, update.model_dump(mode="json", exclude_none=True), HouseholdsSpec)
    assert merged["size"] == {**current["size"], "average": 3.2}
    assert merged["states"] == {"TX": 1.0}
    assert diff(current, merged, HouseholdsSpec) == {
        "size": {"average": 3.2},
        "states": {"TX": 1.0},
    }


def test_valid_update_echoes_the_resolved_values():
    wizard = Wizard()
    result = wizard("set_households", count=300, states={"TX": 0.6, "FL": 0.4})
    assert result.status == "success"
    assert "| count * | 300 |" in result.content
    assert "| states * | TX 0.6, FL 0.4 |" in result.content
    assert "| size.average | " in result.content  # unchanged values are shown unmarked
    assert wizard.state.step_data("households")["count"] == 300


def test_invalid_arguments_come_back_naming_the_field_and_the_fix():
    wizard = Wizard()
    result = wizard("set_households", count=0, sise=3)
    assert result.status == "error"
    assert "households.count: input should be greater than or equal to 1; got 0" in result.content
    assert "households.sise: unknown field; did you mean 'size'?" in result.content
    bad_sum = wizard("set_households", states={"TX": 0.7, "FL": 0.5})
    assert bad_sum.status == "error"
    assert "households.states: weights sum to 1.2000" in bad_sum.content
    assert wizard.state.step_data("households")["count"] == 10_000  # nothing changed


def test_cross_rule_in_the_current_step_refuses_the_whole_update():
    wizard = Wizard()
    wizard.accept_all(upto="households")
    result = wizard("set_demographics", householder_age={"35-44": 0.5, "45-54": 0.5})
    assert result.status == "error"
    assert "demographics.employment.retired" in result.content
    assert "lower retired to at most 0.10" in result.content
    fixed = wizard(
        "set_demographics",
        householder_age={"35-44": 0.5, "45-54": 0.5},
        employment={"employed": 0.85, "unemployed": 0.05, "retired": 0.02, "student": 0.08},
    )
    assert fixed.status == "success"


def test_steps_cannot_be_skipped_or_reached_out_of_order():
    wizard = Wizard()
    later = wizard("set_campaigns", count=3)
    assert later.status == "error" and "finish and accept it before campaigns" in later.content
    assert wizard("accept_step", step="campaigns").status == "error"
    jump = wizard("goto_step", step="responses")
    assert jump.status == "error" and "households is not accepted yet" in jump.content
    assert wizard.state.current_step == "households"
    assert wizard.state.accepted == set()
    wizard.accept_all(upto="demographics")
    assert wizard("goto_step", step="households").status == "success"
    assert wizard("set_engagement", co_viewing_rate=0.5).status == "error"
    assert wizard("goto_step", step="engagement").status == "success"


def test_editing_reopens_the_step_and_breaking_changes_reopen_later_steps():
    wizard = Wizard()
    wizard.accept_all()
    assert wizard("goto_step", step="engagement").status == "success"
    result = wizard("set_engagement", end_date="2026-01-20")
    assert result.status == "success"
    assert "campaigns.flight_days.max" in result.content  # reported as breaking another step
    assert "engagement" not in wizard.state.accepted
    assert "campaigns" not in wizard.state.accepted
    assert wizard("accept_step", step="engagement").status == "success"
    assert wizard.state.current_step == "campaigns"  # the first open step
    refused = wizard("accept_step", step="campaigns")
    assert refused.status == "error" and "campaigns.flight_days.max" in refused.content


def test_generate_is_offered_and_allowed_only_when_every_gate_is_open():
    wizard = Wizard()
    assert "generate" not in offered_names(wizard.state)
    early = wizard("generate")
    assert early.status == "error" and "steps not accepted yet" in early.content
    bypass = wizard("generate", skip_validation=True, force=True)  # unknown flags change nothing
    assert bypass.status == "error" and "steps not accepted yet" in bypass.content
    wizard.accept_all(upto="responses")
    assert "generate" not in offered_names(wizard.state)
    assert wizard("generate").status == "error"
    wizard.accept_all()
    assert "generate" in offered_names(wizard.state)
    assert offered_names(wizard.state) >= {"review_spec", "export_spec", "goto_step"}
    assert not {n for n in offered_names(wizard.state) if n.startswith("set_")}


def test_a_failing_tool_returns_an_error_message_instead_of_raising():
    wizard = Wizard(runner=refuse_generation)
    wizard.accept_all()
    result = wizard("generate")
    assert result.status == "error"
    assert "generate failed: RuntimeError: the warehouse is on fire" in result.content


def test_permission_check_gates_the_output_step_and_freezes_the_target():
    wizard = Wizard(permission_check=only("bryan_li"))
    wizard.accept_all(upto="responses")
    assert wizard("set_output", catalog="prod").status == "success"  # checked on accept
    refused = wizard("accept_step", step="output")
    assert refused.status == "error" and "missing USE CATALOG on prod" in refused.content
    assert wizard.state.can_generate is False
    assert wizard("set_output", catalog="bryan_li").status == "success"
    assert wizard("accept_step", step="output").status == "success"
    assert wizard.state.permitted == ("bryan_li", "synthetic_identity")
    wizard("goto_step", step="output")
    moved = wizard("set_output", catalog="prod", seed=5)
    assert (
        moved.status == "error" and "the target stays bryan_li.synthetic_identity" in moved.content
    )
    assert wizard.state.target == ("bryan_li", "synthetic_identity")
    assert wizard.state.step_data("output")["seed"] == 42  # the whole update was refused


def test_a_permission_check_that_raises_is_a_refusal():
    def broken(catalog: str, schema: str) -> tuple[bool, str]:
        raise ConnectionError("workspace unreachable")

    wizard = Wizard(permission_check=broken)
    wizard.accept_all(upto="responses")
    result = wizard("accept_step", step="output")
    assert result.status == "error" and "workspace unreachable" in result.content
    assert wizard.state.permitted is None


def test_export_then_load_round_trips_the_spec():
    wizard = Wizard()
    wizard("set_households", count=321, states={"NY": 1.0})
    wizard.accept_all()
    exported = wizard("export_spec")
    assert exported.status == "success"
    text = exported.content.removeprefix("```yaml\n").removesuffix("```")
    other = Wizard()
    loaded = other("load_spec", yaml_text=text)
    assert loaded.status == "success" and "Ready to generate" in loaded.content
    assert other.state.spec().fingerprint() == wizard.state.spec().fingerprint()
    assert other.state.can_generate


def test_load_refuses_an_invalid_spec_and_keeps_the_current_one():
    wizard = Wizard()
    broken = spec_to_yaml(GenerationSpec()).replace("count: 10000", "count: -5")
    result = wizard("load_spec", yaml_text=broken)
    assert result.status == "error" and "households.count" in result.content
    syntax = wizard("load_spec", yaml_text="households: [unclosed")
    assert syntax.status == "error" and "not valid YAML or JSON at line 1" in syntax.content
    assert wizard.state.accepted == set()


def test_load_checks_the_permission_of_the_loaded_target():
    wizard = Wizard(permission_check=only("bryan_li"))
    yaml_text = spec_to_yaml(GenerationSpec.model_validate({"output": {"catalog": "prod"}}))
    result = wizard("load_spec", yaml_text=yaml_text)
    assert (
        result.status == "error"
        and "You may not write to prod.synthetic_identity" in result.content
    )
    assert wizard.state.target == ("bryan_li", "synthetic_identity")


def test_review_and_estimate_describe_the_spec():
    wizard = Wizard()
    review = wizard("review_spec").content
    assert all(f"· {step}**" in review for step in STEPS)
    assert "Not ready to generate" in review
    estimate = wizard("estimate_sizes")
    assert estimate.status == "success"
    assert "households" in estimate.content and "total" in estimate.content


@pytest.mark.parametrize(
    "rates",
    [{"cookie": 1.5}, {"pager": 0.5}],
)
def test_nested_section_problems_are_located_in_the_step(rates):
    wizard = Wizard()
    wizard.accept_all(upto="households")
    result = wizard("set_demographics", identity={"identifier_types": rates})
    assert result.status == "error"
    assert "demographics.identity.identifier_types" in result.content
    assert wizard.state.step_data("demographics")["identity"] == IdentitySpec().model_dump(
        mode="json"
    )


def test_run_summary_lists_tables_rows_time_location_and_verdict():
    result = SimpleNamespace(
        run_id="abc",
        rows={"households": 200, "individuals": 510},
        seconds=12.34,
        location="/w/bryan_li/synthetic_identity",
        validation_passed=True,
        report_dir="/w/r",
        cancelled=False,
        validation_error=None,
    )
    wizard = Wizard(runner=lambda spec: result)
    wizard.accept_all()
    text = wizard("generate").content
    assert "Generated 2 tables in 12.3 s (run abc)" in text
    assert "Location: /w/bryan_li/synthetic_identity" in text
    assert "Validation: passed (report: /w/r)" in text
    assert "| individuals | 510 |" in text and "| total | 710 |" in text
    assert wizard.state.last_result is result

    stopped = SimpleNamespace(**{**vars(result), "validation_passed": None, "report_dir": None})
    stopped.cancelled = True  # cancelled during validation: the tables are committed
    wizard = Wizard(runner=lambda spec: stopped)
    wizard.accept_all()
    text = wizard("generate").content
    assert "Validation: not run (cancelled after the tables were committed)" in text
    assert "| total | 710 |" in text


def test_a_run_that_extended_the_window_leaves_its_recorded_spec_to_export():
    window = {"engagement": {"end_date": "2026-06-30"}, "output": {"mode": "append"}}
    asked = parse_spec(window)
    recorded = parse_spec(
        {**window, "engagement": {**window["engagement"], "extended_from": ["2026-03-31"]}}
    )
    result = SimpleNamespace(
        run_id="abc",
        rows={"households": 0},
        seconds=1.0,
        location="/w",
        validation_passed=None,
        report_dir=None,
        cancelled=False,
        validation_error=None,
        spec=recorded,
    )
    wizard = Wizard(runner=lambda spec: result)
    wizard.state.load(asked)
    text = wizard("generate").content
    assert "engagement.extended_from: 2026-03-31" in text
    assert wizard.state.spec() == recorded
    assert "- '2026-03-31'" in wizard("export_spec").content
    plain = Wizard(runner=lambda spec: SimpleNamespace(**{**vars(result), "spec": spec}))
    plain.state.load(asked)
    assert "extended the window" not in plain("generate").content
    assert plain.state.spec() == asked
