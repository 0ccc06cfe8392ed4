"""May a user write the generated tables into a Unity Catalog schema? Answered before writing.

Needed: USE CATALOG on the catalog and, if the schema exists, USE SCHEMA and CREATE TABLE on it;
otherwise CREATE SCHEMA on the catalog (the creator then owns the new schema).

A privilege counts when it is held directly, inherited from a parent securable (effective
permissions carry ``inherited_from_type/name``; ALL PRIVILEGES on the catalog reaches the schema
this way), granted to one of the user's groups, or implied by owning the securable. The docs do not
promise that effective permissions filtered by a user include that user's group grants, so groups
(SCIM ``Me``, plus ``account users``) are asked one by one, and only while something is missing.

Invariant: :func:`check_write_access` never raises for API or network failures; they become a
refusal whose message says what went wrong. Nothing here logs or returns a token.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import (
    BadRequest,
    DatabricksError,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)

from generators.databricks.errors import API_FAILURES, api_error_text

USE_CATALOG = "USE_CATALOG"
USE_SCHEMA = "USE_SCHEMA"
CREATE_TABLE = "CREATE_TABLE"
CREATE_SCHEMA = "CREATE_SCHEMA"
ALL_PRIVILEGES = "ALL_PRIVILEGES"
ACCOUNT_USERS = "account users"  # every account user belongs to it; SCIM Me does not list it


def quote_identifier(name: str) -> str:
    """A backtick-quoted SQL identifier; backticks inside are doubled."""
    return "`" + name.replace("`", "``") + "`"


def quote_full_name(full_name: str) -> str:
    """```cat`.`sch``` for ``cat.sch`` (Unity Catalog names cannot contain dots)."""
    return ".".join(quote_identifier(part) for part in full_name.split("."))


@dataclass(frozen=True)
class Securable:
    """A catalog or schema; ``type`` is ``CATALOG`` or ``SCHEMA``."""

    type: str
    full_name: str


Need = Sequence[tuple[str, Securable]]  # (privilege in API spelling, where it is needed)


@dataclass(frozen=True)
class MissingPrivilege:
    """A privilege ``principal`` lacks; ``privilege`` uses SQL spelling, e.g. ``CREATE TABLE``."""

    privilege: str
    securable_type: str
    full_name: str
    principal: str

    @property
    def grant_statement(self) -> str:
        """The statement an admin runs to fix it."""
        return (
            f"GRANT {self.privilege} ON {self.securable_type} {quote_full_name(self.full_name)} "
            f"TO {quote_identifier(self.principal)};"
        )


@dataclass(frozen=True)
class AccessReport:
    """Outcome of a write check. ``error`` is set when the check itself could not be completed;
    ``schema_exists`` is ``None`` when that was never learned."""

    user: str
    catalog: str
    schema: str
    schema_exists: bool | None
    missing: tuple[MissingPrivilege, ...] = ()
    error: str | None = None

    @property
    def allowed(self) -> bool:
        return self.error is None and not self.missing

    @property
    def target(self) -> str:
        return f"{quote_identifier(self.catalog)}.{quote_identifier(self.schema)}"

    def message(self) -> str:
        """A user-facing paragraph: the verdict, and for refusals what to ask an admin for."""
        if self.error is not None:
            return (
                f"Cannot generate into {self.target}: the Unity Catalog privileges of {self.user} "
                f"could not be checked. {self.error} Nothing was written."
            )
        if self.allowed:
            state = "the schema exists" if self.schema_exists else "the schema will be created"
            return f"{self.user} may write to {self.target} ({state})."
        state = "the schema exists" if self.schema_exists else "the schema does not exist yet"
        lacking = "; ".join(
            f"{m.privilege} on {m.securable_type} {quote_full_name(m.full_name)}"
            for m in self.missing
        )
        grants = "\n".join(m.grant_statement for m in self.missing)
        return (
            f"{self.user} cannot write to {self.target} yet ({state}). Missing: {lacking}. "
            "Ask a Unity Catalog admin or the owner of the catalog or schema to run:\n\n"
            f"{grants}\n\nGranting these to a group you belong to works as well. "
            "Nothing was written."
        )


def check_write_access(
    w: WorkspaceClient, user_email: str, catalog: str, schema: str
) -> AccessReport:
    """Whether ``user_email`` may create the generated tables in ``catalog.schema``.

    ``w`` should act as that user (see ``identity.workspace_client_for``).
    """
    try:
        return _check(w, user_email, catalog, schema)
    except API_FAILURES as exc:
        return AccessReport(user_email, catalog, schema, None, error=_describe(exc))


def _check(w: WorkspaceClient, user: str, catalog: str, schema: str) -> AccessReport:
    catalog_sec = Securable("CATALOG", catalog)
    schema_sec = Securable("SCHEMA", f"{catalog}.{schema}")
    try:
        catalog_owner = w.catalogs.get(catalog).owner
    except NotFound:
        return AccessReport(
            user,
            catalog,
            schema,
            False,
            error=f"The catalog {quote_identifier(catalog)} does not exist; choose an existing "
            "catalog or ask an admin to create it.",
        )
    except PermissionDenied:
        catalog_owner = None  # hidden without USE CATALOG; the grants below say what is missing
    schema_exists, schema_owner = _schema_state(w, schema_sec.full_name)
    needed = [(USE_CATALOG, catalog_sec)]
    if schema_exists:
        needed += [(USE_SCHEMA, schema_sec), (CREATE_TABLE, schema_sec)]
    else:
        needed.append((CREATE_SCHEMA, catalog_sec))
    owners = {catalog_sec: catalog_owner, schema_sec: schema_owner}
    held = _held_privileges(w, user, needed, owners)
    missing = tuple(
        MissingPrivilege(privilege.replace("_", " "), sec.type, sec.full_name, user)
        for privilege, sec in _unmet(needed, held)
    )
    return AccessReport(user, catalog, schema, schema_exists, missing)


def _schema_state(w: WorkspaceClient, full_name: str) -> tuple[bool, str | None]:
    """(exists, owner). Permission denied means it exists but its owner is hidden from us."""
    try:
        return True, w.schemas.get(full_name).owner
    except NotFound:
        return False, None
    except PermissionDenied:
        return True, None


def _unmet(needed: Need, held: dict[Securable, set[str]]) -> list[tuple[str, Securable]]:
    return [(p, sec) for p, sec in needed if not {p, ALL_PRIVILEGES} & held[sec]]


def _held_privileges(
    w: WorkspaceClient, user: str, needed: Need, owners: dict[Securable, str | None]
) -> dict[Securable, set[str]]:
    """Privileges gathered principal by principal until nothing needed is missing."""
    held: dict[Securable, set[str]] = {sec: set() for _, sec in needed}
    for position, principal in enumerate(_principals(w, user)):
        for sec in dict.fromkeys(sec for _, sec in _unmet(needed, held)):
            if _same_principal(owners.get(sec), principal):
                held[sec].add(ALL_PRIVILEGES)
                continue
            try:
                held[sec] |= _effective_privileges(w, sec, principal)
            except (NotFound, BadRequest):
                if position == 0:  # the user's own grants must be readable
                    raise
                # SCIM Me also lists workspace-local groups (`users`, `admins`), which Unity
                # Catalog does not know as principals: they hold no grants.
        if not _unmet(needed, held):
            break
    return held


def _principals(w: WorkspaceClient, user: str) -> Iterator[str]:
    """The user, then (SCIM Me is only called if the loop asks) their groups, then
    ``account users``."""
    yield user
    me = w.current_user.me()
    groups = [group.display for group in me.groups or [] if group.display]
    yield from dict.fromkeys([*groups, ACCOUNT_USERS])


def _same_principal(owner: str | None, principal: str) -> bool:
    return owner is not None and owner.casefold() == principal.casefold()


def _effective_privileges(w: WorkspaceClient, sec: Securable, principal: str) -> set[str]:
    """All pages of effective permissions (inherited ones included) for one principal."""
    privileges: set[str] = set()
    page_token: str | None = None
    while True:
        page = w.grants.get_effective(
            sec.type.lower(),
            sec.full_name,
            principal=principal,
            max_results=0,
            page_token=page_token,
        )
        for assignment in page.privilege_assignments or []:
            privileges.update(p.privilege.value for p in assignment.privileges or [] if p.privilege)
        page_token = page.next_page_token
        if not page_token:
            return privileges


def _describe(exc: Exception) -> str:
    text = api_error_text(exc).rstrip(".")
    if isinstance(exc, Unauthenticated):
        return f"Databricks rejected your sign-in token ({text}); reload the app to sign in again."
    if isinstance(exc, PermissionDenied):
        return (
            f"Databricks refused to show your grants ({text}). Ask an admin to check your "
            "privileges on this catalog, or the app owner to add the catalog user-authorization "
            "scopes to the app."
        )
    if isinstance(exc, DatabricksError):
        return f"Databricks answered with an error: {text}."
    return f"Databricks could not be reached: {text}."
