from django.db import models
from django.db.models import Q

from finops.core.models import SourcedModel, currency_check, non_negative_check
from finops.core.money import AmountField, CurrencyField
from finops.treasury.balances import balances_reconcile


class CreditDebit(models.TextChoices):
    CREDIT = "CRDT", "Credit"
    DEBIT = "DBIT", "Debit"


class BankStatement(SourcedModel):
    """One statement for one of our accounts. external_id is the bank's own document id
    (camt Stmt/Id, MT940 :20:/:28C:), unique per account and kind of document: a camt.052 report
    and a camt.053 statement may carry the same id. content_sha256 tells a re-sent statement from
    a different one under a reused id."""

    entity = models.ForeignKey("masterdata.LegalEntity", on_delete=models.PROTECT, related_name="statements")
    bank_account = models.ForeignKey("masterdata.BankAccount", on_delete=models.PROTECT, related_name="statements")
    format = models.CharField(max_length=16)
    sequence = models.CharField(max_length=35, blank=True)
    statement_on = models.DateField()
    currency = CurrencyField()
    opening_balance = AmountField(null=True, blank=True)
    closing_balance = AmountField(null=True, blank=True)
    entry_count = models.PositiveIntegerField(default=0)
    total_credits = AmountField(default=0)
    total_debits = AmountField(default=0)
    inbound_file = models.ForeignKey(
        "bankfiles.InboundFile", null=True, blank=True, on_delete=models.PROTECT, related_name="statements"
    )
    content_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-statement_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank_account", "format", "external_id"], name="bankstatement_account_document_uniq"
            ),
            models.UniqueConstraint(
                fields=["source", "format", "external_id", "bank_account"], name="bankstatement_source_uniq"
            ),
            currency_check("currency", "bankstatement_currency_iso"),
        ]

    def __str__(self) -> str:
        return f"Statement {self.external_id}"

    @property
    def reconciles(self) -> bool | None:
        if self.opening_balance is None or self.closing_balance is None:
            return None
        return balances_reconcile(self.opening_balance, self.total_credits, self.total_debits, self.closing_balance)


class StatementLineState(models.TextChoices):
    UNMATCHED = "unmatched", "Unmatched"
    MATCHED = "matched", "Matched"
    IGNORED = "ignored", "Ignored"


class StatementLine(models.Model):
    """A booked entry. line_no is its position in the document. fingerprint hashes what the bank
    booked (amount, direction, dates, references) and occurrence counts the lines with that
    fingerprint so far in the document: two genuine lines may be identical in every field, so
    (statement, fingerprint, occurrence) identifies a line without ever merging two."""

    # No index of its own: the (statement, line_no) unique index leads with it.
    statement = models.ForeignKey(BankStatement, on_delete=models.CASCADE, related_name="lines", db_index=False)
    line_no = models.PositiveIntegerField()
    amount = AmountField()
    currency = CurrencyField()
    credit_debit = models.CharField(max_length=4, choices=CreditDebit.choices)
    is_reversal = models.BooleanField(default=False)
    booking_on = models.DateField(null=True, blank=True)
    value_on = models.DateField(null=True, blank=True)
    account_servicer_ref = models.CharField(max_length=140, blank=True)
    end_to_end_id = models.CharField(max_length=140, blank=True)
    bank_transaction_code = models.CharField(max_length=64, blank=True)
    counterparty_name = models.CharField(max_length=200, blank=True)
    counterparty_account = models.CharField(max_length=64, blank=True)
    description = models.TextField(blank=True)
    state = models.CharField(max_length=12, choices=StatementLineState.choices, default=StatementLineState.UNMATCHED)
    fingerprint = models.CharField(max_length=32, blank=True)
    occurrence = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["statement", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "line_no"], name="statementline_no_uniq"),
            models.UniqueConstraint(
                fields=["statement", "fingerprint", "occurrence"],
                condition=~Q(fingerprint=""),
                name="statementline_occurrence_uniq",
            ),
            non_negative_check("amount", "statementline_amount_non_negative"),
            currency_check("currency", "statementline_currency_iso"),
        ]
        indexes = [models.Index(fields=["state"], condition=Q(state="unmatched"), name="statementline_unmatched_idx")]

    def __str__(self) -> str:
        return f"{self.statement_id}/{self.line_no} {self.credit_debit} {self.amount} {self.currency}"

    @property
    def signed_amount(self):  # type: ignore[no-untyped-def]
        return self.amount if self.credit_debit == CreditDebit.CREDIT else -self.amount


class CashForecastLine(SourcedModel):
    """An expected inflow (positive) or outflow (negative) on a date, for the cash position."""

    entity = models.ForeignKey("masterdata.LegalEntity", on_delete=models.PROTECT, related_name="forecast_lines")
    bank_account = models.ForeignKey(
        "masterdata.BankAccount", null=True, blank=True, on_delete=models.PROTECT, related_name="forecast_lines"
    )
    expected_on = models.DateField()
    amount = AmountField()
    currency = CurrencyField()
    category = models.CharField(max_length=64)
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["expected_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="cashforecastline_source_external_id_uniq"),
            currency_check("currency", "cashforecastline_currency_iso"),
        ]

    def __str__(self) -> str:
        return f"{self.expected_on} {self.category} {self.amount} {self.currency}"
