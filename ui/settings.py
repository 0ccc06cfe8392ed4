"""Deployment defaults of the app, from the environment (``app.yaml`` sets them on Databricks).

``IDGRAPH_CATALOG`` and ``IDGRAPH_SCHEMA`` replace the spec's default write target for every new
chat; users still change it in the output step.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from generators.spec import GenerationSpec
from generators.spec.io import parse_spec

TARGET_VARIABLES = {"IDGRAPH_CATALOG": "output.catalog", "IDGRAPH_SCHEMA": "output.schema"}


def initial_spec(env: Mapping[str, str] | None = None) -> GenerationSpec:
    """The default spec with the environment's catalog and schema; SpecError if they are
    not valid Unity Catalog identifiers."""
    env = os.environ if env is None else env
    overrides = [
        f"{path}={env[name].strip()}"
        for name, path in TARGET_VARIABLES.items()
        if env.get(name, "").strip()
    ]
    return parse_spec({}, overrides)
