"""MLflow: traces of agent turns, and one MLflow run per generation.

- Tracing (``mlflow.langchain.autolog``) is on when ``IDGRAPH_MLFLOW=1`` or
  ``MLFLOW_TRACKING_URI`` is set.
- Generation runs are logged unless ``IDGRAPH_MLFLOW=0``: the flattened spec as params (dotted
  keys, values cut to MLflow's length limit, sent in batches under its per-batch limit), the spec
  YAML and the validation report folder as artifacts, rows per table and duration as metrics.
- The store is ``MLFLOW_TRACKING_URI`` if set, else a local SQLite store (MLflow 3's preferred
  default backend) at ``<project>/mlflow.db`` with artifacts under ``<project>/mlartifacts``;
  the experiment is ``IDGRAPH_MLFLOW_EXPERIMENT`` (default ``idgraph``; on Databricks use a
  workspace path such as ``/Users/me@example.com/idgraph``).
Logging goes through an explicit ``MlflowClient`` (no global active run), so it is thread-safe.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from generators.spec import GenerationSpec
from generators.spec.io import spec_to_yaml

PROJECT_DIR = Path(__file__).resolve().parents[1]
DEFAULT_EXPERIMENT = "idgraph"


def _env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def tracking_uri(env: Mapping[str, str] | None = None) -> str:
    """``MLFLOW_TRACKING_URI``, else the project's local SQLite store."""
    return _env(env).get("MLFLOW_TRACKING_URI") or f"sqlite:///{PROJECT_DIR / 'mlflow.db'}"


def experiment_name(env: Mapping[str, str] | None = None) -> str:
    return _env(env).get("IDGRAPH_MLFLOW_EXPERIMENT") or DEFAULT_EXPERIMENT


def tracing_enabled(env: Mapping[str, str] | None = None) -> bool:
    env = _env(env)
    return env.get("IDGRAPH_MLFLOW") == "1" or bool(env.get("MLFLOW_TRACKING_URI"))


_tracing: dict[str, bool] = {}


def enable_tracing(env: Mapping[str, str] | None = None) -> bool:
    """Turn on LangChain tracing to the configured store when enabled (once per process)."""
    if not tracing_enabled(env):
        return False
    if not _tracing:
        import mlflow

        mlflow.set_tracking_uri(tracking_uri(env))
        mlflow.set_experiment(experiment_name(env))
        mlflow.langchain.autolog(silent=True)
        _tracing["on"] = True
    return True


def artifact_location(uri: str) -> str | None:
    """Artifacts beside a local SQLite store (``<dir>/mlartifacts``); servers choose their own."""
    parsed = urlparse(uri)
    if parsed.scheme != "sqlite":
        return None
    database = Path(uri.removeprefix("sqlite:///"))
    return (database.parent / "mlartifacts").resolve().as_uri()


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(dotted key, text) pairs: maps and lists of objects descend, other lists become JSON."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from flatten(item, f"{prefix}{key}.")
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for index, item in enumerate(value):
            yield from flatten(item, f"{prefix}{index}.")
    else:
        yield prefix[:-1], value if isinstance(value, str) else json.dumps(value)


def as_params(data: dict[str, Any]) -> dict[str, str]:
    """Nested data as MLflow params: dotted keys, values cut to MLflow's maximum length."""
    from mlflow.utils.validation import MAX_PARAM_VAL_LENGTH

    return {k: v[:MAX_PARAM_VAL_LENGTH] for k, v in flatten(data)}


def spec_params(spec: GenerationSpec) -> dict[str, str]:
    """The spec as MLflow params."""
    return as_params(spec.canonical())


class GenerationTracker:
    """Logs a finished generation as an MLflow run; calling it returns a line for the user."""

    def __init__(self, uri: str | None = None, experiment: str | None = None):
        self.uri = uri or tracking_uri()
        self.experiment = experiment or experiment_name()

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> GenerationTracker | None:
        """The tracker configured by the environment, or None when ``IDGRAPH_MLFLOW=0``."""
        if _env(env).get("IDGRAPH_MLFLOW") == "0":
            return None
        return cls(tracking_uri(env), experiment_name(env))

    def _experiment_id(self, client: Any) -> str:
        found = client.get_experiment_by_name(self.experiment)
        if found is not None:
            return found.experiment_id
        return client.create_experiment(
            self.experiment, artifact_location=artifact_location(self.uri)
        )

    def __call__(self, spec: GenerationSpec, result: Any) -> str:
        from mlflow import MlflowClient
        from mlflow.entities import Metric, Param
        from mlflow.utils.validation import MAX_PARAMS_TAGS_PER_BATCH

        client = MlflowClient(tracking_uri=self.uri)
        tags = {
            "idgraph.run_id": str(result.run_id),
            "idgraph.location": str(result.location),
            "idgraph.spec_fingerprint": spec.fingerprint(),
            "idgraph.validation": str(result.validation_passed),
        }
        run = client.create_run(
            self._experiment_id(client), run_name=f"generate {result.run_id}", tags=tags
        )
        run_id = run.info.run_id
        try:
            params = [Param(k, v) for k, v in spec_params(spec).items()]
            for start in range(0, len(params), MAX_PARAMS_TAGS_PER_BATCH):
                client.log_batch(run_id, params=params[start : start + MAX_PARAMS_TAGS_PER_BATCH])
            client.log_batch(run_id, metrics=[Metric(k, v, 0, 0) for k, v in _metrics(result)])
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "spec.yaml"
                path.write_text(spec_to_yaml(spec), encoding="utf-8")
                client.log_artifact(run_id, str(path))
            if result.report_dir and Path(result.report_dir).is_dir():
                client.log_artifacts(run_id, str(result.report_dir), "validation_report")
        except Exception:
            client.set_terminated(run_id, status="FAILED")
            raise
        client.set_terminated(run_id)
        return f"Tracked as MLflow run {run_id} (experiment {self.experiment!r}, {self.uri})."


def _metrics(result: Any) -> Iterator[tuple[str, float]]:
    """Rows (when known here: a Databricks Jobs run counts them on Databricks), time, verdict."""
    for table, rows in result.rows.items():
        yield f"rows.{table}", float(rows)
    if result.rows:
        yield "rows_total", float(sum(result.rows.values()))
    yield "seconds", float(result.seconds)
    if result.validation_passed is not None:
        yield "validation_passed", float(result.validation_passed)
