from django.contrib import messages
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from finops.audit.selectors import events_for_object
from finops.core.decorators import role_required
from finops.core.http import AuthedRequest
from finops.core.listing import Column, render_list
from finops.core.workflow import WorkflowError
from finops.payables.filters import BatchFilter, GoodsReceiptFilter, PaymentFilter, PurchaseOrderFilter
from finops.payables.forms import ApproveForm, DeclineForm, MarkSentForm
from finops.payables.payment_files import NACHA, batch_file_payments, payment_file_format
from finops.payables.selectors import (
    approvals_required,
    batch_decided_by,
    batch_get,
    batch_list,
    batch_submission_messages,
    goods_receipt_get,
    goods_receipt_lines,
    goods_receipt_list,
    may_release,
    payment_get,
    payment_list,
    purchase_order_get,
    purchase_order_invoices,
    purchase_order_lines,
    purchase_order_list,
    purchase_order_receipts,
)
from finops.payables.services import (
    batch_approve,
    batch_decline,
    batch_file_download,
    batch_mark_transmitted,
    batch_release,
)
from finops.payables.states import BatchState

PAYMENT_EXPORT = (
    Column("entity", lambda p: p.entity.code),
    Column("end_to_end_id", lambda p: p.end_to_end_id),
    Column("counterparty", lambda p: p.counterparty.name),
    Column("beneficiary_account", lambda p: p.beneficiary_account.display_identifier),
    Column("currency", lambda p: p.currency),
    Column("amount", lambda p: p.amount),
    Column("state", lambda p: p.state),
    Column("batch", lambda p: p.batch.external_id if p.batch else ""),
)
BATCH_EXPORT = (
    Column("entity", lambda b: b.entity.code),
    Column("batch", lambda b: b.external_id),
    Column("currency", lambda b: b.currency),
    Column("control_sum", lambda b: b.control_sum),
    Column("payment_count", lambda b: b.payment_count),
    Column("execution_on", lambda b: b.execution_on),
    Column("state", lambda b: b.state),
)

PURCHASE_ORDER_EXPORT = (
    Column("entity", lambda o: o.entity.code),
    Column("number", lambda o: o.number),
    Column("supplier", lambda o: o.supplier.name),
    Column("ordered_on", lambda o: o.ordered_on),
    Column("currency", lambda o: o.currency),
    Column("amount", lambda o: o.amount),
    Column("receipts", lambda o: o.receipt_count),
    Column("invoices", lambda o: o.invoice_count),
    Column("status", lambda o: "closed" if o.is_closed else "open"),
    Column("source", lambda o: o.source),
    Column("external_id", lambda o: o.external_id),
)
GOODS_RECEIPT_EXPORT = (
    Column("entity", lambda r: r.entity.code),
    Column("receipt", lambda r: r.external_id),
    Column("purchase_order", lambda r: r.purchase_order.number),
    Column("supplier", lambda r: r.purchase_order.supplier.name),
    Column("received_on", lambda r: r.received_on),
    Column("lines", lambda r: r.line_count),
    Column("source", lambda r: r.source),
)


@role_required("payables.view_payment")
def payment_list_view(request: AuthedRequest) -> HttpResponseBase:
    return render_list(
        request,
        template="payables/payment_list.html",
        rows=payment_list(user=request.user),
        filterset_class=PaymentFilter,
        export_columns=PAYMENT_EXPORT,
        export_name="payments",
    )


@role_required("payables.view_payment")
def payment_detail_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    payment = payment_get(user=request.user, pk=pk)
    return render(request, "payables/payment_detail.html", {"payment": payment, "events": events_for_object(payment)})


@role_required("payables.view_paymentbatch")
def batch_list_view(request: AuthedRequest) -> HttpResponseBase:
    return render_list(
        request,
        template="payables/batch_list.html",
        rows=batch_list(user=request.user),
        filterset_class=BatchFilter,
        export_columns=BATCH_EXPORT,
        export_name="payment-batches",
    )


def _batch_page(
    request: AuthedRequest, pk: int, *, status: int = 200, error: str = "", **forms: object
) -> HttpResponseBase:
    batch = batch_get(user=request.user, pk=pk)
    submission = batch_submission_messages(batch=batch).first()
    can_release = may_release(request.user, batch)
    sends_by_hand = batch.state == BatchState.RELEASED and submission is None and can_release
    ctx = {
        "batch": batch,
        "payments": batch.payments.select_related("counterparty", "beneficiary_account").order_by("id")[:500],
        "approvals": batch.approvals.all(),
        "approvals_required": approvals_required(batch),
        "events": events_for_object(batch),
        "can_decide": request.user.has_perm("payables.add_approval")
        and request.user.has_perm("masterdata.approve_payments", batch.entity)
        and request.user.pk not in (batch.created_by_id, batch.submitted_by_id),
        "has_decided": batch_decided_by(batch=batch, user=request.user),
        "can_release": can_release,
        "submission": submission,
        "sends_by_hand": sends_by_hand,
        "file_label": (
            "NACHA file"
            if sends_by_hand and payment_file_format(batch, batch_file_payments(batch)) == NACHA
            else "pain.001"
        ),
        "error": error,
        "approve_form": forms.get("approve_form", ApproveForm()),
        "decline_form": forms.get("decline_form", DeclineForm()),
        "mark_sent_form": forms.get("mark_sent_form", MarkSentForm()),
    }
    template = "payables/batch_detail.html#decision" if request.htmx else "payables/batch_detail.html"
    return render(request, template, ctx, status=status)


@role_required("payables.view_paymentbatch")
def batch_detail_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    return _batch_page(request, pk)


@require_POST
@role_required("payables.add_approval")
def batch_approve_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    batch_get(user=request.user, pk=pk)  # 404 outside the user's entities, before anything else
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            batch_approve(batch_id=pk, approver=request.user, comment=form.cleaned_data["comment"])
            messages.success(request, "Your approval is recorded.")
        except WorkflowError as exc:
            # shown in the panel whatever state the batch is in (the form may no longer be there)
            return _batch_page(request, pk, status=422, error=str(exc))
    if form.errors:
        return _batch_page(request, pk, status=422, approve_form=form)
    return redirect("payables:batch-detail", pk=pk) if not request.htmx else _batch_page(request, pk)


@require_POST
@role_required("payables.add_approval")
def batch_decline_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    batch_get(user=request.user, pk=pk)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            batch_decline(batch_id=pk, approver=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, "The batch went back to its maker.")
        except WorkflowError as exc:
            return _batch_page(request, pk, status=422, error=str(exc))
    if form.errors:
        return _batch_page(request, pk, status=422, decline_form=form)
    return redirect("payables:batch-detail", pk=pk) if not request.htmx else _batch_page(request, pk)


def _done(request: AuthedRequest, pk: int) -> HttpResponseBase:
    # htmx: the panel answers and refreshes the facts, payments and history beside it
    return _batch_page(request, pk) if request.htmx else redirect("payables:batch-detail", pk=pk)


@require_POST
@role_required("payables.view_paymentbatch")
def batch_release_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    batch_get(user=request.user, pk=pk)  # 404 outside the user's entities; the service checks the role
    try:
        batch = batch_release(batch_id=pk, actor=request.user)
    except WorkflowError as exc:
        return _batch_page(request, pk, status=422, error=str(exc))
    if batch_submission_messages(batch=batch).exists():
        messages.success(request, "Released: the payment file is on its way to the bank over its API.")
    else:
        messages.success(request, "Released: download the payment file, upload it to the bank, then mark it as sent.")
    return _done(request, pk)


@require_GET
@role_required("payables.view_paymentbatch")
def batch_file_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    batch_get(user=request.user, pk=pk)
    try:
        payment_file = batch_file_download(batch_id=pk, actor=request.user)
    except WorkflowError as exc:
        return _batch_page(request, pk, status=422, error=str(exc))
    response = HttpResponse(payment_file.content, content_type=payment_file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{payment_file.filename}"'
    return response


@require_POST
@role_required("payables.view_paymentbatch")
def batch_mark_sent_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    batch_get(user=request.user, pk=pk)
    form = MarkSentForm(request.POST)
    if not form.is_valid():
        return _batch_page(request, pk, status=422, mark_sent_form=form)
    try:
        batch_mark_transmitted(batch_id=pk, actor=request.user)
    except WorkflowError as exc:
        return _batch_page(request, pk, status=422, error=str(exc))
    messages.success(request, "Marked as sent: the bank's status report moves the payments on.")
    return _done(request, pk)


@role_required("payables.view_purchaseorder")
def purchase_order_list_view(request: AuthedRequest) -> HttpResponseBase:
    return render_list(
        request,
        template="payables/po_list.html",
        rows=purchase_order_list(user=request.user),
        filterset_class=PurchaseOrderFilter,
        export_columns=PURCHASE_ORDER_EXPORT,
        export_name="purchase-orders",
    )


@role_required("payables.view_purchaseorder")
def purchase_order_detail_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    order = purchase_order_get(user=request.user, pk=pk)
    ctx = {
        "order": order,
        "lines": purchase_order_lines(purchase_order=order),
        "receipts": purchase_order_receipts(user=request.user, purchase_order=order),
        "invoices": purchase_order_invoices(user=request.user, purchase_order=order),
        "events": events_for_object(order),
    }
    return render(request, "payables/po_detail.html", ctx)


@role_required("payables.view_goodsreceipt")
def goods_receipt_list_view(request: AuthedRequest) -> HttpResponseBase:
    return render_list(
        request,
        template="payables/receipt_list.html",
        rows=goods_receipt_list(user=request.user),
        filterset_class=GoodsReceiptFilter,
        export_columns=GOODS_RECEIPT_EXPORT,
        export_name="goods-receipts",
    )


@role_required("payables.view_goodsreceipt")
def goods_receipt_detail_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    receipt = goods_receipt_get(user=request.user, pk=pk)
    ctx = {"receipt": receipt, "lines": goods_receipt_lines(receipt=receipt), "events": events_for_object(receipt)}
    return render(request, "payables/receipt_detail.html", ctx)
