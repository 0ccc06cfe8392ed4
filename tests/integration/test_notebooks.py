"""The example notebooks run and keep their claims: each of examples/*.ipynb is executed with
nbclient on a small world generated once per test session (examples/ci_world.yaml, through the
tests' Spark session), and the JSON its `claims` cell prints is checked here. A notebook that stops
with an error fails its test. The committed notebooks carry the outputs of the 100,000-household
world their first cell names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from generators.run.service import run_generation
from generators.spec.io import load_spec
from generators.storage import LocalDeltaWarehouse
from generators.validation.attribution import attribution_vs_truth

pytestmark = pytest.mark.notebooks

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOTEBOOKS = sorted(p.name for p in EXAMPLES.glob("*.ipynb"))
SPEC = EXAMPLES / "ci_world.yaml"
CATALOG, SCHEMA = "idgraph_ci", "notebooks"  # output.catalog / output.schema of SPEC
CELL_TIMEOUT_SECONDS = 600
COMMITTED_WORLD = "100,000 households"


@pytest.fixture(scope="session")
def world(spark, tmp_path_factory) -> Path:
    """The warehouse holding the small world, generated in the tests' Spark session."""
    warehouse = tmp_path_factory.mktemp("notebook-world") / "warehouse"
    run_generation(load_spec(SPEC), warehouse=warehouse, spark=spark, validate=False)
    return warehouse


def execute(name: str, world: Path, monkeypatch) -> Any:
    """The notebook ``name`` executed against ``world``; a failing cell raises
    CellExecutionError, naming the cell."""
    monkeypatch.setenv("IDGRAPH_WAREHOUSE", str(world))
    monkeypatch.setenv("IDGRAPH_CATALOG", CATALOG)
    monkeypatch.setenv("IDGRAPH_SCHEMA", SCHEMA)
    notebook = nbformat.read(EXAMPLES / name, as_version=4)
    NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_SECONDS,
        kernel_name="python3",
        resources={"metadata": {"path": str(EXAMPLES)}},
    ).execute()
    return notebook


def claims(notebook: Any) -> dict[str, Any]:
    """The JSON the cell tagged `claims` printed."""
    cell = next(c for c in notebook.cells if "claims" in c.metadata.get("tags", []))
    text = "".join(o.text for o in cell.outputs if o.output_type == "stream")
    return json.loads(text[text.index("{") :])


@pytest.fixture
def run(world, monkeypatch):
    """Execute a notebook on the small world; its claims."""
    return lambda name: claims(execute(name, world, monkeypatch))


def test_every_notebook_is_tested():
    assert NOTEBOOKS == [
        "01_uplift_and_holdouts.ipynb",
        "02_attribution_vs_truth.ipynb",
        "03_identity_resolution.ipynb",
        "04_audiences_and_propensity.ipynb",
    ]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_notebooks_carry_the_outputs_of_the_world_they_name(name):
    notebook = nbformat.read(EXAMPLES / name, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "a code cell was never executed"
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    assert "households.count=100000" in notebook.cells[0].source
    described = "".join(o.get("text", "") for o in code[1].outputs)
    assert COMMITTED_WORLD in described
    assert claims(notebook)  # the committed claims cell printed its numbers


def test_holdout_intervals_cover_the_true_lift(run):
    found = run("01_uplift_and_holdouts.ipynb")
    needed = found["campaigns"] - found["allowed_misses"]
    assert found["campaigns"] == 12
    assert found["covered_difference_in_means"] >= max(needed, 9)
    assert found["covered_regression_adjusted"] >= max(needed, 9)
    assert found["covered_incremental_conversions"] >= needed
    assert found["covered_incremental_revenue"] >= needed


def test_attribution_errors_match_the_validation_section(run, world, spark):
    found = run("02_attribution_vs_truth.ipynb")
    assert found["models"] == [
        "first_touch",
        "last_touch",
        "linear",
        "position_based",
        "time_decay",
    ]
    assert found["models_agree_per_campaign"]
    assert all(error > 0 for error in found["signed_error_by_model"].values())
    assert found["under_credit_conversions"] == 0
    assert found["calibrated_absolute_error"] < min(found["absolute_error_by_model"].values())
    warehouse = LocalDeltaWarehouse(world, CATALOG, SCHEMA, spark)
    names = ("outcome_metrics", "response_events", "campaign_ground_truth")
    section = attribution_vs_truth({name: warehouse.read(name) for name in names})
    assert {m.model: m.absolute_error for m in section.models} == pytest.approx(
        found["absolute_error_by_model"]
    )
    assert sum(m.over_credit for m in section.models) == pytest.approx(
        5 * found["over_credit_conversions"]
    )


def test_identity_resolution_shows_what_makes_the_realistic_graph_hard(run):
    found = run("03_identity_resolution.ipynb")
    assert found["noisy"]  # the CI world is the default spec's: realistic noise
    # transitive closure over household identifiers merges the members of a household
    assert found["person_precision_all_links"] < found["person_precision"]
    # shared networks, sold devices and wrong links join households ...
    assert found["identifiers_linked_to_several_households"] > 100
    assert found["identifiers_with_several_owners"] > 100
    assert found["identifiers_over_fan_out_cap"] > 0
    assert found["household_precision"] < 0.9
    assert found["household_recall"] >= 0.95
    # ... and the link metadata wins precision back
    assert found["careful_household_precision"] > found["household_precision"] + 0.1
    # cookie handoffs leave gaps and overlaps: their timestamps rarely chain
    assert found["cookie_chain_recall"] < 0.1


def test_the_conversion_model_beats_chance_by_its_margin(run):
    found = run("04_audiences_and_propensity.ipynb")
    assert found["auc_margin"] == 0.02
    assert found["auc"] >= 0.52
    assert found["auc"] <= found["auc_ceiling"] + 0.02
    assert found["top_decile_response_lift"] > 1
