"""The connector screens, as an entity's admin uses them; every view refuses other roles (403)
and hides other entities' records (404)."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from finops.accounts.roles import Role
from finops.accounts.services import user_grant_role
from finops.audit.models import AuditEvent
from integrations.models import Connector, ConnectorKind, SyncFailure, SyncRun
from integrations.states import FailureState, SyncState
from tests.factories import UserFactory
from tests.integrations.connectors.support import fault, mark_after, run_once, set_marks

HX = {"HTTP_HX_REQUEST": "true"}


def _urls(erp, failure):
    run = failure.run
    return [
        ("get", reverse("integrations:connector-detail", args=[erp.pk])),
        ("get", reverse("integrations:connector-edit", args=[erp.pk])),
        ("post", reverse("integrations:connector-edit", args=[erp.pk])),
        ("post", reverse("integrations:connector-toggle", args=[erp.pk])),
        ("post", reverse("integrations:connector-test", args=[erp.pk])),
        ("post", reverse("integrations:connector-run", args=[erp.pk])),
        ("post", reverse("integrations:connector-credentials", args=[erp.pk])),
        ("post", reverse("integrations:connector-mapping", args=[erp.pk])),
        ("get", reverse("integrations:run-detail", args=[run.pk])),
        ("get", reverse("integrations:run-progress", args=[run.pk])),
        ("post", reverse("integrations:run-replay", args=[run.pk])),
        ("post", reverse("integrations:failure-replay", args=[failure.pk])),
    ]


LIST_URLS = [
    ("get", "integrations:connector-list"),
    ("get", "integrations:connector-create"),
    ("post", "integrations:connector-create"),
    ("get", "integrations:failure-list"),
]


def test_every_record_view_is_404_for_users_of_other_entities(client, outsider, erp, dead_failure):
    client.force_login(outsider)

    statuses = {url: getattr(client, method)(url).status_code for method, url in _urls(erp, dead_failure)}

    assert set(statuses.values()) == {404}, statuses


def test_every_record_view_is_403_for_other_roles_of_the_entity(client, clerk_de, erp, dead_failure):
    client.force_login(clerk_de)

    statuses = {url: getattr(client, method)(url).status_code for method, url in _urls(erp, dead_failure)}

    assert set(statuses.values()) == {403}, statuses
    assert Connector.objects.get(pk=erp.pk).is_enabled  # nothing changed


@pytest.mark.parametrize(("method", "name"), LIST_URLS)
def test_the_list_pages_are_403_for_users_who_administer_no_entity(client, clerk_de, outsider, method, name):
    for user in (clerk_de, outsider):
        client.force_login(user)
        assert getattr(client, method)(reverse(name)).status_code == 403


def test_an_admin_of_another_entity_sees_none_of_ours(client, entity_gb, erp, dead_failure, roles):
    admin_gb = UserFactory(username="admin_gb")
    user_grant_role(user=admin_gb, role=Role.ADMIN, entity=entity_gb, granted_by=None)
    client.force_login(admin_gb)

    listing = client.get(reverse("integrations:connector-list")).content.decode()
    dead = client.get(reverse("integrations:failure-list")).content.decode()

    assert erp.name not in listing
    assert "INV-404" not in dead


def test_the_list_shows_each_connectors_health(client, admin_de, erp):
    Connector.objects.filter(pk=erp.pk).update(last_success_at=timezone.now() - dt.timedelta(hours=3), failure_streak=2)
    client.force_login(admin_de)

    html = client.get(reverse("integrations:connector-list")).content.decode()

    assert erp.name in html
    assert "3\xa0hours" in html  # lag since the last success
    assert '<span class="alert-text">2</span>' in html


def test_an_admin_creates_a_connector_and_schedules_it(client, admin_de, entity_de):
    client.force_login(admin_de)
    form = {
        "kind": "procurement_rest",
        "entity": entity_de.pk,
        "name": "Coupa",
        "base_url": "http://127.0.0.1:9",
        "cadence_minutes": 30,
        "timeout_seconds": "5",
        "max_attempts": 4,
        "backoff_base_seconds": "0.5",
        "backoff_cap_seconds": "20",
        "max_retry_after_seconds": 120,
        "page_size": 100,
        "record_max_attempts": 3,
        "webhook_tolerance_seconds": 300,
        "webhook_max_body_bytes": 1_000_000,
    }

    response = client.post(reverse("integrations:connector-create"), form)

    connector = Connector.objects.get(name="Coupa")
    assert response.status_code == 302
    assert connector.next_run_at > timezone.now() + dt.timedelta(minutes=29)
    assert AuditEvent.objects.filter(action="connector.created", object_id=str(connector.pk), actor=admin_de).exists()


def test_an_admin_disables_and_enables_a_connector(client, admin_de, erp):
    client.force_login(admin_de)
    url = reverse("integrations:connector-toggle", args=[erp.pk])

    client.post(url)
    assert not Connector.objects.get(pk=erp.pk).is_enabled
    client.post(url)
    assert Connector.objects.get(pk=erp.pk).is_enabled


def test_test_connection_makes_a_real_call_and_shows_the_result_in_place(client, admin_de, erp, sandbox):
    client.force_login(admin_de)
    url = reverse("integrations:connector-test", args=[erp.pk])

    good = client.post(url, **HX).content.decode()
    Connector.objects.filter(pk=erp.pk).update(base_url=f"{sandbox}/nowhere")
    bad = client.post(url, **HX).content.decode()

    assert 'data-testid="test-result"' in good
    assert "Connected: GET /erp/v1/customers answered 200" in good
    assert "<html" not in good  # the partial only
    assert "HTTP 404" in bad


def test_run_now_queues_one_run_and_refuses_a_second(client, admin_de, erp):
    client.force_login(admin_de)
    url = reverse("integrations:connector-run", args=[erp.pk])

    first = client.post(url)
    second = client.post(url, follow=True)

    run = SyncRun.objects.get(connector=erp)
    assert first["Location"] == reverse("integrations:run-detail", args=[run.pk])
    assert "already has a run queued or running" in second.content.decode()


def test_the_mapping_is_validated_and_the_error_names_the_bad_key(client, admin_de, erp):
    client.force_login(admin_de)
    url = reverse("integrations:connector-mapping", args=[erp.pk])

    broken = client.post(url, {"mapping": "{not json"}, **HX)
    unknown = client.post(url, {"mapping": '{"blocked_status": ["blocked"]}'}, **HX)
    wrong_type = client.post(url, {"mapping": '{"blocked_statuses": "blocked"}'}, **HX)
    foreign = client.post(url, {"mapping": '{"default_entity": "GB01"}'}, **HX)
    good = client.post(url, {"mapping": '{"blocked_statuses": ["blocked", "on_hold"]}'}, **HX)

    assert broken.status_code == 422
    assert "Not valid JSON" in broken.content.decode()
    assert unknown.status_code == 422
    assert "Unknown key &#x27;blocked_status&#x27;" in unknown.content.decode()
    assert wrong_type.status_code == 422
    assert "&#x27;blocked_statuses&#x27; must be a list" in wrong_type.content.decode()
    assert foreign.status_code == 422
    assert "which you do not administer" in foreign.content.decode()
    assert good.status_code == 200
    assert Connector.objects.get(pk=erp.pk).mapping == {"blocked_statuses": ["blocked", "on_hold"]}


def test_forms_need_the_csrf_token(admin_de, erp):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_de)

    response = client.post(reverse("integrations:connector-toggle", args=[erp.pk]))

    assert response.status_code == 403


def test_the_run_page_polls_every_second_while_live_and_stops_when_done(client, admin_de, erp, sandbox):
    erp.mapping = {"resources": ["suppliers"]}
    erp.save(update_fields=["mapping"])
    set_marks(erp, suppliers=mark_after(sandbox, "erp", "suppliers", keep_last=2))
    client.force_login(admin_de)
    client.post(reverse("integrations:connector-run", args=[erp.pk]))
    run = SyncRun.objects.get(connector=erp)
    progress = reverse("integrations:run-progress", args=[run.pk])

    live = client.get(reverse("integrations:run-detail", args=[run.pk])).content.decode()
    from integrations.sync.runs import sync_run_execute

    sync_run_execute(sync_run_id=run.pk)
    done = client.get(progress, **HX).content.decode()

    assert f'hx-get="{progress}" hx-trigger="every 1s"' in live
    assert '<progress aria-label="Progress (total unknown)">' in live  # indeterminate: the source gives no total
    assert "hx-trigger" not in done
    assert 'data-state="succeeded"' in done
    assert 'data-testid="count-received">2<' in done


def test_the_run_page_shows_failures_with_payload_and_replays_them(client, admin_de, erp, dead_failure):
    client.force_login(admin_de)
    run_url = reverse("integrations:run-detail", args=[dead_failure.run_id])

    html = client.get(run_url).content.decode()

    assert "counterparty &#x27;CUST-X&#x27; from erp is not known" in html
    assert "&quot;amount&quot;: &quot;12.50&quot;" in html  # pretty-printed payload
    assert reverse("integrations:failure-replay", args=[dead_failure.pk]) in html
    assert reverse("integrations:run-replay", args=[dead_failure.run_id]) in html

    response = client.post(reverse("integrations:failure-replay", args=[dead_failure.pk]), {"next": "run"}, follow=True)

    dead_failure.refresh_from_db()
    assert response.redirect_chain[-1][0] == run_url
    assert dead_failure.attempts == 2  # still failing: the customer has not arrived
    assert "Still failing (attempt 2)" in response.content.decode()


def test_the_dead_letter_lists_dead_records_across_connectors_with_replay(client, admin_de, erp, dead_failure):
    client.force_login(admin_de)

    html = client.get(reverse("integrations:failure-list")).content.decode()

    assert html.count('data-testid="dead-letter-row"') == 1
    assert "INV-404" in html
    assert erp.name in html
    assert reverse("integrations:failure-replay", args=[dead_failure.pk]) in html


def test_a_whole_run_is_replayed_from_its_page(client, admin_de, erp, sandbox):
    erp.mapping = {"resources": ["suppliers"]}
    erp.save(update_fields=["mapping"])
    set_marks(erp, suppliers=mark_after(sandbox, "erp", "suppliers", keep_last=2))
    fault(sandbox, path_prefix="/erp/v1/suppliers", kind="malformed", times=3)
    run = run_once(erp)
    client.force_login(admin_de)

    response = client.post(reverse("integrations:run-replay", args=[run.pk]), follow=True)

    assert "Replayed 1 failure(s): 1 went through" in response.content.decode()
    assert not SyncFailure.objects.filter(run=run).exclude(state=FailureState.RESOLVED).exists()


def test_the_progress_bar_is_determinate_when_the_total_is_known(client, admin_de, erp):
    run = SyncRun.objects.create(
        connector=erp, entity=erp.entity, state=SyncState.RUNNING, expected_total=200, received=50, created=50
    )
    client.force_login(admin_de)

    html = client.get(reverse("integrations:run-progress", args=[run.pk]), **HX).content.decode()

    assert '<progress max="100" value="25"' in html
    assert "50 of 200 records (25%)" in html
    assert 'hx-trigger="every 1s"' in html


def test_editing_the_cadence_reschedules_the_next_run(client, admin_de, erp):
    client.force_login(admin_de)
    url = reverse("integrations:connector-edit", args=[erp.pk])
    form = {
        field: value
        for field, value in client.get(url).context["form"].initial.items()
        if field not in ("kind", "entity") and value is not None
    }

    response = client.post(url, {**form, "cadence_minutes": 60, "next_run_at": ""})

    erp.refresh_from_db()
    assert response.status_code == 302
    assert erp.cadence_minutes == 60
    assert timezone.now() + dt.timedelta(minutes=59) < erp.next_run_at <= timezone.now() + dt.timedelta(minutes=60)
    event = AuditEvent.objects.get(action="connector.updated", object_id=str(erp.pk))
    assert event.after["cadence_minutes"] == 60


@pytest.mark.parametrize("kind", [kind for kind, _ in ConnectorKind.choices])
def test_every_kind_has_a_working_page(client, admin_de, entity_de, kind):
    from integrations.services import connector_create

    connector = connector_create(actor=admin_de, kind=kind, entity=entity_de, settings={"name": kind})
    client.force_login(admin_de)

    html = client.get(reverse("integrations:connector-detail", args=[connector.pk])).content.decode()

    assert connector.get_kind_display() in html
    assert ('data-testid="webhook-url"' in html) == kind.endswith("_webhook")
    assert ("Run now" in html) == (kind not in ("billing_webhook", "gateway_webhook", "bank_file"))
    assert ("Test connection" in html) == (kind != "bank_file")
