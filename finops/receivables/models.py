from django.db import models

from finops.core.models import SourcedModel, currency_check, non_negative_check
from finops.core.money import AmountField, CurrencyField


class Remittance(SourcedModel):
    """A customer's advice of what a payment pays: which invoices, how much each."""

    entity = models.ForeignKey("masterdata.LegalEntity", on_delete=models.PROTECT, related_name="remittances")
    counterparty = models.ForeignKey(
        "masterdata.Counterparty", null=True, blank=True, on_delete=models.PROTECT, related_name="remittances"
    )
    statement_line = models.ForeignKey(
        "treasury.StatementLine", null=True, blank=True, on_delete=models.PROTECT, related_name="remittances"
    )
    payer_reference = models.CharField(max_length=140, blank=True)
    amount = AmountField()
    currency = CurrencyField()
    received_on = models.DateField()

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="remittance_source_external_id_uniq"),
            currency_check("currency", "remittance_currency_iso"),
            non_negative_check("amount", "remittance_amount_non_negative"),
        ]

    def __str__(self) -> str:
        return f"Remittance {self.external_id}"


class RemittanceLine(models.Model):
    remittance = models.ForeignKey(Remittance, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField()
    invoice_reference = models.CharField(max_length=64)
    amount = AmountField()
    invoice = models.ForeignKey(
        "invoicing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="remittance_lines"
    )

    class Meta:
        ordering = ["line_no"]
        constraints = [models.UniqueConstraint(fields=["remittance", "line_no"], name="remittanceline_no_uniq")]

    def __str__(self) -> str:
        return f"{self.invoice_reference}: {self.amount}"
