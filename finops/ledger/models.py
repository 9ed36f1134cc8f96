from django.db import models
from django.db.models import Q

from finops.core.models import SourcedModel, currency_check, non_negative_check
from finops.core.money import AmountField, CurrencyField


class JournalState(models.TextChoices):
    DRAFT = "draft", "Draft"
    QUEUED = "queued", "Queued for posting"
    POSTED = "posted", "Posted to the ERP"
    FAILED = "failed", "Posting failed"


JOURNAL_TRANSITIONS: dict[str, frozenset[str]] = {
    JournalState.DRAFT: frozenset({JournalState.QUEUED}),
    JournalState.QUEUED: frozenset({JournalState.POSTED, JournalState.FAILED}),
    JournalState.FAILED: frozenset({JournalState.QUEUED}),
    JournalState.POSTED: frozenset(),
}


class JournalEntry(SourcedModel):
    """What we post to the ERP (cash receipts, write-offs, bank charges). external_id is our
    idempotency key towards the ERP."""

    TRANSITIONS = JOURNAL_TRANSITIONS

    entity = models.ForeignKey("masterdata.LegalEntity", on_delete=models.PROTECT, related_name="journal_entries")
    posting_on = models.DateField()
    currency = CurrencyField()
    description = models.CharField(max_length=200)
    state = models.CharField(max_length=10, choices=JournalState.choices, default=JournalState.DRAFT)
    erp_document_id = models.CharField(max_length=64, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-posting_on", "-id"]
        verbose_name_plural = "journal entries"
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="journalentry_source_external_id_uniq"),
            currency_check("currency", "journalentry_currency_iso"),
        ]

    def __str__(self) -> str:
        return f"JE {self.external_id}"


class JournalLine(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField()
    account_code = models.CharField(max_length=32)
    debit = AmountField(default=0)
    credit = AmountField(default=0)
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["line_no"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "line_no"], name="journalline_no_uniq"),
            non_negative_check("debit", "journalline_debit_non_negative"),
            non_negative_check("credit", "journalline_credit_non_negative"),
            models.CheckConstraint(condition=Q(debit=0) | Q(credit=0), name="journalline_one_side"),
        ]

    def __str__(self) -> str:
        return f"{self.account_code} D{self.debit} C{self.credit}"
