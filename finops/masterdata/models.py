from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Left, Upper

from finops.core.models import SourcedModel, currency_check
from finops.core.money import AmountField, CurrencyField
from finops.masterdata.bank_identifiers import (
    IDENTIFIER_COLUMNS,
    AccountIdentifier,
    BankCodeKind,
    account_identifier_clean,
)
from finops.masterdata.states import BANK_ACCOUNT_CHANGE_TRANSITIONS, BankAccountChangeState
from finops.masterdata.validators import validate_bic, validate_iban


class LegalEntity(SourcedModel):
    """A company of the group. Access to everything is granted per legal entity."""

    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2)
    base_currency = CurrencyField()
    dual_approval_threshold = AmountField(default=50000, help_text="Batches at or above need two approvers.")

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "legal entities"
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="legalentity_source_external_id_uniq"),
            currency_check("base_currency", "legalentity_currency_iso"),
        ]
        permissions = [
            ("view_entity_data", "See the entity's records"),
            ("work_payables", "Work AP queues and build payment batches"),
            ("work_treasury", "Work treasury queues and import statements"),
            ("approve_payments", "Approve payment batches and write-offs"),
            ("approve_bank_changes", "Verify supplier bank-account changes"),
            ("administer_entity", "Configure connectors, rules and access"),
            ("view_audit", "Read the audit trail"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Counterparty(SourcedModel):
    """A supplier, a customer or both. Shared across the group's entities; visible to a user
    through the entities it does business with."""

    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, blank=True)
    tax_id = models.CharField(max_length=32, blank=True)
    is_supplier = models.BooleanField(default=False)
    is_customer = models.BooleanField(default=False)
    is_blocked = models.BooleanField(default=False)
    entities = models.ManyToManyField(LegalEntity, related_name="counterparties", blank=True)
    # Which source last set each owned field (name, tax_id, ...), so a conflict can name both sides.
    field_sources = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "counterparties"
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="counterparty_source_external_id_uniq"),
            models.CheckConstraint(condition=Q(is_supplier=True) | Q(is_customer=True), name="counterparty_has_a_role"),
        ]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name


def normalized_account_number() -> Func:
    """The database's normalize_account_number(): letters and digits of account_number, upper case."""
    return Upper(Func(F("account_number"), Value("[^A-Za-z0-9]"), Value(""), Value("g"), function="REGEXP_REPLACE"))


def identifier_constraints(prefix: str) -> list[models.BaseConstraint]:
    """What every stored account identifier obeys (bank accounts and bank-detail changes alike)."""
    return [
        models.CheckConstraint(condition=~Q(iban="") | ~Q(account_number=""), name=f"{prefix}_has_identifier"),
        models.CheckConstraint(condition=Q(country__regex=r"^[A-Z]{2}$"), name=f"{prefix}_country_iso"),
        models.CheckConstraint(condition=Q(iban="") | Q(country=Left("iban", 2)), name=f"{prefix}_iban_country"),
        models.CheckConstraint(
            condition=(Q(bank_code_kind="") & Q(bank_code="")) | (~Q(bank_code_kind="") & ~Q(bank_code="")),
            name=f"{prefix}_bank_code_has_kind",
        ),
        models.CheckConstraint(
            condition=~Q(iban="") | ~Q(country="US") | Q(bank_code_kind=BankCodeKind.ABA),
            name=f"{prefix}_us_account_has_aba",
        ),
        models.CheckConstraint(
            condition=~Q(bank_code_kind=BankCodeKind.ABA) | Q(bank_code__regex=r"^[0-9]{9}$"),
            name=f"{prefix}_aba_nine_digits",
        ),
    ]


class AccountIdentifierMixin(models.Model):
    """The identifier columns of an account, with the older routing_number as an ABA bank code."""

    iban = models.CharField(max_length=34, blank=True, validators=[validate_iban])
    bic = models.CharField(max_length=11, blank=True, validators=[validate_bic])
    account_number = models.CharField(max_length=34, blank=True, help_text="As written; compared normalised.")
    bank_code_kind = models.CharField(max_length=16, blank=True, choices=BankCodeKind.choices)
    bank_code = models.CharField(max_length=11, blank=True, help_text="National bank code, canonical form.")
    # blank here so full_clean() can fill it in clean(); the database requires two capital letters
    country = models.CharField(max_length=2, blank=True, help_text="Where the account is held (the IBAN's country).")

    class Meta:
        abstract = True

    @property
    def identifier(self) -> AccountIdentifier:
        return AccountIdentifier(**{column: getattr(self, column) for column in IDENTIFIER_COLUMNS})

    @property
    def routing_number(self) -> str:
        """The ABA routing number, or "" (payment files and the bank API read it this way)."""
        return self.bank_code if self.bank_code_kind == BankCodeKind.ABA else ""

    @routing_number.setter
    def routing_number(self, value: str) -> None:
        if value:
            self.bank_code_kind, self.bank_code = BankCodeKind.ABA, value
            self.country = self.country or "US"
        elif self.bank_code_kind == BankCodeKind.ABA:
            self.bank_code_kind, self.bank_code = "", ""

    @property
    def display_identifier(self) -> str:
        return self.identifier.display

    def _fallback_country(self) -> str:
        return ""

    def clean(self) -> None:
        """Put the identifier in its canonical form, or say per field what is wrong with it."""
        super().clean()
        identifier, problems = account_identifier_clean(
            iban=self.iban,
            bic=self.bic,
            account_number=self.account_number,
            bank_code_kind=self.bank_code_kind,
            bank_code=self.bank_code,
            country=self.country,
            fallback_country=self._fallback_country(),
        )
        if problems:
            raise ValidationError(problems)
        for column, value in identifier.columns().items():
            setattr(self, column, value)


class BankAccount(AccountIdentifierMixin, SourcedModel):
    """A bank account: one of our own (entity set) or a counterparty's (counterparty set)."""

    entity = models.ForeignKey(
        LegalEntity, null=True, blank=True, on_delete=models.PROTECT, related_name="bank_accounts"
    )
    counterparty = models.ForeignKey(
        Counterparty, null=True, blank=True, on_delete=models.PROTECT, related_name="bank_accounts"
    )
    name = models.CharField(max_length=200)
    currency = CurrencyField()
    bank_name = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="bankaccount_source_external_id_uniq"),
            # one row per account and identifier kind: an IBAN, or a local number in its country
            # under its bank code (two spellings of one number are one account)
            models.UniqueConstraint(
                fields=["iban"], condition=~Q(iban="") & Q(entity__isnull=False), name="bankaccount_own_iban_uniq"
            ),
            models.UniqueConstraint(
                F("country"),
                F("bank_code_kind"),
                F("bank_code"),
                normalized_account_number(),
                condition=Q(iban="") & ~Q(account_number="") & Q(entity__isnull=False),
                name="bankaccount_own_local_account_uniq",
            ),
            models.UniqueConstraint(
                fields=["counterparty", "iban"],
                condition=~Q(iban="") & Q(counterparty__isnull=False),
                name="bankaccount_counterparty_iban_uniq",
            ),
            models.UniqueConstraint(
                F("counterparty"),
                F("country"),
                F("bank_code_kind"),
                F("bank_code"),
                normalized_account_number(),
                condition=Q(iban="") & ~Q(account_number="") & Q(counterparty__isnull=False),
                name="bankaccount_counterparty_local_account_uniq",
            ),
            models.CheckConstraint(
                condition=Q(entity__isnull=True) ^ Q(counterparty__isnull=True), name="bankaccount_one_owner"
            ),
            *identifier_constraints("bankaccount"),
            currency_check("currency", "bankaccount_currency_iso"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.display_identifier})"

    def _fallback_country(self) -> str:
        if self.entity_id and self.entity:
            return self.entity.country
        return self.counterparty.country if self.counterparty_id and self.counterparty else ""


class ExternalRef(models.Model):
    """Cross-reference: a record's identity in another system (source + external id)."""

    source = models.CharField(max_length=64)
    external_id = models.CharField(max_length=128)
    object_type = models.CharField(max_length=100)  # app_label.ModelName
    object_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "object_type", "external_id"], name="externalref_uniq"),
        ]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id} → {self.object_type}#{self.object_id}"


MANUAL_SOURCE = "manual"  # a change a person requested on the page; any other source is a system


class BankAccountChange(AccountIdentifierMixin, SourcedModel):
    """A request to add or change a counterparty's bank details. Payments to the new details
    wait until the change is active; the requester can never verify it."""

    TRANSITIONS = BANK_ACCOUNT_CHANGE_TRANSITIONS

    entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="bank_account_changes")
    counterparty = models.ForeignKey(Counterparty, on_delete=models.PROTECT, related_name="bank_account_changes")
    bank_account = models.ForeignKey(
        BankAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="changes"
    )
    currency = CurrencyField()
    state = models.CharField(
        max_length=16, choices=BankAccountChangeState.choices, default=BankAccountChangeState.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rejected_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text="Why the change was requested (who asked, from which system).")
    rejection_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="bankaccountchange_source_external_id_uniq"),
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True) | ~Q(verified_by=models.F("requested_by")),
                name="bankaccountchange_verifier_is_not_requester",
            ),
            models.CheckConstraint(
                condition=Q(activated_by__isnull=True) | ~Q(activated_by=models.F("requested_by")),
                name="bankaccountchange_activator_is_not_requester",
            ),
            # a change no person asked for (from an import or a connector) needs two people: one
            # verifies it by call-back, another activates it
            models.CheckConstraint(
                condition=Q(activated_by__isnull=True)
                | Q(source=MANUAL_SOURCE)
                | ~Q(activated_by=models.F("verified_by")),
                name="bankaccountchange_system_change_two_people",
            ),
            *identifier_constraints("bankaccountchange"),
            currency_check("currency", "bankaccountchange_currency_iso"),
        ]

    def __str__(self) -> str:
        return f"Bank change {self.pk} for {self.counterparty_id}: {self.iban or self.account_number}"

    def _fallback_country(self) -> str:
        return self.counterparty.country if self.counterparty_id and self.counterparty else ""

    @property
    def is_from_a_system(self) -> bool:
        return self.source != MANUAL_SOURCE

    @property
    def is_pending(self) -> bool:
        return self.state in (BankAccountChangeState.REQUESTED, BankAccountChangeState.VERIFIED)


class CounterpartyKind(models.TextChoices):
    SUPPLIER = "supplier", "Supplier"
    CUSTOMER = "customer", "Customer"


class OwnedField(models.TextChoices):
    NAME = "name", "Name"
    TAX_ID = "tax_id", "Tax id"
    COUNTRY = "country", "Country"
    STATUS = "status", "Status (blocked)"
    BANK_ACCOUNT = "bank_account", "Bank details"


class FieldOwnership(models.Model):
    """Which source system is the system of record for one field of suppliers or of customers.

    A row without an entity is the group-wide default; a row with an entity overrides it when a
    record arrives in that entity's context (e.g. a connector owned by that entity)."""

    kind = models.CharField(max_length=16, choices=CounterpartyKind.choices)
    field = models.CharField(max_length=16, choices=OwnedField.choices)
    source = models.CharField(max_length=64, help_text="The source name records arrive with, e.g. erp, procurement.")
    entity = models.ForeignKey(
        LegalEntity,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="field_ownerships",
        help_text="Empty: the default for the whole group.",
    )
    note = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "field", "entity__code"]
        verbose_name = "system of record"
        verbose_name_plural = "systems of record"
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "field"], condition=Q(entity__isnull=True), name="fieldownership_one_default"
            ),
            models.UniqueConstraint(
                fields=["kind", "field", "entity"],
                condition=Q(entity__isnull=False),
                name="fieldownership_one_per_entity",
            ),
        ]

    def __str__(self) -> str:
        scope = self.entity.code if self.entity_id and self.entity else "group"
        return f"{self.kind}.{self.field} → {self.source} ({scope})"
