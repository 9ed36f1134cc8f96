from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from finops.core.models import SourcedModel, currency_check, new_correlation_id, non_negative_check
from finops.core.money import AmountField, CurrencyField
from finops.receivables.states import CRM_DELIVERY_TRANSITIONS, CrmDeliveryState


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


class CollectionNote(models.Model):
    """What AR staff noted while chasing a customer invoice; each note is logged on the customer's
    CRM account as a "collection_note" activity through the outbox."""

    TRANSITIONS = CRM_DELIVERY_TRANSITIONS
    MAX_TEXT = 2000

    invoice = models.ForeignKey("invoicing.Invoice", on_delete=models.PROTECT, related_name="collection_notes")
    entity = models.ForeignKey("masterdata.LegalEntity", on_delete=models.PROTECT, related_name="collection_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=MAX_TEXT)
    state = models.CharField(max_length=10, choices=CrmDeliveryState.choices, default=CrmDeliveryState.PENDING)
    crm_activity_id = models.CharField(max_length=64, blank=True)
    crm_error = models.TextField(blank=True)
    outbox_message = models.ForeignKey(
        "outbox.OutboxMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    correlation_id = models.CharField(max_length=64, default=new_correlation_id, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="collectionnote_text_not_empty"),
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in CrmDeliveryState]), name="collectionnote_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state="sent") | ~Q(crm_activity_id=""), name="collectionnote_sent_has_activity"
            ),
        ]

    def __str__(self) -> str:
        return f"Collection note #{self.pk}"
