from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from finops.accounts.roles import Role
from finops.core.models import SourcedModel, currency_check, new_correlation_id, non_negative_check
from finops.core.money import AmountField, CurrencyField
from finops.invoicing.states import (
    INVOICE_TRANSITIONS,
    VARIANCE_TRANSITIONS,
    HoldReason,
    InvoiceDirection,
    InvoiceState,
    MatchStatus,
    VarianceState,
)


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
    po_number = models.CharField(
        max_length=64,
        blank=True,
        help_text="The purchase order number as the invoice quotes it, kept whether or not we hold that order.",
    )
    purchase_order = models.ForeignKey(
        "payables.PurchaseOrder",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
        help_text="The order po_number resolves to in the entity; empty while we hold none of that number.",
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
    po_line_no = models.CharField(
        max_length=16,
        blank=True,
        help_text="The line of the purchase order this line bills, as the invoice quotes it (digits).",
    )
    po_line = models.ForeignKey(
        "payables.PurchaseOrderLine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_lines",
        help_text="The order line po_line_no resolves to; empty while the order or that line is not held.",
    )

    class Meta:
        ordering = ["line_no"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "line_no"], name="invoiceline_no_uniq"),
            models.CheckConstraint(condition=Q(po_line_no__regex=r"^[0-9]*$"), name="invoiceline_po_line_no_digits"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}/{self.line_no}"


class InvoiceMatch(models.Model):
    """The latest verdict of the 3-way match on an AP invoice, as the match run wrote it: what the
    invoice page, the export and the approval read. Figures are in the order's currency, net."""

    invoice = models.OneToOneField(Invoice, primary_key=True, on_delete=models.CASCADE, related_name="match")
    status = models.CharField(max_length=16, choices=MatchStatus.choices)
    reasons = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    explanation = models.TextField(blank=True)
    findings = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    lines = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    purchase_order = models.ForeignKey(
        "payables.PurchaseOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ordered_value = AmountField(null=True, blank=True)
    received_value = AmountField(null=True, blank=True)
    billed_before = AmountField(null=True, blank=True)
    billed_now = AmountField(null=True, blank=True)
    variance = AmountField(null=True, blank=True, help_text="The money at stake beyond what order and receipts bear.")
    duplicate_of = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    duplicate_score = models.PositiveSmallIntegerField(null=True, blank=True)
    rule_version = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=32, help_text="Of everything above: an unchanged verdict is not written.")
    match_run_id = models.BigIntegerField(null=True, blank=True, help_text="The match run that wrote it.")
    judged_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.status}"

    @property
    def line_rows(self) -> list[dict[str, object]]:
        """The side-by-side figures of each line (stored as lists, in LINE_COLUMNS' order)."""
        return [dict(zip(LINE_COLUMNS, row, strict=True)) for row in self.lines or []]

    @property
    def finding_rows(self) -> list[dict[str, object]]:
        return [dict(zip(FINDING_COLUMNS, row, strict=True)) for row in self.findings or []]


# How InvoiceMatch stores a line's figures and a finding (lists, to keep 100,000 verdicts small).
LINE_COLUMNS = (
    "line_no",
    "po_line_no",
    "item",
    "quantity",
    "unit_price",
    "ordered",
    "received",
    "billed_before",
    "po_unit_price",
    "price_variance",
    "price_tolerance",
    "quantity_tolerance",
    "reasons",
)
FINDING_COLUMNS = ("code", "check", "message", "line_no", "expected", "actual", "tolerance")


class InvoiceHold(models.Model):
    """Why an AP invoice may not be proposed for payment, while it lasts (released_at empty).

    Placed by a match run (placed_by empty) or a person; released by a person with a reason (a
    suspected duplicate that is not one; a variance accepted) or by a later match run when its cause
    is gone (released_by empty). A person's release of a duplicate hold is a ruling the duplicate
    rules respect from then on. The database keeps one active hold per invoice and reason, and
    refuses to propose for payment an invoice with an active hold (migration 0004)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="holds")
    entity = models.ForeignKey("masterdata.LegalEntity", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=24, choices=HoldReason.choices)
    detail = models.TextField(help_text="Why, in words: the findings, the original, the supplier's status.")
    amount = AmountField(null=True, blank=True, help_text="For a match exception: the variance at stake.")
    currency = CurrencyField(blank=True)
    original = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="A duplicate's original."
    )
    placed_at = models.DateTimeField(default=timezone.now)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    release_reason = models.TextField(blank=True)
    correlation_id = models.CharField(max_length=64, default=new_correlation_id, db_index=True)

    class Meta:
        ordering = ["placed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "reason"],
                condition=Q(released_at__isnull=True),
                name="invoicehold_one_active_per_reason",
            ),
            models.CheckConstraint(
                condition=~Q(reason=HoldReason.DUPLICATE) | Q(original__isnull=False),
                name="invoicehold_duplicate_names_original",
            ),
            models.CheckConstraint(
                condition=Q(released_at__isnull=True) | ~Q(release_reason=""), name="invoicehold_release_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(currency="") | Q(currency__regex=r"^[A-Z]{3}$"), name="invoicehold_currency_iso"
            ),
        ]
        indexes = [
            models.Index(
                fields=["entity", "reason"], condition=Q(released_at__isnull=True), name="invoicehold_active_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} on {self.invoice_id}"

    @property
    def is_active(self) -> bool:
        return self.released_at is None


class VarianceAcceptance(models.Model):
    """A person accepting the variance of a 3-way match exception, so that the invoice is approved
    despite it: at once within their authority, or asked of a controller above it (requested), who
    accepts or declines; never the one who asked (a database check backs the rule)."""

    TRANSITIONS = VARIANCE_TRANSITIONS

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="variance_acceptances")
    entity = models.ForeignKey("masterdata.LegalEntity", on_delete=models.PROTECT, related_name="+")
    hold = models.ForeignKey(InvoiceHold, on_delete=models.PROTECT, related_name="acceptances")
    amount = AmountField()
    currency = CurrencyField()
    reasons = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    state = models.CharField(max_length=16, choices=VarianceState.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(null=True, blank=True)
    request_note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    correlation_id = models.CharField(max_length=64, default=new_correlation_id, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | Q(requested_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="varianceacceptance_decider_is_not_requester",
            ),
            models.CheckConstraint(
                condition=~Q(state=VarianceState.ACCEPTED) | Q(decided_by__isnull=False),
                name="varianceacceptance_accepted_by_someone",
            ),
            models.UniqueConstraint(
                fields=["invoice"],
                condition=Q(state=VarianceState.REQUESTED),
                name="varianceacceptance_one_request_per_invoice",
            ),
            models.UniqueConstraint(
                fields=["hold"], condition=Q(state=VarianceState.ACCEPTED), name="varianceacceptance_hold_accepted_once"
            ),
            non_negative_check("amount", "varianceacceptance_amount_non_negative"),
            currency_check("currency", "varianceacceptance_currency_iso"),
        ]

    def __str__(self) -> str:
        return f"Variance {self.amount} {self.currency} on {self.invoice_id} ({self.state})"


_PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


class ApPolicy(models.Model):
    """An entity's rules for matching supplier invoices (reconciliation.engines.ap_model.ApPolicy):
    without a row, the product's defaults below apply. Admins edit it on the AP policy page."""

    entity = models.OneToOneField("masterdata.LegalEntity", on_delete=models.CASCADE, related_name="ap_policy")
    price_tolerance_pct = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=1,
        validators=_PERCENT,
        help_text="A unit price may differ from the order's by this percentage (exactly it is within).",
    )
    price_tolerance_amount = AmountField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Optional: at most this much price difference on one line (difference a unit × quantity).",
    )
    quantity_tolerance_pct = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=_PERCENT,
        help_text="All invoices together may bill this percentage more than was received (and ordered).",
    )
    duplicate_window_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MaxValueValidator(366)],
        help_text="Two invoices of one supplier and amount issued this many days apart are suspected duplicates.",
    )
    auto_approve_matched = models.BooleanField(
        default=False, help_text="Approve an invoice that matches within tolerance without a person."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "AP policy"
        verbose_name_plural = "AP policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(price_tolerance_pct__gte=0, price_tolerance_pct__lte=100), name="appolicy_price_pct_range"
            ),
            models.CheckConstraint(
                condition=Q(quantity_tolerance_pct__gte=0, quantity_tolerance_pct__lte=100),
                name="appolicy_quantity_pct_range",
            ),
            models.CheckConstraint(
                condition=Q(price_tolerance_amount__isnull=True) | Q(price_tolerance_amount__gte=0),
                name="appolicy_price_amount_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"AP policy of {self.entity_id}"


AUTHORITY_ROLES = ((Role.AP_CLERK.value, Role.AP_CLERK.label), (Role.CONTROLLER.value, Role.CONTROLLER.label))


class ApAuthority(models.Model):
    """What a role may decide on supplier invoices in an entity, in the entity's base currency:
    accept a 3-way match variance up to `variance_limit`, approve an invoice without a purchase
    order up to `approval_limit`; empty is no limit. Without a row an AP clerk may do neither
    (a controller decides) and a controller has no limit."""

    entity = models.ForeignKey("masterdata.LegalEntity", on_delete=models.CASCADE, related_name="ap_authorities")
    role = models.CharField(max_length=32, choices=AUTHORITY_ROLES)
    variance_limit = AmountField(null=True, blank=True, validators=[MinValueValidator(0)])
    approval_limit = AmountField(null=True, blank=True, validators=[MinValueValidator(0)])
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["entity", "role"]
        verbose_name_plural = "AP authorities"
        constraints = [
            models.UniqueConstraint(fields=["entity", "role"], name="apauthority_one_per_role"),
            models.CheckConstraint(
                condition=Q(variance_limit__isnull=True) | Q(variance_limit__gte=0),
                name="apauthority_variance_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(approval_limit__isnull=True) | Q(approval_limit__gte=0),
                name="apauthority_approval_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} in {self.entity_id}"
