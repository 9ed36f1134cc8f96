"""Bank-detail changes: requested → verified → active | rejected, and the payments that wait for them.

No source, person or file changes a counterparty's bank details directly. Every change is a
BankAccountChange that a controller who did not request it verifies and activates; until then
the new account exists only as an inactive BankAccount and payments to it are held (payables holds
and releases them on BankAccountOnHold and BankAccountDecided, see finops.masterdata.events).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from finops.accounts.models import User
from finops.accounts.roles import APPROVE_BANK_CHANGES
from finops.accounts.selectors import require_entity_perm, require_entity_work
from finops.accounts.sod import require_not_maker
from finops.audit.services import audit_record
from finops.core.money import validate_currency
from finops.core.workflow import WorkflowError, transition
from finops.masterdata.bank_identifiers import AccountIdentifier, account_identifier_clean
from finops.masterdata.events import BankAccountDecided, BankAccountOnHold
from finops.masterdata.models import BankAccount, BankAccountChange, Counterparty, LegalEntity
from finops.masterdata.selectors import PENDING_CHANGE_STATES
from finops.masterdata.states import BankAccountChangeState
from finops.outbox.events import event_notify


@dataclass(frozen=True)
class BankDetails(AccountIdentifier):
    """Bank details as a source sent them: an account identifier (finops.masterdata.
    bank_identifiers) and the account's currency. cleaned() puts them in canonical form; compare
    only cleaned details."""

    currency: str = ""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> BankDetails:
        """From a source's record; "routing_number" is read as an ABA bank code."""

        def text(key: str) -> str:
            return str(data.get(key) or "").strip()

        kind, code = text("bank_code_kind"), text("bank_code")
        if not code and text("routing_number"):
            kind, code = kind or "aba", text("routing_number")
        return cls(
            iban=text("iban"),
            bic=text("bic"),
            account_number=text("account_number"),
            bank_code_kind=kind,
            bank_code=code,
            country=text("country").upper(),
            currency=text("currency").upper(),
        )

    @classmethod
    def of(cls, obj: BankAccount | BankAccountChange) -> BankDetails:
        return cls(**obj.identifier.columns(), currency=obj.currency)

    def cleaned(self, *, fallback_country: str = "") -> tuple[BankDetails, dict[str, str]]:
        """(These details in canonical form, {field: what is wrong}); the country of an account
        without an IBAN defaults to fallback_country (the counterparty's)."""
        account, problems = account_identifier_clean(**self.columns(), fallback_country=fallback_country)
        if self.currency:
            try:
                validate_currency(self.currency)
            except ValidationError as exc:
                problems["currency"] = " ".join(exc.messages)
        return BankDetails(**account.columns(), currency=self.currency), problems

    def errors(self, *, fallback_country: str = "") -> dict[str, str]:
        """What is wrong with these details, per field; empty when they are valid."""
        return self.cleaned(fallback_country=fallback_country)[1]

    def with_currency(self, currency: str) -> BankDetails:
        return replace(self, currency=currency)

    def same_account(self, other: BankAccount | BankAccountChange) -> bool:
        """The same account, however either was spelt (call on cleaned details)."""
        return self.key == other.identifier.key

    def same_as(self, other: BankAccount | BankAccountChange) -> bool:
        """Same account, and the BIC agrees (a missing BIC in the incoming details is no change)."""
        return self.same_account(other) and (not self.bic or self.bic == other.bic)


def _lock_change(change_id: int) -> BankAccountChange:
    return BankAccountChange.objects.select_for_update().select_related("entity", "counterparty").get(pk=change_id)


def _account_for(counterparty: Counterparty, details: BankDetails, *, source: str, actor: User | None) -> BankAccount:
    """The counterparty's account these details describe, or a new inactive one."""
    for account in counterparty.bank_accounts.select_for_update().order_by("pk"):
        if details.same_account(account):
            return account
    account = BankAccount.objects.create(
        counterparty=counterparty,
        name=counterparty.name[:200],
        **details.columns(),
        currency=details.currency,
        is_active=False,  # payable only once a change to it is verified and activated
        source=source,
        external_id=f"cp{counterparty.pk}:{details.display}"[:128],
    )
    audit_record(account, action="bank_account.created", actor=actor, after={"account": str(details), "active": False})
    return account


def bank_account_onboard(
    counterparty: Counterparty, details: BankDetails, *, source: str, actor: User | None
) -> BankAccount:
    """A counterparty's first bank details, from the system of record that owns them, taken as its
    account on file and payable. Onboarding a supplier or customer is the owner's control (its
    supplier onboarding verifies the account); what the control tower guards is a change of details
    someone relies on, so every later difference is a BankAccountChange. The account records where
    it came from and the audit trail says it was never called back here. Call only with cleaned
    details, for a counterparty with no account and no pending change."""
    account = BankAccount.objects.create(
        counterparty=counterparty,
        name=counterparty.name[:200],
        **details.columns(),
        currency=details.currency,
        is_active=True,
        source=source,
        external_id=f"cp{counterparty.pk}:{details.display}"[:128],
    )
    audit_record(
        account,
        action="bank_account.onboarded",
        actor=actor,
        reason=f"first bank details of {counterparty.name}, from {source}, the system of record for them",
        after={"account": str(details), "currency": details.currency, "active": True},
    )
    return account


@transaction.atomic
def bank_change_request(
    *,
    counterparty: Counterparty,
    details: BankDetails,
    entity: LegalEntity,
    source: str = "manual",
    requested_by: User | None = None,
    reason: str = "",
) -> BankAccountChange:
    """Ask for new bank details for a counterparty on behalf of a person (who must be able to work
    in the entity): a requested change and, for an account not on file yet, an inactive
    BankAccount. Proposed payments to an account under change are held.

    Idempotent: while a change with the same details is pending for the counterparty, that change
    is returned and nothing is written."""
    if requested_by is not None:
        require_entity_work(requested_by, entity)
    return bank_change_record(
        counterparty=counterparty,
        details=details,
        entity=entity,
        source=source,
        requested_by=requested_by,
        reason=reason,
    )


@transaction.atomic
def bank_change_record(
    *,
    counterparty: Counterparty,
    details: BankDetails,
    entity: LegalEntity,
    source: str,
    requested_by: User | None,
    reason: str,
) -> BankAccountChange:
    """bank_change_request without the requester's access check, for intake from a source system
    (the user who started a sync is recorded as requester, not checked). Same idempotency."""
    details, problems = details.cleaned(fallback_country=counterparty.country)
    if not details.currency:
        problems.setdefault("currency", "The account's currency is needed.")
    if problems:
        raise ValidationError(problems)
    counterparty = Counterparty.objects.select_for_update().get(pk=counterparty.pk)
    for pending in counterparty.bank_account_changes.filter(state__in=PENDING_CHANGE_STATES):
        if details.same_as(pending):
            return pending
    account = _account_for(counterparty, details, source=source, actor=requested_by)
    change = BankAccountChange.objects.create(
        entity=entity,
        counterparty=counterparty,
        bank_account=account,
        **{**details.columns(), "bic": details.bic or account.bic},
        currency=details.currency,
        requested_by=requested_by,
        source=source,
        external_id=f"chg-{counterparty.pk}-{timezone.now():%Y%m%d%H%M%S%f}",
        reason=reason,
    )
    audit_record(
        change,
        action="bank_change.requested",
        actor=requested_by,
        reason=reason,
        after={"state": change.state, "account": str(details), "source": source, "counterparty": counterparty.name},
    )
    event_notify(
        BankAccountOnHold(
            account=account, reason=f"Bank-detail change {change.pk} is waiting for verification.", actor=requested_by
        )
    )
    return change


@transaction.atomic
def bank_change_verify(change_id: int, user: User) -> BankAccountChange:
    """requested → verified by a controller of the change's entity who did not request it.
    Not repeatable: a second call finds the change verified and is refused."""
    change = _lock_change(change_id)
    require_entity_perm(user, APPROVE_BANK_CHANGES, change.entity)
    require_not_maker(
        user,
        change.requested_by_id,
        message="You requested this bank-detail change; another controller must verify it.",
    )
    if change.state != BankAccountChangeState.REQUESTED:
        raise WorkflowError(f"Bank-detail change {change.pk} is {change.get_state_display().lower()}, not requested.")
    BankAccountChange.objects.filter(pk=change.pk).update(verified_by=user)
    change.verified_by = user
    transition(change, to=BankAccountChangeState.VERIFIED, actor=user, stamp="verified_at")
    return change


@transaction.atomic
def bank_change_activate(change_id: int, user: User) -> BankAccountChange:
    """verified → active: the change's account becomes the counterparty's active account in its
    currency, the one it replaces is deactivated (its proposed payments held), and payments held
    for the new account go back to proposed. Not repeatable: an active change is refused."""
    change = _lock_change(change_id)
    require_entity_perm(user, APPROVE_BANK_CHANGES, change.entity)
    require_not_maker(
        user,
        change.requested_by_id,
        message="You requested this bank-detail change; another controller must activate it.",
    )
    require_not_maker(
        user,
        change.verified_by_id if change.is_from_a_system else None,
        message=f"You verified this change from {change.source}; another controller must activate it (two people "
        "for details no person asked for).",
    )
    if change.state != BankAccountChangeState.VERIFIED:
        raise WorkflowError(f"Bank-detail change {change.pk} is {change.get_state_display().lower()}, not verified.")
    details = BankDetails.of(change)
    account = _account_for(change.counterparty, details, source=change.source, actor=user)
    before = {"bic": account.bic, "currency": account.currency, "active": account.is_active}
    BankAccount.objects.filter(pk=account.pk).update(
        bic=change.bic, currency=change.currency, is_active=True, updated_at=timezone.now()
    )
    audit_record(
        account,
        action="bank_account.activated",
        actor=user,
        reason=f"Bank-detail change {change.pk}",
        before=before,
        after={"bic": change.bic, "currency": change.currency, "active": True},
    )
    replaced = (
        change.counterparty.bank_accounts.select_for_update()
        .filter(is_active=True, currency=change.currency)
        .exclude(pk=account.pk)
        .order_by("pk")
    )
    for old in replaced:
        BankAccount.objects.filter(pk=old.pk).update(is_active=False, updated_at=timezone.now())
        audit_record(
            old,
            action="bank_account.deactivated",
            actor=user,
            reason=f"Replaced by bank-detail change {change.pk}",
            before={"active": True},
            after={"active": False},
        )
        old.is_active = False
        event_notify(
            BankAccountOnHold(account=old, reason=f"Account replaced by bank-detail change {change.pk}.", actor=user)
        )
    BankAccountChange.objects.filter(pk=change.pk).update(activated_by=user, bank_account=account)
    change.activated_by, change.bank_account = user, account
    transition(
        change, to=BankAccountChangeState.ACTIVE, actor=user, stamp="activated_at", extra={"account": str(details)}
    )
    event_notify(BankAccountDecided(account=account, reason=f"Bank-detail change {change.pk} is active.", actor=user))
    return change


@transaction.atomic
def bank_change_reject(change_id: int, user: User, reason: str) -> BankAccountChange:
    """requested|verified → rejected, with a reason. The new account stays inactive and payments
    held for it stay held; payments to an active account the change touched are released.
    Not repeatable: a rejected change is refused."""
    if not reason.strip():
        raise WorkflowError("Say why the bank-detail change is rejected.")
    change = _lock_change(change_id)
    require_entity_perm(user, APPROVE_BANK_CHANGES, change.entity)
    if not change.is_pending:
        raise WorkflowError(f"Bank-detail change {change.pk} is {change.get_state_display().lower()} already.")
    BankAccountChange.objects.filter(pk=change.pk).update(rejected_by=user, rejection_reason=reason)
    change.rejected_by, change.rejection_reason = user, reason
    transition(change, to=BankAccountChangeState.REJECTED, actor=user, reason=reason, stamp="rejected_at")
    if change.bank_account is not None:
        event_notify(
            BankAccountDecided(
                account=change.bank_account, reason=f"Bank-detail change {change.pk} was rejected.", actor=user
            )
        )
    return change
