"""Who is asking: the signed-in Databricks App user, or the single local user.

Invariants:
- The user's token never appears in ``repr``/``str`` of a :class:`UserContext` and is never logged.
- Inside a Databricks App a request without a forwarded user token is refused (fail closed): the
  app never falls back to its own service principal to act for a user.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from databricks.sdk import WorkspaceClient
from databricks.sdk.core import Config

# Scopes the app needs in its user-authorization settings (Databricks Apps "User authorization").
# `sql` runs Spark/SQL as the user; the `catalog.*` scopes read catalogs, schemas and tables. The
# defaults `iam.current-user:read` and `iam.access-control:read` are always granted.
REQUIRED_USER_SCOPES = ("sql", "catalog.catalogs", "catalog.schemas", "catalog.tables")
DEFAULT_USER_SCOPES = ("iam.current-user:read", "iam.access-control:read")

# Retry budget of a user-scoped client: a user waits on it, so give up well before the SDK's
# default of 300 s when the workspace is unreachable.
USER_CLIENT_RETRY_SECONDS = 60

_APP_ENV_MARKERS = ("DATABRICKS_APP_PORT", "DATABRICKS_APP_NAME")


class IdentityError(RuntimeError):
    """The request carries no usable user identity; the message says how to fix it."""


@dataclass(frozen=True)
class UserContext:
    """The person the app acts for. ``token`` is ``None`` for the local user."""

    email: str
    display_name: str
    token: str | None = field(default=None, repr=False)


def in_databricks_app() -> bool:
    """True when running as a Databricks App (the platform sets these variables)."""
    return any(os.environ.get(name) for name in _APP_ENV_MARKERS)


def user_from_headers(headers: Mapping[str, str], *, apps_mode: bool) -> UserContext:
    """The user behind a request. Header names are case-insensitive.

    Apps mode is on when ``apps_mode`` is true or the process runs as a Databricks App; a caller
    cannot switch it off inside an App. There, email and token are required. Outside an App the
    headers are ignored and the single local user ``$USER@localhost`` (no token) is returned.
    """
    if not (apps_mode or in_databricks_app()):
        return _local_user()
    lower = {key.lower(): value for key, value in headers.items()}
    email = lower.get("x-forwarded-email", "").strip()
    token = lower.get("x-forwarded-access-token", "").strip()
    if not email:
        raise IdentityError(
            "The request has no X-Forwarded-Email header: open the app through its Databricks "
            "Apps URL, which signs you in and forwards your identity."
        )
    if not token:
        raise IdentityError(_missing_token_message())
    name = (
        lower.get("x-forwarded-preferred-username", "").strip()
        or lower.get("x-forwarded-user", "").strip()
        or email
    )
    return UserContext(email=email, display_name=name, token=token)


def workspace_client_for(user: UserContext, host: str | None = None) -> WorkspaceClient:
    """A client that calls Databricks as ``user`` (their forwarded token, never the app's)."""
    if not user.token:
        raise IdentityError(
            f"{user.email} has no Databricks token: user-scoped Databricks calls only work inside "
            "a Databricks App with user authorization enabled."
        )
    workspace = host or os.environ.get("DATABRICKS_HOST")
    if not workspace:
        raise IdentityError("DATABRICKS_HOST is not set, so there is no workspace to call.")
    return WorkspaceClient(
        config=Config(
            host=workspace,
            token=user.token,
            auth_type="pat",
            retry_timeout_seconds=USER_CLIENT_RETRY_SECONDS,
            # Pinned off over DATABRICKS_DEBUG_HEADERS: SDK versions that honour it log the
            # Authorization header (0.162 ignores it).
            debug_headers=False,
        )
    )


def _local_user() -> UserContext:
    name = os.environ.get("USER") or "local"
    return UserContext(email=f"{name}@localhost", display_name=name)


def _missing_token_message() -> str:
    scopes = ", ".join(f"`{scope}`" for scope in REQUIRED_USER_SCOPES)
    defaults = " and ".join(f"`{scope}`" for scope in DEFAULT_USER_SCOPES)
    return (
        "This Databricks App received no X-Forwarded-Access-Token, so it cannot act as you. "
        "On-behalf-of-user authorization must be enabled for the app: a workspace admin opens "
        f"the app's Authorization settings, enables user authorization, adds the user API scopes "
        f"{scopes} (besides the default {defaults}) and restarts the app; then reload this page. "
        "The app does not fall back to its own service principal."
    )
