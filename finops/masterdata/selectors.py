from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db.models import QuerySet

from finops.accounts.models import User
from finops.accounts.roles import APPROVE_BANK_CHANGES
from finops.accounts.selectors import entities_for
from finops.core.scoping import scoped, scoped_get
from finops.masterdata.models import (
    BankAccount,
    BankAccountChange,
    Counterparty,
    ExternalRef,
    normalized_account_number,
)
from finops.masterdata.states import BankAccountChangeState


def counterparty_list(*, user: User) -> QuerySet[Counterparty]:
    """Counterparties doing business with at least one of the user's entities."""
    visible = Counterparty.objects.filter(entities__in=entities_for(user)).values("pk")
    return Counterparty.objects.filter(pk__in=visible)


def counterparty_get(*, user: User, pk: int) -> Counterparty:
    return scoped_get(
        counterparty_list(user=user).prefetch_related("bank_accounts", "entities"), user, pk=pk, via="entities"
    )


def bank_account_list(*, user: User) -> QuerySet[BankAccount]:
    """Our own accounts (house banks) in the user's entities."""
    return scoped(BankAccount.objects.select_related("entity"), user)


def bank_account_get(*, user: User, pk: int) -> BankAccount:
    return scoped_get(bank_account_list(user=user), user, pk=pk)


def own_bank_account_by_key(key: tuple[str, ...]) -> BankAccount | None:
    """Our own account with this identifier key (AccountIdentifier.key), in any entity."""
    own = BankAccount.objects.filter(entity__isnull=False).select_related("entity")
    if key[0] == "iban":
        return own.filter(iban=key[1]).first()
    _, country, kind, code, number = key
    return (
        own.filter(iban="", country=country, bank_code_kind=kind, bank_code=code)
        .annotate(normalized_number=normalized_account_number())
        .filter(normalized_number=number)
        .first()
    )


PENDING_CHANGE_STATES = (BankAccountChangeState.REQUESTED, BankAccountChangeState.VERIFIED)


def bank_change_list(*, user: User) -> QuerySet[BankAccountChange]:
    """Bank-detail changes of the user's entities, newest first."""
    return scoped(
        BankAccountChange.objects.select_related("entity", "counterparty", "requested_by", "verified_by"),
        user,
    ).order_by("-created_at", "-id")


def bank_change_get(*, user: User, pk: int) -> BankAccountChange:
    return scoped_get(
        bank_change_list(user=user).select_related("bank_account", "activated_by", "rejected_by"), user, pk=pk
    )


def bank_change_can_decide(*, user: User, change: BankAccountChange) -> bool:
    """Whether the detail page offers verify/activate/reject to this user."""
    return (
        change.is_pending
        and user.has_perm(f"masterdata.{APPROVE_BANK_CHANGES}", change.entity)
        and change.requested_by_id != user.pk
    )


HeldFinder = Callable[[User, int], "QuerySet[Any] | Sequence[Any]"]
_HELD_FINDERS: list[HeldFinder] = []


def held_for_account_register(finder: HeldFinder) -> None:
    """Called at start-up by an app whose records wait for a bank account's details (payables:
    the payments held for it): finder(user, bank_account_id) returns what the user may see."""
    if finder not in _HELD_FINDERS:
        _HELD_FINDERS.append(finder)


def held_for_account(user: User, bank_account_id: int, *, limit: int = 100) -> list[Any]:
    """What waits for the bank account's details to be verified, as far as the user may see it."""
    held: list[Any] = []
    for finder in _HELD_FINDERS:
        held.extend(finder(user, bank_account_id)[: limit - len(held)])
    return held


def bank_change_can_activate(*, user: User, change: BankAccountChange) -> bool:
    """A verified change is activated by a controller who did not request it and, for a change from
    a system, did not verify it either."""
    return (
        change.state == BankAccountChangeState.VERIFIED
        and bank_change_can_decide(user=user, change=change)
        and not (change.is_from_a_system and change.verified_by_id == user.pk)
    )


def bank_account_hold_reason(account: BankAccount) -> str:
    """Why payments to `account` must wait, or "" when it may be paid."""
    pending = (
        BankAccountChange.objects.filter(bank_account=account, state__in=PENDING_CHANGE_STATES).order_by("pk").first()
    )
    if pending is not None:
        return f"Bank-detail change {pending.pk} is {pending.get_state_display().lower()}, not yet active."
    if not account.is_active:
        return f"Bank account {account.display_identifier} is not active."
    return ""


def counterparties_by_reference(*, source: str, external_ids: Iterable[str]) -> dict[str, Counterparty]:
    """Counterparties as `source` knows them: through an ExternalRef, or created by that source."""
    wanted = set(external_ids)
    refs = dict(
        ExternalRef.objects.filter(
            source=source, object_type=Counterparty._meta.label, external_id__in=wanted
        ).values_list("external_id", "object_id")
    )
    by_pk = Counterparty.objects.in_bulk(refs.values())
    found = {external_id: by_pk[pk] for external_id, pk in refs.items() if pk in by_pk}
    for counterparty in Counterparty.objects.filter(source=source, external_id__in=wanted - found.keys()):
        found[counterparty.external_id] = counterparty
    return found
