"""The REST API of the connector screens (/api/connectors/, /api/sync-runs/, /api/sync-failures/):
the same services and permissions as the pages, connectors against the sandbox over real HTTP,
secrets never answered, and every endpoint in the OpenAPI schema."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.validation import validate_schema

from finops.accounts.roles import Role
from finops.accounts.services import user_grant_role
from finops.audit.models import AuditEvent
from finops.masterdata.models import LegalEntity
from integrations import credentials
from integrations.api import ConnectorChangeInput, ConnectorCreateInput, CredentialsInput
from integrations.connectors import spec_for
from integrations.forms import ConnectorForm
from integrations.models import Connector, ConnectorKind, SyncFailure, SyncRun
from integrations.sandbox.config import DEFAULT_TOKEN
from integrations.states import FailureKind, FailureState, SyncState
from integrations.sync.runs import sync_run_execute
from tests.factories import UserFactory
from tests.integrations.connectors.support import fault, make_connector, mark_after, run_once, set_marks

JSON = "application/json"
NEW_TOKEN = "tok-7f3a9c1e5b2d4680-api"


@pytest.fixture
def admin_gb(roles: None, entity_gb: Any) -> Any:
    user = UserFactory(username="admin_gb")
    user_grant_role(user=user, role=Role.ADMIN, entity=entity_gb, granted_by=None)
    return user


def _as(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _suppliers_only(erp: Connector, sandbox: str) -> None:
    """A run that reads two suppliers: quick, and its counts are known."""
    erp.mapping = {"resources": ["suppliers"]}
    erp.save(update_fields=["mapping"])
    set_marks(erp, suppliers=mark_after(sandbox, "erp", "suppliers", keep_last=2))


# --- the schema ---------------------------------------------------------------------------------

PATHS = {
    "/api/connectors/": {"get", "post"},
    "/api/connectors/{id}/": {"get", "patch"},
    "/api/connectors/{id}/enable/": {"post"},
    "/api/connectors/{id}/disable/": {"post"},
    "/api/connectors/{id}/test/": {"post"},
    "/api/connectors/{id}/run/": {"post"},
    "/api/connectors/{id}/credentials/": {"post"},
    "/api/sync-runs/": {"get"},
    "/api/sync-runs/{id}/": {"get"},
    "/api/sync-runs/{id}/replay/": {"post"},
    "/api/sync-failures/": {"get"},
    "/api/sync-failures/{id}/": {"get"},
    "/api/sync-failures/{id}/replay/": {"post"},
    "/api/bank-files/": {"get", "post"},
    "/api/bank-files/{id}/": {"get"},
    "/api/bank-files/{id}/content/": {"get"},
    "/api/outbound-messages/": {"get"},
    "/api/outbound-messages/{id}/retry/": {"post"},
    "/api/webhook-subscriptions/": {"get", "post"},
    "/api/webhook-subscriptions/{id}/": {"get", "patch"},
    "/api/trace/": {"get"},
    "/api/trace/{correlation_id}/": {"get"},
}

WITH_BODY = {
    ("/api/connectors/", "post"),
    ("/api/connectors/{id}/", "patch"),
    ("/api/connectors/{id}/credentials/", "post"),
    ("/api/bank-files/", "post"),
    ("/api/webhook-subscriptions/", "post"),
    ("/api/webhook-subscriptions/{id}/", "patch"),
}


def test_the_schema_url_documents_every_integration_endpoint(admin_de: Any) -> None:
    response = _as(admin_de).get(reverse("api-schema"), {"format": "json"})

    schema = response.json()
    assert response.status_code == 200
    validate_schema(schema)
    for path, methods in PATHS.items():
        assert path in schema["paths"], path
        operations = schema["paths"][path]
        assert methods <= set(operations), (path, set(operations))
        for method in methods:
            responses = operations[method]["responses"]
            assert any(code.startswith("2") for code in responses), (path, method)
            if (path, method) in WITH_BODY:
                assert operations[method]["requestBody"]["content"], (path, method)


def test_schema_generation_for_the_whole_api_has_no_warnings(tmp_path: Path) -> None:
    """`spectacular --validate --fail-on-warn` over every endpoint of the project (raises on a warning)."""
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))

    schema = (tmp_path / "schema.yaml").read_text()
    assert "/api/connectors/{id}/credentials/" in schema
    assert "/api/journal-entries/{id}/post/" in schema
    assert "/api/payment-batches/{id}/decision/" in schema


def test_the_documented_bodies_are_the_forms_fields(db: Any) -> None:
    """The request bodies are validated by the screens' forms; their documentation must not drift."""
    form_fields = set(ConnectorForm(entities=LegalEntity.objects.none()).fields)

    assert set(ConnectorCreateInput().fields) == form_fields
    assert set(ConnectorChangeInput().fields) == form_fields - {"kind", "entity"} | {"mapping"}
    every_credential = {name for kind in ConnectorKind.values for name in spec_for(kind).credential_fields}
    assert set(CredentialsInput().fields) == every_credential | {"forget_previous_secret"}


# --- connectors ---------------------------------------------------------------------------------


def test_the_list_shows_each_connectors_health_and_never_a_secret(admin_de: Any, erp: Connector) -> None:
    next_run = timezone.now() + dt.timedelta(minutes=20)
    Connector.objects.filter(pk=erp.pk).update(
        last_success_at=timezone.now() - dt.timedelta(hours=3),
        failure_streak=2,
        cadence_minutes=30,
        next_run_at=next_run,
    )

    response = _as(admin_de).get(reverse("api:connector-list"))

    (row,) = response.json()["results"]
    assert response.status_code == 200
    assert (row["name"], row["entity"], row["kind"], row["is_enabled"]) == (erp.name, "DE01", "erp_rest", True)
    assert row["failure_streak"] == 2
    assert 3 * 3600 <= row["lag_seconds"] < 3 * 3600 + 60
    assert dt.datetime.fromisoformat(row["next_run_at"]) == next_run
    assert row["last_success_at"] is not None
    assert set(row["credential_fields"]) == {"token"}
    assert DEFAULT_TOKEN not in response.content.decode()


def test_the_list_filters_by_kind_and_enabled_and_names_a_bad_filter(
    admin_de: Any, entity_de: Any, erp: Connector
) -> None:
    crm = make_connector(admin_de, entity_de, "crm_rest")
    Connector.objects.filter(pk=crm.pk).update(is_enabled=False)
    client = _as(admin_de)

    by_kind = client.get(reverse("api:connector-list"), {"kind": "crm_rest"}).json()["results"]
    enabled = client.get(reverse("api:connector-list"), {"is_enabled": "true"}).json()["results"]
    bad = client.get(reverse("api:connector-list"), {"kind": "mainframe"})

    assert [c["name"] for c in by_kind] == [crm.name]
    assert [c["name"] for c in enabled] == [erp.name]
    assert bad.status_code == 400
    assert "kind" in bad.json()


def test_an_admin_creates_a_connector_with_the_forms_defaults(admin_de: Any, entity_de: Any) -> None:
    body = {"kind": "procurement_rest", "entity": "DE01", "name": "Coupa", "base_url": "http://127.0.0.1:9"}

    response = _as(admin_de).post(reverse("api:connector-list"), {**body, "cadence_minutes": 30}, content_type=JSON)

    connector = Connector.objects.get(name="Coupa")
    assert response.status_code == 201
    assert response.json()["id"] == connector.pk
    assert (connector.kind, connector.entity, connector.page_size, connector.max_attempts) == (
        "procurement_rest",
        entity_de,
        100,
        5,
    )
    assert connector.next_run_at > timezone.now() + dt.timedelta(minutes=29)
    assert AuditEvent.objects.filter(action="connector.created", object_id=str(connector.pk), actor=admin_de).exists()


def test_a_refused_create_names_each_field_and_writes_nothing(admin_de: Any, entity_gb: Any) -> None:
    client = _as(admin_de)

    invalid = client.post(
        reverse("api:connector-list"),
        {"kind": "erp_rest", "entity": "GB01", "page_size": 0, "base_url": "not a url"},
        content_type=JSON,
    )
    misspelt = client.post(
        reverse("api:connector-list"), {"kind": "erp_rest", "entity": "DE01", "nmae": "ERP"}, content_type=JSON
    )

    errors = invalid.json()
    assert invalid.status_code == 400
    assert errors["name"] == ["This field is required."]
    assert "Select a valid choice" in errors["entity"][0]  # GB01 is not administered by admin_de
    assert "greater than or equal to 1" in errors["page_size"][0]
    assert errors["base_url"] == ["Enter a valid URL."]
    assert misspelt.status_code == 400
    assert misspelt.json()["nmae"] == ["Not a field that can be set here."]
    assert not Connector.objects.exists()


def test_patch_changes_schedule_and_mapping_and_keeps_the_rest(admin_de: Any, erp: Connector) -> None:
    timeout_before = erp.timeout_seconds

    response = _as(admin_de).patch(
        reverse("api:connector-detail", args=[erp.pk]),
        {"cadence_minutes": 60, "mapping": {"blocked_statuses": ["blocked", "on_hold"]}},
        content_type=JSON,
    )

    erp.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["cadence_minutes"] == 60
    assert response.json()["effective_mapping"]["blocked_statuses"] == ["blocked", "on_hold"]
    assert erp.cadence_minutes == 60
    assert timezone.now() + dt.timedelta(minutes=59) < erp.next_run_at <= timezone.now() + dt.timedelta(minutes=60)
    assert erp.mapping == {"blocked_statuses": ["blocked", "on_hold"]}
    assert erp.timeout_seconds == timeout_before
    assert AuditEvent.objects.get(action="connector.updated", object_id=str(erp.pk)).after["cadence_minutes"] == 60
    assert AuditEvent.objects.filter(action="connector.mapping_changed", object_id=str(erp.pk)).count() == 1


def test_a_bad_mapping_is_refused_naming_the_key_and_nothing_changes(admin_de: Any, erp: Connector) -> None:
    url = reverse("api:connector-detail", args=[erp.pk])
    client = _as(admin_de)

    unknown = client.patch(url, {"cadence_minutes": 15, "mapping": {"blocked_status": ["x"]}}, content_type=JSON)
    foreign = client.patch(url, {"mapping": {"default_entity": "GB01"}}, content_type=JSON)
    wrong_type = client.patch(url, {"mapping": {"blocked_statuses": "blocked"}}, content_type=JSON)
    bad_setting = client.patch(url, {"timeout_seconds": "0", "kind": "crm_rest"}, content_type=JSON)

    erp.refresh_from_db()
    assert unknown.status_code == foreign.status_code == wrong_type.status_code == bad_setting.status_code == 400
    assert "Unknown key 'blocked_status'" in unknown.json()["mapping"][0]
    assert "which you do not administer" in foreign.json()["mapping"][0]
    assert "'blocked_statuses' must be a list" in wrong_type.json()["mapping"][0]
    assert list(bad_setting.json()) == ["timeout_seconds"]  # kind is the page's disabled field: ignored
    assert (erp.cadence_minutes, erp.mapping, erp.kind) == (None, {}, "erp_rest")
    assert not AuditEvent.objects.filter(action__in=["connector.updated", "connector.mapping_changed"]).exists()


def test_an_admin_disables_and_enables_a_connector(admin_de: Any, erp: Connector) -> None:
    client = _as(admin_de)

    disabled = client.post(reverse("api:connector-disable", args=[erp.pk]))
    disabled_state = Connector.objects.get(pk=erp.pk).is_enabled
    enabled = client.post(reverse("api:connector-enable", args=[erp.pk]))

    assert (disabled.status_code, disabled.json()["is_enabled"], disabled_state) == (200, False, False)
    assert (enabled.status_code, enabled.json()["is_enabled"]) == (200, True)
    assert Connector.objects.get(pk=erp.pk).is_enabled
    actions = AuditEvent.objects.filter(object_id=str(erp.pk), action__in=["connector.disabled", "connector.enabled"])
    assert list(actions.order_by("id").values_list("action", "actor")) == [
        ("connector.disabled", admin_de.pk),
        ("connector.enabled", admin_de.pk),
    ]


def test_test_connection_makes_a_real_call_and_answers_the_result(admin_de: Any, erp: Connector, sandbox: str) -> None:
    client = _as(admin_de)
    url = reverse("api:connector-test", args=[erp.pk])

    good = client.post(url)
    Connector.objects.filter(pk=erp.pk).update(base_url=f"{sandbox}/nowhere")
    bad = client.post(url)

    assert good.status_code == 200
    assert good.json()["ok"] is True
    assert "Connected: GET /erp/v1/customers answered 200" in good.json()["message"]
    assert (bad.status_code, bad.json()["ok"], bad.json()["status"]) == (200, False, 404)
    assert DEFAULT_TOKEN not in good.content.decode() + bad.content.decode()


def test_run_now_queues_a_run_answers_202_and_refuses_a_second(
    admin_de: Any, erp: Connector, django_capture_on_commit_callbacks: Any
) -> None:
    client = _as(admin_de)
    url = reverse("api:connector-run", args=[erp.pk])

    with django_capture_on_commit_callbacks() as enqueued:
        first = client.post(url)
    second = client.post(url)

    run = SyncRun.objects.get(connector=erp)
    assert first.status_code == 202
    assert first.json()["id"] == run.pk
    assert first["Location"] == reverse("api:syncrun-detail", args=[run.pk])
    assert (run.state, run.triggered_by) == (SyncState.QUEUED, admin_de)
    assert len(enqueued) == 1  # handed to a worker once the transaction commits
    assert second.status_code == 400
    assert "already has a run queued or running" in second.json()["detail"]


def test_credentials_are_stored_encrypted_and_never_answered(admin_de: Any, erp: Connector) -> None:
    client = _as(admin_de)
    url = reverse("api:connector-credentials", args=[erp.pk])

    response = client.post(url, {"token": NEW_TOKEN}, content_type=JSON)
    detail = client.get(reverse("api:connector-detail", args=[erp.pk]))
    listing = client.get(reverse("api:connector-list"))

    erp.refresh_from_db()
    assert response.status_code == 200
    assert set(response.json()["credential_fields"]) == {"token"}
    assert credentials.decrypt(erp.credentials_encrypted) == {"token": NEW_TOKEN}
    for answer in (response, detail, listing):
        assert NEW_TOKEN not in answer.content.decode()
        assert DEFAULT_TOKEN not in answer.content.decode()
    event = AuditEvent.objects.filter(action="connector.credentials_changed", object_id=str(erp.pk)).latest("id")
    assert (event.actor, event.after) == (admin_de, {"fields": ["token"]})


def test_credentials_the_kind_does_not_take_are_refused_by_name(admin_de: Any, erp: Connector) -> None:
    response = _as(admin_de).post(
        reverse("api:connector-credentials", args=[erp.pk]),
        {"token": NEW_TOKEN, "webhook_secret": "whsec-0123456789abcdef"},
        content_type=JSON,
    )

    erp.refresh_from_db()
    assert response.status_code == 400
    assert list(response.json()) == ["webhook_secret"]
    assert NEW_TOKEN not in response.content.decode()
    assert credentials.decrypt(erp.credentials_encrypted) == {"token": DEFAULT_TOKEN}


# --- who may: the screens' rules ----------------------------------------------------------------


def _record_calls(erp: Connector, failure: SyncFailure) -> list[tuple[str, str, dict[str, Any]]]:
    run_id = failure.run_id
    return [
        ("get", reverse("api:connector-detail", args=[erp.pk]), {}),
        ("patch", reverse("api:connector-detail", args=[erp.pk]), {"cadence_minutes": 5}),
        ("post", reverse("api:connector-enable", args=[erp.pk]), {}),
        ("post", reverse("api:connector-disable", args=[erp.pk]), {}),
        ("post", reverse("api:connector-test", args=[erp.pk]), {}),
        ("post", reverse("api:connector-run", args=[erp.pk]), {}),
        ("post", reverse("api:connector-credentials", args=[erp.pk]), {"token": NEW_TOKEN}),
        ("get", reverse("api:syncrun-detail", args=[run_id]), {}),
        ("post", reverse("api:syncrun-replay", args=[run_id]), {}),
        ("get", reverse("api:syncfailure-detail", args=[failure.pk]), {}),
        ("post", reverse("api:syncfailure-replay", args=[failure.pk]), {}),
    ]


def _statuses(user: Any, calls: list[tuple[str, str, dict[str, Any]]]) -> dict[str, int]:
    client = _as(user)
    return {
        f"{method} {url}": getattr(client, method)(url, body, content_type=JSON).status_code
        for method, url, body in calls
    }


@pytest.mark.parametrize("persona", ["outsider", "admin_gb"])
def test_every_record_endpoint_is_404_outside_the_users_entities(
    persona: str, request: pytest.FixtureRequest, erp: Connector, dead_failure: SyncFailure
) -> None:
    statuses = _statuses(request.getfixturevalue(persona), _record_calls(erp, dead_failure))

    dead_failure.refresh_from_db()
    assert set(statuses.values()) == {404}, statuses
    assert (Connector.objects.get(pk=erp.pk).is_enabled, dead_failure.attempts) == (True, 1)
    assert SyncRun.objects.filter(connector=erp).count() == 1


@pytest.mark.parametrize("persona", ["clerk_de", "auditor_de"])
def test_every_record_endpoint_is_403_for_other_roles_of_the_entity(
    persona: str, request: pytest.FixtureRequest, erp: Connector, dead_failure: SyncFailure
) -> None:
    statuses = _statuses(request.getfixturevalue(persona), _record_calls(erp, dead_failure))

    erp.refresh_from_db()
    dead_failure.refresh_from_db()
    assert set(statuses.values()) == {403}, statuses
    assert (erp.is_enabled, erp.cadence_minutes, dead_failure.attempts) == (True, None, 1)
    assert credentials.decrypt(erp.credentials_encrypted) == {"token": DEFAULT_TOKEN}
    assert SyncRun.objects.filter(connector=erp).count() == 1


@pytest.mark.parametrize("persona", ["clerk_de", "auditor_de", "outsider", "no_role_user"])
def test_the_lists_and_create_are_403_for_users_who_administer_no_entity(
    persona: str, request: pytest.FixtureRequest, entity_de: Any
) -> None:
    client = _as(request.getfixturevalue(persona))

    statuses = [
        client.get(reverse("api:connector-list")).status_code,
        client.post(
            reverse("api:connector-list"), {"kind": "erp_rest", "entity": "DE01", "name": "x"}, content_type=JSON
        ).status_code,
        client.get(reverse("api:syncrun-list")).status_code,
        client.get(reverse("api:syncfailure-list")).status_code,
    ]

    assert statuses == [403, 403, 403, 403]
    assert not Connector.objects.exists()


def test_anonymous_callers_are_refused(db: Any) -> None:
    assert Client().get(reverse("api:connector-list")).status_code == 403


def test_an_admin_of_another_entity_lists_none_of_ours(
    admin_gb: Any, erp: Connector, dead_failure: SyncFailure
) -> None:
    client = _as(admin_gb)

    answers = [
        client.get(reverse(name)).json()["count"]
        for name in ("api:connector-list", "api:syncrun-list", "api:syncfailure-list")
    ]

    assert answers == [0, 0, 0]


# --- sync runs ----------------------------------------------------------------------------------


def test_a_run_shows_counts_progress_and_a_summary_of_its_failures(
    admin_de: Any, erp: Connector, dead_failure: SyncFailure
) -> None:
    SyncRun.objects.filter(pk=dead_failure.run_id).update(
        state=SyncState.RUNNING, expected_total=200, received=50, created=49, failed=1
    )

    response = _as(admin_de).get(reverse("api:syncrun-detail", args=[dead_failure.run_id]))

    run = response.json()
    assert response.status_code == 200
    assert (run["state"], run["is_live"], run["processed"], run["percent"]) == ("running", True, 50, 25)
    assert (run["received"], run["created"], run["failed"]) == (50, 49, 1)
    assert run["failure_counts"] == {"open": 0, "dead": 1, "resolved": 0}
    (failure,) = run["failures"]
    assert (failure["id"], failure["key"], failure["attempts"]) == (dead_failure.pk, "INV-404", 1)
    assert "CUST-X" in failure["error"]


def test_a_run_queued_through_the_api_is_followed_to_its_end(admin_de: Any, erp: Connector, sandbox: str) -> None:
    _suppliers_only(erp, sandbox)
    client = _as(admin_de)
    queued = client.post(reverse("api:connector-run", args=[erp.pk])).json()

    live = client.get(reverse("api:syncrun-detail", args=[queued["id"]])).json()
    sync_run_execute(sync_run_id=queued["id"])
    done = client.get(reverse("api:syncrun-detail", args=[queued["id"]])).json()

    assert (live["state"], live["is_live"], live["percent"]) == ("queued", True, None)
    assert (done["state"], done["is_live"], done["received"]) == ("succeeded", False, 2)
    assert done["failure_counts"] == {"open": 0, "dead": 0, "resolved": 0}


def test_runs_are_listed_and_filtered_by_connector_and_state(
    admin_de: Any, entity_de: Any, erp: Connector, dead_failure: SyncFailure
) -> None:
    crm = make_connector(admin_de, entity_de, "crm_rest")
    SyncRun.objects.create(connector=crm, entity=entity_de, state=SyncState.SUCCEEDED)
    client = _as(admin_de)
    url = reverse("api:syncrun-list")

    everything = client.get(url).json()
    of_erp = client.get(url, {"connector": erp.pk}).json()["results"]
    succeeded = client.get(url, {"state": "succeeded"}).json()["results"]
    bad = client.get(url, {"state": "exploded"})

    assert everything["count"] == 2
    assert [r["id"] for r in of_erp] == [dead_failure.run_id]
    assert [r["connector_name"] for r in succeeded] == [crm.name]
    assert bad.status_code == 400
    assert "state" in bad.json()


def test_a_whole_run_is_replayed(admin_de: Any, erp: Connector, sandbox: str) -> None:
    _suppliers_only(erp, sandbox)
    fault(sandbox, path_prefix="/erp/v1/suppliers", kind="malformed", times=3)
    run = run_once(erp)
    client = _as(admin_de)

    replayed = client.post(reverse("api:syncrun-replay", args=[run.pk]))
    again = client.post(reverse("api:syncrun-replay", args=[run.pk]))

    assert replayed.status_code == 200
    assert replayed.json() == {"ok": True, "message": "Replayed 1 failure(s): 1 went through, 0 still failing."}
    assert not SyncFailure.objects.filter(run=run).exclude(state=FailureState.RESOLVED).exists()
    assert again.status_code == 400
    assert again.json()["detail"] == "This run has no unresolved failures."


# --- the dead letter ----------------------------------------------------------------------------


def test_the_dead_letter_lists_payload_error_and_attempts(
    admin_de: Any, erp: Connector, dead_failure: SyncFailure
) -> None:
    SyncFailure.objects.create(
        connector=erp, entity=erp.entity, kind=FailureKind.RECORD, resource="invoices", key="INV-9", error="later"
    )
    client = _as(admin_de)
    url = reverse("api:syncfailure-list")

    dead = client.get(url).json()["results"]
    still_open = client.get(url, {"state": "open"}).json()["results"]
    of_other_connector = client.get(url, {"connector": erp.pk + 1000}).json()["results"]

    (row,) = dead
    assert (row["id"], row["state"], row["attempts"], row["connector_name"]) == (dead_failure.pk, "dead", 1, erp.name)
    assert row["payload"] == {"id": "INV-404", "version": 3, "amount": "12.50"}
    assert "counterparty 'CUST-X'" in row["error"]
    assert [f["key"] for f in still_open] == ["INV-9"]
    assert of_other_connector == []


def test_replaying_a_dead_record_is_another_attempt(admin_de: Any, dead_failure: SyncFailure) -> None:
    client = _as(admin_de)

    response = client.post(reverse("api:syncfailure-replay", args=[dead_failure.pk]))

    dead_failure.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["ok"] is False
    assert response.json()["message"].startswith("Still failing (attempt 2)")
    assert dead_failure.attempts == 2
    assert client.get(reverse("api:syncfailure-detail", args=[dead_failure.pk])).json()["attempts"] == 2


def test_a_resolved_failure_is_not_replayed(admin_de: Any, dead_failure: SyncFailure) -> None:
    SyncFailure.objects.filter(pk=dead_failure.pk).update(state=FailureState.RESOLVED)

    response = _as(admin_de).post(reverse("api:syncfailure-replay", args=[dead_failure.pk]))

    assert response.status_code == 400
    assert response.json()["detail"] == "This failure is already resolved."
