"""Identity from forwarded headers and the Unity Catalog write check, against an HTTP stub."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.core import Config
from databricks_stub import UC, DatabricksStub, running_stub

from generators.databricks.identity import (
    IdentityError,
    UserContext,
    user_from_headers,
    workspace_client_for,
)
from generators.databricks.permissions import (
    MissingPrivilege,
    check_write_access,
    quote_full_name,
)

USER = "ada@example.com"
TOKEN = "dapi-0123-secret-user-token-4567"
CATALOG, SCHEMA = "main", "synthetic"
FULL = f"{CATALOG}.{SCHEMA}"
HEADERS = {
    "X-Forwarded-Email": USER,
    "X-Forwarded-Preferred-Username": "ada",
    "X-Forwarded-Access-Token": TOKEN,
}


@pytest.fixture
def stub() -> Iterator[DatabricksStub]:
    with running_stub() as running:
        running.catalogs[CATALOG] = "uc-admins"
        yield running


def client(stub: DatabricksStub) -> WorkspaceClient:
    user = user_from_headers(HEADERS, apps_mode=True)
    return workspace_client_for(user, host=stub.url)


def check(stub: DatabricksStub):
    return check_write_access(client(stub), USER, CATALOG, SCHEMA)


def effective_queries(stub: DatabricksStub) -> list[tuple[str, str | None]]:
    """(securable path, principal) of each effective-permissions request."""
    return [
        (r.path.removeprefix(f"{UC}/effective-permissions/"), r.query.get("principal"))
        for r in stub.requests
        if r.path.startswith(f"{UC}/effective-permissions/")
    ]


# -- identity -----------------------------------------------------------------------------


def test_headers_are_read_case_insensitively_in_apps_mode() -> None:
    lower = {name.lower(): value for name, value in HEADERS.items()}
    user = user_from_headers(lower, apps_mode=True)
    assert user == UserContext(email=USER, display_name="ada", token=TOKEN)


def test_display_name_falls_back_to_forwarded_user_then_email() -> None:
    headers = {"x-forwarded-email": USER, "x-forwarded-access-token": TOKEN}
    assert user_from_headers(headers, apps_mode=True).display_name == USER
    headers["X-FORWARDED-USER"] = "ada-idp-id"
    assert user_from_headers(headers, apps_mode=True).display_name == "ada-idp-id"


def test_missing_token_is_refused_in_apps_mode() -> None:
    with pytest.raises(IdentityError) as refused:
        user_from_headers({"X-Forwarded-Email": USER}, apps_mode=True)
    message = str(refused.value)
    assert "On-behalf-of-user authorization must be enabled" in message
    for scope in ("`sql`", "`catalog.catalogs`", "`catalog.schemas`", "`catalog.tables`"):
        assert scope in message


def test_apps_environment_forces_apps_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABRICKS_APP_NAME", "idgraph")
    with pytest.raises(IdentityError, match="X-Forwarded-Access-Token"):
        user_from_headers({"X-Forwarded-Email": USER}, apps_mode=False)


def test_local_mode_is_the_single_local_user(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABRICKS_APP_PORT", "DATABRICKS_APP_NAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("USER", "grace")
    user = user_from_headers(HEADERS, apps_mode=False)
    assert user == UserContext(email="grace@localhost", display_name="grace", token=None)
    with pytest.raises(IdentityError, match="no Databricks token"):
        workspace_client_for(user, host="http://127.0.0.1:9")


# -- write access -------------------------------------------------------------------------


def test_allowed_user(stub: DatabricksStub) -> None:
    stub.schemas[FULL] = "uc-admins"
    stub.grant(USER, "USE_CATALOG", "catalog", CATALOG)
    stub.grant(USER, "USE_SCHEMA", "schema", FULL)
    stub.grant(USER, "CREATE_TABLE", "schema", FULL)
    report = check(stub)
    assert report.allowed, report.message()
    assert report.schema_exists is True
    assert report.message() == f"{USER} may write to `main`.`synthetic` (the schema exists)."
    # Direct grants sufficed: the user's groups were never looked up.
    assert "/api/2.0/preview/scim/v2/Me" not in stub.paths()
    assert effective_queries(stub) == [
        ("catalog/main", USER),
        ("catalog/main", USER),  # second page of a paginated answer
        ("schema/main.synthetic", USER),
        ("schema/main.synthetic", USER),
    ]


def test_missing_create_table_names_it_and_the_grant(stub: DatabricksStub) -> None:
    stub.schemas[FULL] = "uc-admins"
    stub.grant(USER, "USE_CATALOG", "catalog", CATALOG)
    stub.grant(USER, "USE_SCHEMA", "schema", FULL)
    report = check(stub)
    assert not report.allowed
    grant = "GRANT CREATE TABLE ON SCHEMA `main`.`synthetic` TO `ada@example.com`;"
    assert report.missing == (MissingPrivilege("CREATE TABLE", "SCHEMA", FULL, USER),)
    assert report.missing[0].grant_statement == grant
    message = report.message()
    assert "CREATE TABLE on SCHEMA `main`.`synthetic`" in message
    assert grant in message
    assert "USE SCHEMA" not in message


@pytest.mark.parametrize("group", ["data-engineers", "account users"])
def test_privileges_only_through_a_group(stub: DatabricksStub, group: str) -> None:
    stub.groups = ["users", "data-engineers"]  # `users` is workspace-local: UC answers 400
    stub.schemas[FULL] = "uc-admins"
    stub.grant(group, "USE_CATALOG", "catalog", CATALOG)
    stub.grant(group, "USE_SCHEMA", "schema", FULL)
    stub.grant(group, "CREATE_TABLE", "schema", FULL)
    report = check(stub)
    assert report.allowed, report.message()
    assert "/api/2.0/preview/scim/v2/Me" in stub.paths()
    assert ("schema/main.synthetic", group) in effective_queries(stub)


def test_all_privileges_on_the_catalog_reach_the_schema(stub: DatabricksStub) -> None:
    stub.schemas[FULL] = "uc-admins"
    stub.grant(USER, "ALL_PRIVILEGES", "catalog", CATALOG)
    report = check(stub)
    assert report.allowed, report.message()
    assert report.schema_exists is True


def test_schema_owner_needs_only_use_catalog(stub: DatabricksStub) -> None:
    stub.schemas[FULL] = USER
    stub.grant(USER, "USE_CATALOG", "catalog", CATALOG)
    report = check(stub)
    assert report.allowed, report.message()
    assert ("schema/main.synthetic", USER) not in effective_queries(stub)


def test_missing_schema_with_create_schema(stub: DatabricksStub) -> None:
    stub.grant(USER, "USE_CATALOG", "catalog", CATALOG)
    stub.grant(USER, "CREATE_SCHEMA", "catalog", CATALOG)
    report = check(stub)
    assert report.allowed, report.message()
    assert report.schema_exists is False
    assert (
        report.message() == f"{USER} may write to `main`.`synthetic` (the schema will be created)."
    )


def test_missing_schema_without_create_schema(stub: DatabricksStub) -> None:
    stub.grant(USER, "USE_CATALOG", "catalog", CATALOG)
    report = check(stub)
    assert not report.allowed
    assert report.schema_exists is False
    assert [m.grant_statement for m in report.missing] == [
        "GRANT CREATE SCHEMA ON CATALOG `main` TO `ada@example.com`;"
    ]
    assert "(the schema does not exist yet)" in report.message()
    assert "CREATE SCHEMA on CATALOG `main`" in report.message()


def test_nothing_granted_lists_every_grant_in_order(stub: DatabricksStub) -> None:
    stub.schemas[FULL] = "uc-admins"
    report = check(stub)
    assert [m.grant_statement for m in report.missing] == [
        "GRANT USE CATALOG ON CATALOG `main` TO `ada@example.com`;",
        "GRANT USE SCHEMA ON SCHEMA `main`.`synthetic` TO `ada@example.com`;",
        "GRANT CREATE TABLE ON SCHEMA `main`.`synthetic` TO `ada@example.com`;",
    ]


def test_missing_catalog_is_a_clear_refusal(stub: DatabricksStub) -> None:
    report = check_write_access(client(stub), USER, "nope", SCHEMA)
    assert not report.allowed
    assert "The catalog `nope` does not exist" in report.message()


def test_forbidden_grants_read_is_a_clear_refusal(stub: DatabricksStub) -> None:
    stub.schemas[FULL] = "uc-admins"
    stub.fail(
        f"{UC}/effective-permissions/",
        403,
        "PERMISSION_DENIED",
        "User does not have MANAGE on Catalog 'main'.",
    )
    report = check(stub)
    assert not report.allowed
    assert report.missing == ()
    message = report.message()
    assert message.startswith("Cannot generate into `main`.`synthetic`")
    assert "refused to show your grants (User does not have MANAGE on Catalog 'main')" in message
    assert "Config:" not in message
    assert "Traceback" not in message


def test_unreachable_workspace_is_a_clear_refusal() -> None:
    with running_stub() as gone:
        url = gone.url
    w = WorkspaceClient(
        config=Config(host=url, token=TOKEN, auth_type="pat", retry_timeout_seconds=1)
    )
    report = check_write_access(w, USER, CATALOG, SCHEMA)
    assert not report.allowed
    assert "Databricks could not be reached" in report.message()


def test_identifiers_are_backtick_quoted_and_escaped() -> None:
    missing = MissingPrivilege("USE SCHEMA", "SCHEMA", "we`ird.sch", "team `x`")
    assert quote_full_name("we`ird.sch") == "`we``ird`.`sch`"
    assert missing.grant_statement == "GRANT USE SCHEMA ON SCHEMA `we``ird`.`sch` TO `team ``x```;"


# -- secrecy ------------------------------------------------------------------------------


def test_token_never_appears_in_logs_reprs_or_reports(
    stub: DatabricksStub, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABRICKS_DEBUG_HEADERS", "true")  # asks the SDK to log headers
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="databricks.sdk")
    stub.groups = ["data-engineers"]
    stub.schemas[FULL] = "uc-admins"
    stub.grant(USER, "USE_CATALOG", "catalog", CATALOG)
    user = user_from_headers(HEADERS, apps_mode=True)
    w = workspace_client_for(user, host=stub.url)
    report = check_write_access(w, USER, CATALOG, SCHEMA)
    stub.fail(f"{UC}/schemas/", 403, "PERMISSION_DENIED", "denied")
    refused = check_write_access(w, USER, CATALOG, SCHEMA)

    # The token was really used, and the SDK really logged the exchanges at DEBUG level.
    assert {r.headers.get("Authorization") for r in stub.requests[1:]} == {f"Bearer {TOKEN}"}
    assert f"GET {UC}/effective-permissions/schema/{FULL}" in caplog.text
    for text in (
        caplog.text,
        repr(user),
        str(user),
        repr(report),
        report.message(),
        repr(refused),
        refused.message(),
    ):
        assert TOKEN not in text
