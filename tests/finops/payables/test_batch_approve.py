"""Payment-batch approval: segregation of duties, the approval policy, and their screens and API."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse

from finops.accounts.sod import SegregationOfDutiesError
from finops.audit.models import AuditEvent
from finops.core.workflow import WorkflowError
from finops.payables.models import Approval, PaymentBatch
from finops.payables.services import batch_approve, batch_decline, batch_submit
from finops.payables.states import BatchState
from tests.factories import PaymentBatchFactory, PaymentFactory


@pytest.fixture
def pending_batch_de(entity_de, clerk_de):
    batch = PaymentBatchFactory(entity=entity_de, created_by=clerk_de)
    for amount in ("1200.00", "300.50"):
        PaymentFactory(entity=entity_de, batch=batch, amount=Decimal(amount))
    return batch_submit(batch_id=batch.pk, user=clerk_de)


@pytest.fixture
def large_pending_batch_de(entity_de, clerk_de):
    batch = PaymentBatchFactory(entity=entity_de, created_by=clerk_de)
    PaymentFactory(entity=entity_de, batch=batch, amount=entity_de.dual_approval_threshold)
    return batch_submit(batch_id=batch.pk, user=clerk_de)


def test_batch_submit_freezes_totals_and_moves_to_pending_approval(pending_batch_de):
    assert pending_batch_de.state == BatchState.PENDING_APPROVAL
    assert pending_batch_de.control_sum == Decimal("1500.50")
    assert pending_batch_de.payment_count == 2
    assert pending_batch_de.submission_round == 1


def test_batch_submit_refuses_an_empty_batch(entity_de, clerk_de):
    batch = PaymentBatchFactory(entity=entity_de, created_by=clerk_de)

    with pytest.raises(WorkflowError, match="empty batch"):
        batch_submit(batch_id=batch.pk, user=clerk_de)


def test_batch_approve_moves_pending_batch_to_approved(controller_de, pending_batch_de):
    batch = batch_approve(batch_id=pending_batch_de.pk, approver=controller_de, comment="ok")

    assert batch.state == BatchState.APPROVED
    assert batch.approved_at is not None
    assert AuditEvent.objects.filter(
        object_type="payables.PaymentBatch",
        object_id=str(batch.pk),
        action="pending_approval->approved",
        actor=controller_de,
    ).exists()


def test_batch_approve_refuses_the_maker_even_with_a_controller_role(entity_de, controller_de):
    batch = PaymentBatchFactory(entity=entity_de, created_by=controller_de)
    PaymentFactory(entity=entity_de, batch=batch)
    from finops.accounts.roles import Role
    from finops.accounts.services import user_grant_role

    user_grant_role(user=controller_de, role=Role.AP_CLERK, entity=entity_de, granted_by=None)
    batch_submit(batch_id=batch.pk, user=controller_de)

    with pytest.raises(SegregationOfDutiesError, match="maker of a batch cannot approve"):
        batch_approve(batch_id=batch.pk, approver=controller_de)

    batch.refresh_from_db()
    assert batch.state == BatchState.PENDING_APPROVAL


def test_the_database_itself_refuses_an_approval_by_the_maker(pending_batch_de, clerk_de):
    from django.utils import timezone

    with pytest.raises(IntegrityError, match="approval_approver_is_not_maker"), transaction.atomic():
        Approval.objects.create(
            batch=pending_batch_de, approver=clerk_de, maker=clerk_de, decision="approved", decided_at=timezone.now()
        )


def test_batch_approve_hides_other_entities(controller_gb, pending_batch_de):
    with pytest.raises(Http404):
        batch_approve(batch_id=pending_batch_de.pk, approver=controller_gb)


def test_an_auditor_cannot_approve(auditor_de, pending_batch_de):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        batch_approve(batch_id=pending_batch_de.pk, approver=auditor_de)


def test_a_batch_at_the_threshold_needs_two_different_approvers(controller_de, controller2_de, large_pending_batch_de):
    first = batch_approve(batch_id=large_pending_batch_de.pk, approver=controller_de)
    assert first.state == BatchState.PENDING_APPROVAL

    with pytest.raises(WorkflowError, match="already approved"):
        batch_approve(batch_id=large_pending_batch_de.pk, approver=controller_de)

    second = batch_approve(batch_id=large_pending_batch_de.pk, approver=controller2_de)
    assert second.state == BatchState.APPROVED
    assert second.approvals.count() == 2


def test_decline_needs_a_reason_and_sends_the_batch_back_to_draft(controller_de, pending_batch_de, clerk_de):
    with pytest.raises(WorkflowError, match="Say why"):
        batch_decline(batch_id=pending_batch_de.pk, approver=controller_de, reason="  ")

    batch = batch_decline(batch_id=pending_batch_de.pk, approver=controller_de, reason="wrong value date")

    assert batch.state == BatchState.DRAFT
    resubmitted = batch_submit(batch_id=batch.pk, user=clerk_de)
    assert resubmitted.submission_round == 2
    assert batch_approve(batch_id=batch.pk, approver=controller_de).state == BatchState.APPROVED


def test_approve_screen_records_the_decision(client, controller_de, pending_batch_de):
    client.force_login(controller_de)

    page = client.get(reverse("payables:batch-detail", args=[pending_batch_de.pk]))
    response = client.post(reverse("payables:batch-approve", args=[pending_batch_de.pk]), {"comment": "fine"})

    assert 'Approve <span class="money">1,500.50 EUR</span>' in page.content.decode()
    assert response.status_code == 302
    pending_batch_de.refresh_from_db()
    assert pending_batch_de.state == BatchState.APPROVED


def test_htmx_decline_without_reason_rerenders_the_form_with_422(client, controller_de, pending_batch_de):
    client.force_login(controller_de)

    response = client.post(
        reverse("payables:batch-decline", args=[pending_batch_de.pk]), {"reason": ""}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert "<html" not in response.content.decode()


def test_approve_screen_is_403_for_a_clerk_and_404_for_another_entity(
    client, clerk_de, controller_gb, pending_batch_de
):
    url = reverse("payables:batch-approve", args=[pending_batch_de.pk])

    client.force_login(clerk_de)
    assert client.post(url).status_code == 403
    client.force_login(controller_gb)
    assert client.post(url).status_code == 404


def test_api_decision_approves_and_reports_sod_errors_as_400(client, controller_de, clerk_de, pending_batch_de):
    url = reverse("api:batch-decision", args=[pending_batch_de.pk])
    client.force_login(controller_de)

    ok = client.post(url, {"decision": "approve", "comment": "api"}, content_type="application/json")
    again = client.post(url, {"decision": "approve"}, content_type="application/json")

    assert ok.status_code == 200
    assert ok.json()["state"] == "approved"
    assert again.status_code == 400
    assert "not pending approval" in again.json()["detail"]


def test_declining_a_batch_you_approved_is_a_400_not_a_500(client, controller_de, pending_batch_de):
    url = reverse("api:batch-decision", args=[pending_batch_de.pk])
    client.force_login(controller_de)
    client.post(url, {"decision": "approve"}, content_type="application/json")

    response = client.post(url, {"decision": "decline", "comment": "changed my mind"}, content_type="application/json")

    assert response.status_code == 400
    assert "not pending approval" in response.json()["detail"]
    pending_batch_de.refresh_from_db()
    assert pending_batch_de.state == BatchState.APPROVED
    assert list(pending_batch_de.approvals.values_list("decision", flat=True)) == ["approved"]


def test_declining_after_your_own_first_of_two_approvals_is_refused_with_a_reason(
    controller_de, large_pending_batch_de
):
    batch_approve(batch_id=large_pending_batch_de.pk, approver=controller_de)

    with pytest.raises(WorkflowError, match="already approved"):
        batch_decline(batch_id=large_pending_batch_de.pk, approver=controller_de, reason="second thoughts")

    large_pending_batch_de.refresh_from_db()
    assert large_pending_batch_de.state == BatchState.PENDING_APPROVAL


def test_declining_a_released_batch_is_a_400_for_its_approver(client, controller_de, pending_batch_de):
    batch_approve(batch_id=pending_batch_de.pk, approver=controller_de)
    PaymentBatch.objects.filter(pk=pending_batch_de.pk).update(state=BatchState.RELEASED)
    client.force_login(controller_de)

    response = client.post(
        reverse("api:batch-decision", args=[pending_batch_de.pk]),
        {"decision": "decline", "comment": "too late"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "released, not pending approval" in response.json()["detail"]


def test_the_decline_screen_shows_why_instead_of_failing(client, controller_de, pending_batch_de):
    batch_approve(batch_id=pending_batch_de.pk, approver=controller_de)
    client.force_login(controller_de)

    response = client.post(
        reverse("payables:batch-decline", args=[pending_batch_de.pk]), {"reason": "oops"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 422
    assert "not pending approval" in response.content.decode()


def test_the_approve_screen_shows_why_a_second_approval_is_refused(client, controller_de, pending_batch_de):
    batch_approve(batch_id=pending_batch_de.pk, approver=controller_de)
    client.force_login(controller_de)

    response = client.post(reverse("payables:batch-approve", args=[pending_batch_de.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 422
    assert "not pending approval" in response.content.decode()
