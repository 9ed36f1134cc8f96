"""What the ERP connector survives, over real HTTP: 5xx, 429 with Retry-After, timeouts,
malformed pages, records it cannot map — retried, then dead-lettered, then replayed."""

import time

import pytest
from django.urls import reverse

from finops.invoicing.models import Invoice
from finops.masterdata.models import Counterparty
from integrations.connectors import apply_context
from integrations.connectors.erp_rest.sync import RESOURCES
from integrations.models import SyncFailure, SyncRecord
from integrations.sandbox.testing import http_call
from integrations.states import FailureKind, FailureState, SyncState
from integrations.sync.ledger import RecordConflict, content_hash, record_apply
from integrations.sync.replay import failure_replay
from reconciliation.exceptions.models import ExceptionItem
from reconciliation.exceptions.states import ExceptionKind, ExceptionState
from tests.integrations.connectors.support import (
    fault,
    mark_after,
    run_once,
    sandbox_get,
    sandbox_post,
    sandbox_records,
    set_marks,
)


@pytest.fixture
def suppliers_only(erp, sandbox):
    """The connector pulls suppliers, from just before the three newest: a small, real run."""
    erp.mapping = {"resources": ["suppliers"]}
    erp.save(update_fields=["mapping"])
    set_marks(erp, suppliers=mark_after(sandbox, "erp", "suppliers", keep_last=3))
    return erp


def _requests(sandbox, prefix):
    return sandbox_get(sandbox, f"/_sandbox/requests?path_prefix={prefix}")


def test_a_500_is_retried_and_the_run_then_succeeds(suppliers_only, sandbox):
    fault(sandbox, path_prefix="/erp/v1/suppliers", kind="500", times=1)

    run = run_once(suppliers_only)

    assert (run.state, run.retries, run.received, run.created) == (SyncState.SUCCEEDED, 1, 3, 3)
    assert len(_requests(sandbox, "/erp/v1/suppliers")) == 2


def test_a_503_on_every_attempt_fails_the_run_and_keeps_the_high_water_mark(suppliers_only, sandbox):
    mark = suppliers_only.high_water_marks["suppliers"]
    fault(sandbox, path_prefix="/erp/v1/suppliers", kind="503", times=3)

    run = run_once(suppliers_only)

    suppliers_only.refresh_from_db()
    assert run.state == SyncState.FAILED
    assert "HTTP 503 after 3 attempt(s)" in run.error
    assert run.retries == 2
    assert suppliers_only.high_water_marks["suppliers"] == mark
    assert suppliers_only.failure_streak == 1


def test_a_429_waits_what_retry_after_says(suppliers_only, sandbox):
    fault(sandbox, path_prefix="/erp/v1/suppliers", kind="429", times=1, retry_after=1)
    started = time.monotonic()

    run = run_once(suppliers_only)

    waited = time.monotonic() - started
    assert (run.state, run.retries, run.created) == (SyncState.SUCCEEDED, 1, 3)
    assert waited >= 1.0  # backoff alone is capped at 0.05 s: the second came from Retry-After


def test_a_retry_after_longer_than_the_connector_waits_fails_the_run_at_once(suppliers_only, sandbox):
    suppliers_only.max_retry_after_seconds = 5
    suppliers_only.save(update_fields=["max_retry_after_seconds"])
    fault(sandbox, path_prefix="/erp/v1/suppliers", kind="429", times=1, retry_after=3600)

    run = run_once(suppliers_only)

    assert run.state == SyncState.FAILED
    assert "Retry-After 3600 s" in run.error


def test_a_timeout_is_retried(suppliers_only, sandbox):
    fault(sandbox, path_prefix="/erp/v1/suppliers", kind="timeout", times=1)
    started = time.monotonic()

    run = run_once(suppliers_only)

    assert (run.state, run.retries, run.created) == (SyncState.SUCCEEDED, 1, 3)
    assert time.monotonic() - started >= 1.0  # the connector's timeout, not the sandbox's 2 s hold


def test_a_malformed_page_is_dead_lettered_after_the_last_attempt_and_replays_once_the_fault_is_cleared(
    suppliers_only, sandbox, admin_de, client
):
    fault(sandbox, path_prefix="/erp/v1/suppliers", kind="malformed", times=3)

    run = run_once(suppliers_only)

    failure = SyncFailure.objects.get(run=run)
    assert run.state == SyncState.PARTLY_FAILED
    assert (failure.kind, failure.state, failure.attempts) == (FailureKind.PAGE, FailureState.DEAD, 3)
    assert failure.raw.startswith('{"data": [{"id": "')
    assert failure.request["params"]["updated_since"] == suppliers_only.high_water_marks["suppliers"]
    item = ExceptionItem.objects.get(pk=failure.exception_id)
    assert (item.kind, item.state, item.entity) == (ExceptionKind.SYNC_FAILURE, ExceptionState.OPEN, run.entity)
    client.force_login(admin_de)
    listing = client.get(reverse("reconciliation:exception-list")).content.decode()
    detail = client.get(reverse("reconciliation:exception-detail", args=[item.pk])).content.decode()
    assert "dead-lettered" in listing
    assert "not the documented JSON" in detail
    assert "{&quot;data&quot;: [{&quot;id&quot;: &quot;" in detail  # the raw body, escaped
    http_call("DELETE", f"{sandbox}/_sandbox/faults", token=None)

    result = failure_replay(failure_id=failure.pk, actor=admin_de)

    failure.refresh_from_db()
    item.refresh_from_db()
    assert result.ok, result.message
    assert failure.state == FailureState.RESOLVED
    assert item.state == ExceptionState.RESOLVED
    assert Counterparty.objects.filter(source="erp", is_supplier=True).count() == 3


@pytest.fixture
def invoices_only(erp, sandbox):
    erp.mapping = {"resources": ["invoices"]}
    erp.save(update_fields=["mapping"])
    set_marks(erp, invoices=mark_after(sandbox, "erp", "invoices"))
    return erp


def _new_invoice_of_an_unsynced_customer(sandbox):
    customer = next(c for c in sandbox_records(sandbox, "erp", "customers") if c["country"] == "DE")
    answer = sandbox_post(
        sandbox,
        "/_sandbox/erp/invoices",
        {
            "direction": "AR",
            "number": "RE-TEST-1",
            "counterparty_id": customer["id"],
            "entity": "DE01",
            "currency": "EUR",
            "amount": "119.00",
            "issue_date": "2026-11-01",
            "due_date": "2026-12-01",
        },
    )
    return customer, answer.json()


def test_a_record_that_cannot_be_mapped_is_dead_lettered_and_replays_once_its_cause_is_fixed(
    invoices_only, sandbox, admin_de
):
    customer, invoice = _new_invoice_of_an_unsynced_customer(sandbox)

    run = run_once(invoices_only)

    failure = SyncFailure.objects.get(run=run)
    assert (run.state, run.failed) == (SyncState.PARTLY_FAILED, 1)
    assert (failure.kind, failure.key, failure.version, failure.state) == (
        FailureKind.RECORD,
        invoice["id"],
        1,
        FailureState.DEAD,
    )
    assert "is not known (yet)" in failure.error
    assert failure.payload["number"] == "RE-TEST-1"
    assert ExceptionItem.objects.get(pk=failure.exception_id).state == ExceptionState.OPEN
    invoices_only.refresh_from_db()
    assert invoices_only.high_water_marks["invoices"] < invoice["updated_at"]  # the mark waits for it

    record_apply(apply_context(invoices_only), RESOURCES[0], customer)  # the customer arrives
    result = failure_replay(failure_id=failure.pk, actor=admin_de)

    failure.refresh_from_db()
    assert result.ok, result.message
    assert failure.state == FailureState.RESOLVED
    assert ExceptionItem.objects.get(pk=failure.exception_id).state == ExceptionState.RESOLVED
    assert Invoice.objects.get(source="erp", external_id=invoice["id"]).number == "RE-TEST-1"


def test_a_failing_record_is_retried_by_later_runs_and_dead_lettered_after_the_last_attempt(invoices_only, sandbox):
    invoices_only.record_max_attempts = 2
    invoices_only.save(update_fields=["record_max_attempts"])
    _, invoice = _new_invoice_of_an_unsynced_customer(sandbox)

    first = run_once(invoices_only)
    failure = SyncFailure.objects.get(key=invoice["id"])
    assert (first.failed, failure.state, failure.attempts, failure.exception_id) == (1, FailureState.OPEN, 1, None)

    second = run_once(invoices_only)

    failure.refresh_from_db()
    assert (second.failed, failure.state, failure.attempts) == (1, FailureState.DEAD, 2)
    assert failure.run == second
    assert ExceptionItem.objects.filter(pk=failure.exception_id, kind=ExceptionKind.SYNC_FAILURE).exists()


def test_the_same_version_with_different_content_is_refused_loudly(invoices_only, sandbox, erp):
    customer, invoice = _new_invoice_of_an_unsynced_customer(sandbox)
    record_apply(apply_context(erp), RESOURCES[0], customer)
    SyncRecord.objects.create(
        source="erp",
        resource="invoices",
        external_id=invoice["id"],
        version=invoice["version"],
        content_hash=content_hash({**invoice, "amount": "1.00"}),
    )

    run = run_once(invoices_only)

    failure = SyncFailure.objects.get(run=run)
    assert (run.failed, run.created, failure.state) == (1, 0, FailureState.DEAD)
    assert "delivered again with different content" in failure.error
    assert ExceptionItem.objects.get(pk=failure.exception_id).state == ExceptionState.OPEN
    assert not Invoice.objects.filter(external_id=invoice["id"]).exists()
    with pytest.raises(RecordConflict):
        record_apply(apply_context(erp), RESOURCES[4], invoice)
