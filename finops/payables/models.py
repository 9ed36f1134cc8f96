from django.conf import settings
from django.db import models
from django.db.models import F, Q

from finops.core.models import SourcedModel, currency_check, non_negative_check
from finops.core.money import AmountField, CurrencyField
from finops.payables.states import (
    BATCH_TRANSITIONS,
    PAYMENT_TRANSITIONS,
    ApprovalDecision,
    BatchState,
    PaymentState,
)


class PurchaseOrder(SourcedModel):
    entity = models.ForeignKey("masterdata.LegalEntity", on_delete=models.PROTECT, related_name="purchase_orders")
    supplier = models.ForeignKey("masterdata.Counterparty", on_delete=models.PROTECT, related_name="purchase_orders")
    number = models.CharField(max_length=64)
    currency = CurrencyField()
    ordered_on = models.DateField()
    is_closed = models.BooleanField(default=False)

    class Meta:
        ordering = ["-ordered_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="purchaseorder_source_external_id_uniq"),
            models.UniqueConstraint(fields=["entity", "number"], name="purchaseorder_entity_number_uniq"),
            currency_check("currency", "purchaseorder_currency_iso"),
        ]

    def __str__(self) -> str:
        return f"PO {self.number}"


class PurchaseOrderLine(models.Model):
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField()
    item = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=18, decimal_places=4)
    unit_price = AmountField()

    class Meta:
        ordering = ["line_no"]
        constraints = [
            models.UniqueConstraint(fields=["purchase_order", "line_no"], name="purchaseorderline_no_uniq"),
            non_negative_check("quantity", "purchaseorderline_quantity_non_negative"),
            non_negative_check("unit_price", "purchaseorderline_price_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_order_id}/{self.line_no} {self.item}"

    @property
    def amount(self):  # type: ignore[no-untyped-def]
        return self.quantity * self.unit_price


class GoodsReceipt(SourcedModel):
    entity = models.ForeignKey("masterdata.LegalEntity", on_delete=models.PROTECT, related_name="goods_receipts")
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="receipts")
    received_on = models.DateField()

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="goodsreceipt_source_external_id_uniq"),
        ]

    def __str__(self) -> str:
        return f"GR {self.external_id}"


class GoodsReceiptLine(models.Model):
    receipt = models.ForeignKey(GoodsReceipt, on_delete=models.CASCADE, related_name="lines")
    po_line = models.ForeignKey(PurchaseOrderLine, on_delete=models.PROTECT, related_name="receipt_lines")
    quantity = models.DecimalField(max_digits=18, decimal_places=4)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["receipt", "po_line"], name="goodsreceiptline_uniq"),
            non_negative_check("quantity", "goodsreceiptline_quantity_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_id}: {self.quantity} of {self.po_line_id}"


class PaymentBatch(SourcedModel):
    """A set of payments from one of our accounts, approved together and sent as one file."""

    TRANSITIONS = BATCH_TRANSITIONS

    entity = models.ForeignKey("masterdata.LegalEntity", on_delete=models.PROTECT, related_name="payment_batches")
    debtor_account = models.ForeignKey("masterdata.BankAccount", on_delete=models.PROTECT, related_name="+")
    currency = CurrencyField()
    execution_on = models.DateField()
    state = models.CharField(max_length=20, choices=BatchState.choices, default=BatchState.DRAFT)
    control_sum = AmountField(default=0)
    payment_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submission_round = models.PositiveIntegerField(default=0)
    approved_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    transmitted_at = models.DateTimeField(null=True, blank=True)
    bank_submission_id = models.CharField(
        max_length=64, blank=True, help_text="The bank's id of the payment file, when it was sent over the bank's API."
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "payment batches"
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="paymentbatch_source_external_id_uniq"),
            currency_check("currency", "paymentbatch_currency_iso"),
            non_negative_check("control_sum", "paymentbatch_control_sum_non_negative"),
        ]

    def __str__(self) -> str:
        return f"Batch {self.external_id}"


class Payment(SourcedModel):
    TRANSITIONS = PAYMENT_TRANSITIONS

    entity = models.ForeignKey("masterdata.LegalEntity", on_delete=models.PROTECT, related_name="payments")
    batch = models.ForeignKey(PaymentBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    counterparty = models.ForeignKey("masterdata.Counterparty", on_delete=models.PROTECT, related_name="payments")
    beneficiary_account = models.ForeignKey("masterdata.BankAccount", on_delete=models.PROTECT, related_name="+")
    end_to_end_id = models.CharField(max_length=35, unique=True)
    amount = AmountField()
    currency = CurrencyField()
    remittance_info = models.CharField(max_length=140, blank=True)
    state = models.CharField(max_length=16, choices=PaymentState.choices, default=PaymentState.PROPOSED)
    status_reason = models.CharField(max_length=200, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    invoices = models.ManyToManyField(  # type: ignore[var-annotated]
        "invoicing.Invoice", through="PaymentAllocation", related_name="payments"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="payment_source_external_id_uniq"),
            currency_check("currency", "payment_currency_iso"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [models.Index(fields=["entity", "state"])]

    def __str__(self) -> str:
        return f"Payment {self.end_to_end_id}"


class PaymentAllocation(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    invoice = models.ForeignKey("invoicing.Invoice", on_delete=models.PROTECT, related_name="allocations")
    amount = AmountField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["payment", "invoice"], name="paymentallocation_uniq"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="paymentallocation_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.invoice_id}: {self.amount}"


class Approval(models.Model):
    """One approver's decision on a batch. The database refuses an approval by the batch's maker
    and a second decision by the same approver."""

    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="approvals")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    maker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    round = models.PositiveIntegerField(default=1, help_text="The batch's submission round this decision is for.")
    decision = models.CharField(max_length=10, choices=ApprovalDecision.choices)
    comment = models.TextField(blank=True)
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["decided_at"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "round", "approver"], name="approval_one_per_approver"),
            models.CheckConstraint(condition=~Q(approver=F("maker")), name="approval_approver_is_not_maker"),
        ]

    def __str__(self) -> str:
        return f"{self.decision} by {self.approver_id} on {self.batch_id}"
