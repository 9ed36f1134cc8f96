"""Releasing an approved batch from the page and the API, and carrying it to the bank as a file
when no bank API reaches the account: download (pain.001, or NACHA for a US ACH batch), then
mark as sent. Who may: treasury and controllers of the entity; clerks and auditors 403, other
entities 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from finops.audit.models import AuditEvent
from finops.core.workflow import WorkflowError
from finops.outbox.models import OutboxMessage
from finops.payables.models import Payment, PaymentBatch
from finops.payables.payment_files import PAIN001, batch_file_payments, payment_file_build
from finops.payables.services import batch_file_download, batch_mark_transmitted, batch_release
from finops.payables.states import BatchState, PaymentState
from integrations.formats import xsd
from integrations.formats.nacha import parse_nacha
from integrations.formats.xmlsafe import parse_xml, texts
from tests.factories import (
    CounterpartyBankAccountFactory,
    CounterpartyFactory,
    OwnBankAccountFactory,
    PaymentBatchFactory,
    PaymentFactory,
)

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def approved_batch(entity_de: Any, clerk_de: Any) -> PaymentBatch:
    batch = PaymentBatchFactory(
        entity=entity_de,
        created_by=clerk_de,
        external_id="PB-DE01-0007",
        state=BatchState.APPROVED,
        control_sum=Decimal("660.00"),
        payment_count=2,
    )
    for n, amount in enumerate(("250.00", "410.00"), 1):
        PaymentFactory(entity=entity_de, batch=batch, end_to_end_id=f"PB-0007-{n:03d}", amount=Decimal(amount))
    return batch


@pytest.fixture
def released_batch(approved_batch: PaymentBatch, treasury_de: Any) -> PaymentBatch:
    return batch_release(batch_id=approved_batch.pk, actor=treasury_de)


def _us_batch(entity: Any, maker: Any, *end_to_end_ids: str) -> PaymentBatch:
    """A USD batch from an ABA-routed account of ours to ABA-routed suppliers."""
    account = OwnBankAccountFactory(
        entity=entity, iban="", bic="", routing_number="021000021", account_number="778899001", currency="USD"
    )
    batch = PaymentBatchFactory(
        entity=entity,
        created_by=maker,
        debtor_account=account,
        currency="USD",
        external_id="PB-US-0001",
        execution_on=dt.date(2026, 12, 1),
        state=BatchState.APPROVED,
    )
    for n, e2e in enumerate(end_to_end_ids, 1):
        supplier = CounterpartyFactory(name=f"Lakeside Müller Supply {n} Inc.", country="US")
        PaymentFactory(
            entity=entity,
            batch=batch,
            counterparty=supplier,
            beneficiary_account=CounterpartyBankAccountFactory(
                counterparty=supplier,
                iban="",
                bic="",
                routing_number="026009593",
                account_number=f"55443322{n}",
                currency="USD",
            ),
            end_to_end_id=e2e,
            amount=Decimal("1234.56") * n,
            currency="USD",
            remittance_info=f"Invoice US-{n}",
        )
    return batch


def _trail(batch: PaymentBatch) -> Any:
    return AuditEvent.objects.filter(object_type="payables.PaymentBatch", object_id=str(batch.pk))


# --- release: the service ---------------------------------------------------------------------------


def test_release_without_a_bank_api_releases_every_payment_and_queues_nothing_for_a_bank(
    approved_batch: PaymentBatch, treasury_de: Any
) -> None:
    batch = batch_release(batch_id=approved_batch.pk, actor=treasury_de)

    assert batch.state == BatchState.RELEASED
    assert set(Payment.objects.filter(batch=batch).values_list("state", flat=True)) == {PaymentState.RELEASED}
    assert not OutboxMessage.objects.filter(topic="bank.payment_submission").exists()
    assert _trail(batch).get(action="approved->released").after == {
        "state": "released",
        "file": "pain.001.001.09",
        "bank_api": None,
    }


def test_the_approver_may_release_and_the_clerk_who_made_it_may_not(
    approved_batch: PaymentBatch, clerk_de: Any, controller_de: Any
) -> None:
    with pytest.raises(PermissionDenied):
        batch_release(batch_id=approved_batch.pk, actor=clerk_de)

    batch = batch_release(batch_id=approved_batch.pk, actor=controller_de)

    assert batch.state == BatchState.RELEASED


def test_a_batch_that_cannot_become_a_valid_file_is_refused_at_release(
    approved_batch: PaymentBatch, entity_de: Any, treasury_de: Any
) -> None:
    PaymentFactory(entity=entity_de, batch=approved_batch, end_to_end_id="PB-0007-FRACTION", amount=Decimal("10.005"))

    with pytest.raises(WorkflowError, match=r"cannot be sent as a pain\.001\.001\.09: .*PB-0007-FRACTION.*decimals"):
        batch_release(batch_id=approved_batch.pk, actor=treasury_de)

    approved_batch.refresh_from_db()
    assert approved_batch.state == BatchState.APPROVED
    assert set(Payment.objects.filter(batch=approved_batch).values_list("state", flat=True)) == {PaymentState.PROPOSED}


def test_a_us_batch_with_end_to_end_ids_too_long_for_nacha_is_refused_at_release(
    entity_de: Any, clerk_de: Any, treasury_de: Any
) -> None:
    batch = _us_batch(entity_de, clerk_de, "PR-US01-20261201-1-001")

    with pytest.raises(WorkflowError, match="longer than the 15 characters"):
        batch_release(batch_id=batch.pk, actor=treasury_de)


@pytest.mark.parametrize("version", ["001.001.03", "001.001.09"])
def test_a_us_ach_batch_is_also_an_xsd_valid_pain001_with_aba_routing_and_ccd(
    entity_de: Any, clerk_de: Any, version: str
) -> None:
    batch = _us_batch(entity_de, clerk_de, "PR-US01-20261201-1-001", "PR-US01-20261201-1-002")

    payment_file = payment_file_build(
        batch,
        batch_file_payments(batch),
        file_format=PAIN001,
        pain001_version=version,
        created_at=dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC),
    )

    document = parse_xml(payment_file.content)
    assert xsd.validate(document, f"pain.{version}") == []
    assert texts(document[0], "PmtInf/PmtTpInf/LclInstrm/Cd") == ["CCD"]
    assert texts(document[0], "PmtInf/DbtrAcct/Id/Othr/Id") == ["778899001"]
    assert texts(document[0], "PmtInf/DbtrAgt/FinInstnId/ClrSysMmbId/MmbId") == ["021000021"]
    assert texts(document[0], "PmtInf/CdtTrfTxInf/CdtrAgt/FinInstnId/ClrSysMmbId/MmbId") == ["026009593"] * 2
    assert texts(document[0], "GrpHdr/CtrlSum") == ["3703.68"]


# --- release: the page ------------------------------------------------------------------------------


def test_the_release_button_shows_for_treasury_and_controllers_only(
    client: Any, approved_batch: PaymentBatch, treasury_de: Any, controller_de: Any, clerk_de: Any, auditor_de: Any
) -> None:
    url = reverse("payables:batch-detail", args=[approved_batch.pk])
    shown = {}
    for user in (treasury_de, controller_de, clerk_de, auditor_de):
        client.force_login(user)
        shown[user.username] = "Release to the bank" in client.get(url).content.decode()

    assert shown == {"treasury_de": True, "controller_de": True, "clerk_de": False, "auditor_de": False}


def test_htmx_release_answers_in_place_and_refreshes_the_facts_payments_and_history(
    client: Any, approved_batch: PaymentBatch, treasury_de: Any
) -> None:
    client.force_login(treasury_de)

    response = client.post(reverse("payables:batch-release", args=[approved_batch.pk]), **HTMX)

    approved_batch.refresh_from_db()
    html = response.content.decode()
    assert response.status_code == 200
    assert approved_batch.state == BatchState.RELEASED
    assert "Released: download the payment file" in html
    assert "Download pain.001" in html
    assert "Release to the bank" not in html, "the action that no longer applies is gone"
    assert '<div id="facts" hx-swap-oob="true">' in html
    assert "<dt>Released</dt>" in html
    assert '<div id="payments" hx-swap-oob="true">' in html
    assert 'id="history" class="panel" aria-labelledby="history-h" data-region hx-swap-oob="true"' in html
    assert "State changed from <b>Approved</b> to <b>Released</b>." in html


def test_release_without_javascript_redirects_to_the_batch(
    client: Any, approved_batch: PaymentBatch, controller_de: Any
) -> None:
    client.force_login(controller_de)

    response = client.post(reverse("payables:batch-release", args=[approved_batch.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("payables:batch-detail", args=[approved_batch.pk])


def test_htmx_release_of_a_batch_with_a_held_payment_answers_422_with_the_reason_in_place(
    client: Any, approved_batch: PaymentBatch, entity_de: Any, treasury_de: Any
) -> None:
    PaymentFactory(entity=entity_de, batch=approved_batch, state=PaymentState.HELD, end_to_end_id="PB-0007-HELD")
    client.force_login(treasury_de)

    response = client.post(reverse("payables:batch-release", args=[approved_batch.pk]), **HTMX)

    body = response.content.decode()
    approved_batch.refresh_from_db()
    assert response.status_code == 422
    assert "held for unverified bank details (PB-0007-HELD)" in body
    assert "<html" not in body
    assert approved_batch.state == BatchState.APPROVED


def test_the_release_page_is_403_for_clerks_auditors_and_no_role_and_404_for_another_entity(
    client: Any,
    approved_batch: PaymentBatch,
    clerk_de: Any,
    auditor_de: Any,
    no_role_user: Any,
    controller_gb: Any,
) -> None:
    url = reverse("payables:batch-release", args=[approved_batch.pk])
    statuses = {}
    for user in (clerk_de, auditor_de, no_role_user, controller_gb):
        client.force_login(user)
        statuses[user.username] = client.post(url, **HTMX).status_code

    approved_batch.refresh_from_db()
    assert statuses == {"clerk_de": 403, "auditor_de": 403, "nobody": 403, "controller_gb": 404}
    assert approved_batch.state == BatchState.APPROVED


# --- release: the API -------------------------------------------------------------------------------


def test_api_release_answers_the_released_batch_and_400_the_second_time(
    client: Any, approved_batch: PaymentBatch, treasury_de: Any
) -> None:
    url = reverse("api:batch-release", args=[approved_batch.pk])
    client.force_login(treasury_de)

    ok = client.post(url, content_type="application/json")
    again = client.post(url, content_type="application/json")

    assert ok.status_code == 200
    assert ok.json()["state"] == "released"
    assert ok.json()["released_at"] is not None
    assert ok.json()["bank_submission_id"] == ""
    assert again.status_code == 400
    assert "not approved" in again.json()["detail"]


def test_api_release_of_a_batch_with_a_held_payment_is_400_with_the_reason(
    client: Any, approved_batch: PaymentBatch, entity_de: Any, controller_de: Any
) -> None:
    PaymentFactory(entity=entity_de, batch=approved_batch, state=PaymentState.HELD, end_to_end_id="PB-0007-HELD")
    client.force_login(controller_de)

    response = client.post(reverse("api:batch-release", args=[approved_batch.pk]), content_type="application/json")

    assert response.status_code == 400
    assert "PB-0007-HELD" in response.json()["detail"]


def test_api_release_is_403_for_clerks_and_auditors_and_404_for_another_entity(
    client: Any, approved_batch: PaymentBatch, clerk_de: Any, auditor_de: Any, outsider: Any
) -> None:
    url = reverse("api:batch-release", args=[approved_batch.pk])
    statuses = {}
    for user in (clerk_de, auditor_de, outsider):
        client.force_login(user)
        statuses[user.username] = client.post(url, content_type="application/json").status_code

    assert statuses == {"clerk_de": 403, "auditor_de": 403, "outsider": 404}


# --- to the bank as a file -----------------------------------------------------------------------------


def test_the_download_is_the_xsd_valid_pain001_of_the_batch_the_same_each_time_and_audited(
    client: Any, released_batch: PaymentBatch, treasury_de: Any
) -> None:
    client.force_login(treasury_de)
    url = reverse("payables:batch-file", args=[released_batch.pk])

    first = client.get(url)
    second = client.get(url)

    document = parse_xml(first.content)
    assert first.status_code == 200
    assert first["Content-Type"] == "application/xml"
    assert first["Content-Disposition"] == 'attachment; filename="PB-DE01-0007.pain.001.001.09.xml"'
    assert xsd.validate(document, "pain.001.001.09") == []
    assert texts(document[0], "GrpHdr/MsgId") == ["PB-DE01-0007"]
    assert texts(document[0], "PmtInf/PmtTpInf/SvcLvl/Cd") == ["SEPA"]
    assert texts(document[0], "PmtInf/CdtTrfTxInf/PmtId/EndToEndId") == ["PB-0007-001", "PB-0007-002"]
    assert texts(document[0], "GrpHdr/CtrlSum") == ["660.00"]
    assert second.content == first.content
    downloads = _trail(released_batch).filter(action="payment_file.downloaded", actor=treasury_de)
    assert downloads.count() == 2
    assert downloads.first().after["format"] == "pain.001.001.09"  # type: ignore[union-attr]


def test_a_us_ach_batch_downloads_as_a_nacha_ccd_file(
    client: Any, entity_de: Any, clerk_de: Any, treasury_de: Any
) -> None:
    batch = _us_batch(entity_de, clerk_de, "PB-US-1-001", "PB-US-1-002")
    batch_release(batch_id=batch.pk, actor=treasury_de)
    client.force_login(treasury_de)

    page = client.get(reverse("payables:batch-detail", args=[batch.pk])).content.decode()
    response = client.get(reverse("payables:batch-file", args=[batch.pk]))

    ach = parse_nacha(response.content)
    [ach_batch] = ach.batches
    assert "Download NACHA file" in page
    assert response["Content-Disposition"] == 'attachment; filename="PB-US-0001.ach"'
    assert (ach_batch.sec_code, ach_batch.service_class, ach_batch.effective_on) == ("CCD", 220, dt.date(2026, 12, 1))
    assert ach_batch.odfi == "02100002"
    assert [(e.individual_id.strip(), e.amount, e.transaction_code) for e in ach_batch.entries] == [
        ("PB-US-1-001", Decimal("1234.56"), 22),
        ("PB-US-1-002", Decimal("2469.12"), 22),
    ]
    assert ach_batch.entries[0].name.strip() == "Lakeside Muller Supply"
    assert ach.total_credit == Decimal("3703.68")
    assert ach.warnings == ()


def test_mark_as_sent_asks_for_confirmation_then_moves_the_batch_to_transmitted(
    client: Any, released_batch: PaymentBatch, controller_de: Any
) -> None:
    url = reverse("payables:batch-mark-sent", args=[released_batch.pk])
    client.force_login(controller_de)

    unconfirmed = client.post(url, {}, **HTMX)
    confirmed = client.post(url, {"confirmed": "on"}, **HTMX)
    again = client.post(url, {"confirmed": "on"}, **HTMX)

    released_batch.refresh_from_db()
    assert unconfirmed.status_code == 422
    assert "Confirm that the file was uploaded to the bank" in unconfirmed.content.decode()
    assert confirmed.status_code == 200
    assert "<dt>Sent to the bank</dt>" in confirmed.content.decode()  # the facts beside the panel, refreshed
    assert "Mark as sent to the bank" not in confirmed.content.decode()
    assert released_batch.state == BatchState.TRANSMITTED
    assert released_batch.transmitted_at is not None
    assert _trail(released_batch).filter(action="released->transmitted", actor=controller_de).count() == 1
    assert again.status_code == 422
    assert "is transmitted, not released" in again.content.decode()


def test_download_and_mark_as_sent_need_a_release_role_in_the_entity(
    client: Any, released_batch: PaymentBatch, clerk_de: Any, auditor_de: Any, outsider: Any
) -> None:
    download = reverse("payables:batch-file", args=[released_batch.pk])
    mark_sent = reverse("payables:batch-mark-sent", args=[released_batch.pk])
    statuses = {}
    for user in (clerk_de, auditor_de, outsider):
        client.force_login(user)
        answers = (client.get(download), client.post(mark_sent, {"confirmed": "on"}))
        statuses[user.username] = tuple(a.status_code for a in answers)

    released_batch.refresh_from_db()
    assert statuses == {"clerk_de": (403, 403), "auditor_de": (403, 403), "outsider": (404, 404)}
    assert released_batch.state == BatchState.RELEASED
    assert not _trail(released_batch).filter(action="payment_file.downloaded").exists()


def test_the_file_steps_refuse_a_batch_that_is_not_released(
    approved_batch: PaymentBatch, treasury_de: Any, controller_gb: Any
) -> None:
    with pytest.raises(WorkflowError, match="is approved, not released"):
        batch_file_download(batch_id=approved_batch.pk, actor=treasury_de)
    with pytest.raises(WorkflowError, match="is approved, not released"):
        batch_mark_transmitted(batch_id=approved_batch.pk, actor=treasury_de)
    with pytest.raises(Http404):
        batch_file_download(batch_id=approved_batch.pk, actor=controller_gb)
