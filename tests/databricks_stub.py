"""A fake Databricks workspace at the HTTP boundary, so the real databricks-sdk code runs.

Serves the REST endpoints idgraph uses, with the response and error JSON shapes of the real API,
and records every request. Unity Catalog is modelled as grants per securable; effective
permissions of a schema include its catalog's grants as inherited ones. A query filtered by
principal returns only that principal's own grants (no group expansion), the pessimistic reading
of the API docs. Jobs runs step through ``run_states``, one state per ``runs/get`` (the last one
repeats); once ``runs/cancel`` was called for a run, it reads TERMINATED with result CANCELED. A
run's task has run id ``run_id + 1``; ``runs/get-output`` serves its ``task_logs``.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest.mock import patch
from urllib.parse import parse_qs, unquote, urlsplit

UC = "/api/2.1/unity-catalog"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict | None


@dataclass
class DatabricksStub:
    """Workspace state; tests arrange it, then read ``requests`` and ``submitted``."""

    user_name: str = "ada@example.com"
    groups: list[str] = field(default_factory=list)
    # Listed by SCIM Me but unknown to Unity Catalog as principals (workspace-local groups).
    local_groups: frozenset[str] = frozenset({"users", "admins"})
    catalogs: dict[str, str] = field(default_factory=dict)  # name -> owner
    schemas: dict[str, str] = field(default_factory=dict)  # full name -> owner
    grants: dict[tuple[str, str], dict[str, list[str]]] = field(default_factory=dict)
    failures: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # see fail()
    run_states: list[tuple[str, str | None, str]] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    submitted: list[dict] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    task_logs: dict[int, str] = field(default_factory=dict)  # task run id -> its stdout
    url: str = ""

    def grant(self, principal: str, privilege: str, securable_type: str, full_name: str) -> None:
        key = (securable_type.upper(), full_name)
        self.grants.setdefault(key, {}).setdefault(principal, []).append(privilege)

    def fail(self, path_prefix: str, status: int, error_code: str, message: str) -> None:
        """Answer requests under ``path_prefix`` with this Databricks error."""
        self.failures[path_prefix] = (status, error_code, message)

    def paths(self) -> list[str]:
        return [r.path for r in self.requests if not r.path.startswith("/.well-known")]

    # -- routing --------------------------------------------------------------------------
    def handle(self, request: Request) -> tuple[int, dict]:
        self.requests.append(request)
        for prefix, (status, code, message) in self.failures.items():
            if request.path.startswith(prefix):
                return status, _error(code, message)
        path = request.path
        if path == "/.well-known/databricks-config":
            return 200, {"oidc_endpoint": f"{self.url}/oidc", "workspace_id": "1234567890"}
        if path == "/api/2.0/preview/scim/v2/Me":
            return 200, self._me()
        if path.startswith(f"{UC}/catalogs/"):
            return self._securable("CATALOG", path.removeprefix(f"{UC}/catalogs/"), self.catalogs)
        if path.startswith(f"{UC}/schemas/"):
            return self._securable("SCHEMA", path.removeprefix(f"{UC}/schemas/"), self.schemas)
        if path.startswith(f"{UC}/effective-permissions/"):
            kind, name = path.removeprefix(f"{UC}/effective-permissions/").split("/", 1)
            return self._effective(kind.upper(), name, request.query)
        if path == "/api/2.2/jobs/runs/submit" and request.method == "POST":
            self.submitted.append(request.body or {})
            return 200, {"run_id": 1000 + len(self.submitted)}
        if path == "/api/2.2/jobs/runs/cancel" and request.method == "POST":
            self.cancelled.append(int((request.body or {})["run_id"]))
            return 200, {}
        if path == "/api/2.2/jobs/runs/get":
            return self._run(int(request.query["run_id"]))
        if path == "/api/2.2/jobs/runs/get-output":
            return self._output(int(request.query["run_id"]))
        return 404, _error("ENDPOINT_NOT_FOUND", f"No API found for '{request.method} {path}'")

    def _me(self) -> dict:
        return {
            "id": "7001",
            "userName": self.user_name,
            "displayName": "Ada Lovelace",
            "emails": [{"value": self.user_name, "primary": True}],
            "groups": [
                {"display": name, "value": str(8000 + i), "$ref": f"Groups/{8000 + i}"}
                for i, name in enumerate(self.groups)
            ],
        }

    def _securable(self, kind: str, name: str, known: dict[str, str]) -> tuple[int, dict]:
        if name not in known:
            return _does_not_exist(kind, name)
        parts = name.split(".")
        body = {"name": parts[-1], "full_name": name, "owner": known[name]}
        if kind == "SCHEMA":
            body["catalog_name"] = parts[0]
        return 200, body

    def _effective(self, kind: str, name: str, query: dict[str, str]) -> tuple[int, dict]:
        known = self.catalogs if kind == "CATALOG" else self.schemas
        if name not in known:
            return _does_not_exist(kind, name)
        wanted = query.get("principal")
        if wanted in self.local_groups:
            return 400, _error("INVALID_PARAMETER_VALUE", f"Could not find principal {wanted}.")
        if "page_token" not in query:  # a first page may be empty yet point to more
            return 200, {"privilege_assignments": [], "next_page_token": "page-2"}
        per_principal: dict[str, list[dict]] = {}
        for principal, privileges in self.grants.get((kind, name), {}).items():
            per_principal.setdefault(principal, []).extend({"privilege": p} for p in privileges)
        if kind == "SCHEMA":
            catalog = name.split(".")[0]
            for principal, privileges in self.grants.get(("CATALOG", catalog), {}).items():
                per_principal.setdefault(principal, []).extend(
                    {
                        "privilege": p,
                        "inherited_from_type": "CATALOG",
                        "inherited_from_name": catalog,
                    }
                    for p in privileges
                )
        return 200, {
            "privilege_assignments": [
                {"principal": principal, "privileges": privileges}
                for principal, privileges in per_principal.items()
                if wanted is None or principal == wanted
            ]
        }

    def _run(self, run_id: int) -> tuple[int, dict]:
        polls = sum(1 for r in self.requests if r.path == "/api/2.2/jobs/runs/get")
        life, result, message = self.run_states[min(polls, len(self.run_states)) - 1]
        if run_id in self.cancelled:
            life, result, message = "TERMINATED", "CANCELED", "Run cancelled by the user."
        state = {"life_cycle_state": life, "state_message": message}
        if result:
            state["result_state"] = result
        task_state = dict(state)
        return 200, {
            "run_id": run_id,
            "run_name": "idgraph generate",
            "run_page_url": f"{self.url}/#job/runs/{run_id}",
            "state": state,
            "tasks": [{"task_key": "generate", "run_id": run_id + 1, "state": task_state}],
        }

    def _output(self, task_run_id: int) -> tuple[int, dict]:
        """A task's output as the API gives it for a ``spark_python_task``: its stdout in
        ``logs`` (the real API keeps the last 5 MB)."""
        if task_run_id not in self.task_logs:
            return 400, _error("INVALID_PARAMETER_VALUE", f"Run {task_run_id} does not exist.")
        logs = self.task_logs[task_run_id]
        return 200, {"logs": logs, "logs_truncated": False, "metadata": {"run_id": task_run_id}}


def _does_not_exist(kind: str, name: str) -> tuple[int, dict]:
    return 404, _error(f"{kind}_DOES_NOT_EXIST", f"{kind.capitalize()} '{name}' does not exist.")


def _error(code: str, message: str) -> dict:
    return {
        "error_code": code,
        "message": message,
        "details": [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": code,
                "domain": "unity-catalog.databricks.com",
            }
        ],
    }


def _handler(stub: DatabricksStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            request = Request(
                method=self.command,
                path=unquote(parts.path),
                query={k: v[-1] for k, v in parse_qs(parts.query).items()},
                headers=dict(self.headers.items()),
                body=json.loads(raw) if raw else None,
            )
            status, body = stub.handle(request)
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

    return Handler


@contextmanager
def running_stub() -> Iterator[DatabricksStub]:
    """A stub served on 127.0.0.1 at a free port for the duration of the block, with the
    process environment cleared of DATABRICKS_* settings so no real workspace is configured."""
    stub = DatabricksStub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    stub.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        with patch.dict(os.environ):
            for name in [n for n in os.environ if n.startswith("DATABRICKS_")]:
                del os.environ[name]
            yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
