"""Who is chatting: the user behind the session's connection request.

Inside a Databricks App the proxy forwards the signed-in user's email, name and token as
``X-Forwarded-*`` headers on every request, the websocket's included; locally there is one user
and no login. The token is read from the connection's headers each time it is needed and lives
only in the returned ``UserContext`` (whose repr hides it): it is never logged nor kept in the
chat session.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generators.databricks.execution import DatabricksExecution
from generators.databricks.identity import (
    UserContext,
    in_databricks_app,
    user_from_headers,
    workspace_client_for,
)
from generators.databricks.permissions import check_write_access
from tools.wizard import PermissionCheck, allow_all


def headers_from_environ(environ: Mapping[str, Any]) -> dict[str, str]:
    """HTTP headers of a WSGI-style environ: ``HTTP_X_FORWARDED_EMAIL`` → ``x-forwarded-email``."""
    return {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }


def user_from_environ(environ: Mapping[str, Any]) -> UserContext:
    """The session's user; raises ``IdentityError`` inside an App without forwarded identity."""
    return user_from_headers(headers_from_environ(environ), apps_mode=in_databricks_app())


def describe_user(user: UserContext) -> str:
    """A short Markdown line naming the user (never the token)."""
    if user.token is None:
        return f"Signed in as the local user **{user.display_name}** (no login needed locally)."
    return f"Signed in as **{user.display_name}** ({user.email}) through Databricks Apps."


def signed_in(headers: Mapping[str, str]) -> tuple[str, str] | None:
    """(email, display name) forwarded by Databricks Apps, or None without an email."""
    lower = {key.lower(): value.strip() for key, value in headers.items()}
    email = lower.get("x-forwarded-email", "")
    if not email:
        return None
    name = lower.get("x-forwarded-preferred-username") or lower.get("x-forwarded-user")
    return email, name or email


def permission_check_for(user: UserContext) -> PermissionCheck:
    """The wizard's write check for ``user``: Unity Catalog grants, asked as the user, inside an
    App; locally any catalog.schema folder of the warehouse may be written."""
    if user.token is None:
        return allow_all

    def check(catalog: str, schema: str) -> tuple[bool, str]:
        report = check_write_access(workspace_client_for(user), user.email, catalog, schema)
        return report.allowed, report.message()

    return check


def execution_for(user: UserContext) -> DatabricksExecution | None:
    """Where ``user``'s generations run: on Databricks, as the user, inside an App (Connect or a
    Jobs run, ``generators.databricks.execution``); ``None`` locally (the local warehouse)."""
    if user.token is None:
        return None
    return DatabricksExecution.from_env(lambda: workspace_client_for(user))
