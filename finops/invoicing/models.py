from django.db import models
from django.db.models import F, Q

from finops.core.models import SourcedModel, currency_check, non_negative_check
from finops.core.money import AmountField, CurrencyField
from finops.invoicing.states import INVOICE_TRANSITIONS, InvoiceDirection, InvoiceState


class Invoice(SourcedModel):
    """A supplier invoice (AP) or a customer invoice (AR). One table for both, so matching,
    duplicate detection and dashboards read one place."""

    TRANSITIONS = INVOICE_TRANSITIONS

    entity = models.ForeignKey("masterdata.LegalEntity", on_delete=models.PROTECT, related_name="invoices")
    counterparty = models.ForeignKey("masterdata.Counterparty", on_delete=models.PROTECT, related_name="invoices")
    direction = models.CharField(max_length=2, choices=InvoiceDirection.choices)
    number = models.CharField(max_length=64)
    currency = CurrencyField()
    amount = AmountField()
    tax_amount = AmountField(default=0)
    open_amount = AmountField()
    issue_on = models.DateField()
    due_on = models.DateField()
    purchase_order = models.ForeignKey(
        "payables.PurchaseOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    state = models.CharField(max_length=16, choices=InvoiceState.choices)
    source_version = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-issue_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="invoice_source_external_id_uniq"),
            currency_check("currency", "invoice_currency_iso"),
            non_negative_check("amount", "invoice_amount_non_negative"),
            non_negative_check("open_amount", "invoice_open_amount_non_negative"),
            models.CheckConstraint(condition=Q(open_amount__lte=F("amount")), name="invoice_open_within_amount"),
            models.CheckConstraint(condition=Q(due_on__gte=F("issue_on")), name="invoice_due_after_issue"),
        ]
        indexes = [
            models.Index(fields=["entity", "direction", "state"]),
            models.Index(fields=["counterparty", "number"]),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.number}"


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField()
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(max_digits=18, decimal_places=4)
    unit_price = AmountField()
    amount = AmountField()
    po_line = models.ForeignKey(
        "payables.PurchaseOrderLine", null=True, blank=True, on_delete=models.PROTECT, related_name="invoice_lines"
    )

    class Meta:
        ordering = ["line_no"]
        constraints = [models.UniqueConstraint(fields=["invoice", "line_no"], name="invoiceline_no_uniq")]

    def __str__(self) -> str:
        return f"{self.invoice_id}/{self.line_no}"
