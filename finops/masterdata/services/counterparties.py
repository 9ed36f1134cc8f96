"""The one place that writes counterparties from any source (CSV import, connectors' sync engine).

Identity: a counterparty is known to each source by (source, external_id) through ExternalRef.
An incoming record is matched to an existing counterparty by that reference, then by an explicit
cross-reference (`same_as`), then by tax id, so two systems describing the same supplier meet
on one record and their disagreements become visible.

Authority: each owned field has a system of record (finops.masterdata.sor). The owner's value is
applied; a different value from another source is not, and opens a master-data conflict. A
counterparty's first bank details from their owner are put on file; after that, bank details never
change here: they become a BankAccountChange that a controller verifies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final, Literal

import pycountry
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from finops.accounts.models import User
from finops.audit.services import audit_record
from finops.masterdata.bank_identifiers import COUNTRY_CURRENCY
from finops.masterdata.events import CounterpartyConflict
from finops.masterdata.models import (
    BankAccountChange,
    Counterparty,
    CounterpartyKind,
    ExternalRef,
    LegalEntity,
    OwnedField,
)
from finops.masterdata.selectors import PENDING_CHANGE_STATES
from finops.masterdata.services.bank_changes import BankDetails, bank_account_onboard, bank_change_record
from finops.masterdata.sor import field_owners
from finops.outbox.events import event_notify

COUNTERPARTY = Counterparty._meta.label
DATA_KEYS = frozenset({"name", "country", "tax_id", "is_blocked", "status", "bank_account"})
ONBOARDED: Final = "onboarded"  # _apply_bank put the counterparty's first account on file

# Owned fields kept in plain columns (bank details are handled by BankAccountChange).
_COLUMNS: dict[str, str] = {OwnedField.NAME: "name", OwnedField.TAX_ID: "tax_id", OwnedField.COUNTRY: "country"}


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"


@dataclass(frozen=True)
class FieldConflict:
    field: str
    current: str
    current_source: str
    incoming: str
    incoming_source: str
    owner: str
    message: str = ""


@dataclass(frozen=True)
class UpsertResult:
    outcome: Outcome
    counterparty: Counterparty
    changed: tuple[str, ...] = ()
    conflicts: tuple[FieldConflict, ...] = ()
    bank_change: BankAccountChange | None = None
    matched_by: str = ""  # "reference", "same_as", "tax_id" or "" for a new counterparty


@dataclass
class _Incoming:
    values: dict[str, Any] = field(default_factory=dict)  # owned field -> cleaned value
    bank: BankDetails | None = None
    bank_raw: str = ""


def normalize_tax_id(value: str) -> str:
    return "".join(value.split()).upper()


def _clean(data: Mapping[str, Any]) -> _Incoming:
    unknown = set(data) - DATA_KEYS
    if unknown:
        raise ValidationError(f"Unknown counterparty fields: {', '.join(sorted(unknown))}.")
    incoming = _Incoming()
    name = str(data.get("name") or "").strip()
    if len(name) > 200:
        raise ValidationError({"name": "At most 200 characters."})
    if name:
        incoming.values[OwnedField.NAME] = name
    country = str(data.get("country") or "").strip().upper()
    if country:
        if pycountry.countries.get(alpha_2=country) is None:
            raise ValidationError({"country": f"{country!r} is not an ISO 3166 country code."})
        incoming.values[OwnedField.COUNTRY] = country
    tax_id = normalize_tax_id(str(data.get("tax_id") or ""))
    if len(tax_id) > 32:
        raise ValidationError({"tax_id": "At most 32 characters."})
    if tax_id:
        incoming.values[OwnedField.TAX_ID] = tax_id
    if data.get("is_blocked") is not None:
        incoming.values[OwnedField.STATUS] = bool(data["is_blocked"])
    elif data.get("status"):
        status = str(data["status"]).strip().lower()
        if status not in ("active", "blocked"):
            raise ValidationError({"status": f"{status!r} is neither active nor blocked."})
        incoming.values[OwnedField.STATUS] = status == "blocked"
    bank = data.get("bank_account")
    if bank:
        incoming.bank = BankDetails.from_mapping(bank)
        incoming.bank_raw = str(incoming.bank)
        if incoming.bank.is_empty:
            incoming.bank = None
    return incoming


def _current(counterparty: Counterparty, owned: str) -> Any:
    return counterparty.is_blocked if owned == OwnedField.STATUS else getattr(counterparty, _COLUMNS[owned])


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "blocked" if value else "active"
    return str(value)


def _by_reference(source: str, external_id: str) -> tuple[Counterparty | None, bool]:
    """(counterparty, has an ExternalRef) for a source's own id."""
    ref = ExternalRef.objects.filter(source=source, object_type=COUNTERPARTY, external_id=external_id).first()
    if ref is not None:
        return Counterparty.objects.select_for_update().filter(pk=ref.object_id).first(), True
    return Counterparty.objects.select_for_update().filter(source=source, external_id=external_id).first(), False


def _match(
    source: str, external_id: str, incoming: _Incoming, same_as: tuple[str, str] | None
) -> tuple[Counterparty | None, str, bool]:
    found, has_ref = _by_reference(source, external_id)
    if found is not None:
        return found, "reference", has_ref
    if same_as is not None:
        found, _ = _by_reference(*same_as)
        if found is not None:
            return found, "same_as", False
    tax_id = incoming.values.get(OwnedField.TAX_ID)
    if tax_id:
        # Only an unambiguous tax id is a match; two records sharing one is itself a data problem.
        candidates = list(Counterparty.objects.filter(tax_id=tax_id).order_by("pk").values_list("pk", flat=True)[:2])
        if len(candidates) == 1:
            return Counterparty.objects.select_for_update().get(pk=candidates[0]), "tax_id", False
    return None, "", False


def _home_entity(counterparty: Counterparty, entity: LegalEntity | None) -> LegalEntity | None:
    """Where a conflict or a bank change about this counterparty is worked: the caller's entity,
    else the first entity the counterparty does business with, else the group's first entity."""
    if entity is not None:
        return entity
    return counterparty.entities.order_by("code").first() or LegalEntity.objects.order_by("code").first()


def _conflict_open(counterparty: Counterparty, conflict: FieldConflict, entity: LegalEntity | None) -> None:
    home = _home_entity(counterparty, entity)
    if home is None:
        return  # no legal entity exists yet: nowhere to queue it; the result still reports it
    label = OwnedField(conflict.field).label.lower()
    title = conflict.message or (
        f"{counterparty.name}: {label} differs between {conflict.current_source} and {conflict.incoming_source}"
    )
    # the exception queue opens a master-data conflict (reconciliation.exceptions.registrations)
    event_notify(
        CounterpartyConflict(
            entity=home,
            counterparty=counterparty,
            title=title,
            # one open conflict per counterparty and field, whichever source raises it again
            cause=f"{COUNTERPARTY}:{counterparty.source}:{counterparty.external_id}:{conflict.field}",
            detail={
                "field": conflict.field,
                "counterparty": counterparty.name,
                "current value": conflict.current,
                "current source": conflict.current_source,
                "incoming value": conflict.incoming,
                "incoming source": conflict.incoming_source,
                "system of record": conflict.owner,
                **({"problem": conflict.message} if conflict.message else {}),
            },
        )
    )


def entity_links_add(pairs: Iterable[tuple[int, int]]) -> None:
    """A counterparty does business with an entity once one of its invoices or orders names them:
    link (counterparty_id, entity_id) pairs, set-based. Idempotent: existing links are skipped by
    the through table's unique constraint."""
    through = Counterparty.entities.through
    through.objects.bulk_create(
        [through(counterparty_id=cp, legalentity_id=entity) for cp, entity in sorted(set(pairs))],
        ignore_conflicts=True,
        batch_size=2000,
    )


def _create(*, source: str, external_id: str, incoming: _Incoming, kind: str, actor: User | None) -> Counterparty:
    name = incoming.values.get(OwnedField.NAME)
    if not name:
        raise ValidationError({"name": "A new counterparty needs a name."})
    counterparty = Counterparty.objects.create(
        source=source,
        external_id=external_id,
        name=name,
        country=incoming.values.get(OwnedField.COUNTRY, ""),
        tax_id=incoming.values.get(OwnedField.TAX_ID, ""),
        is_blocked=incoming.values.get(OwnedField.STATUS, False),
        is_supplier=kind == CounterpartyKind.SUPPLIER,
        is_customer=kind == CounterpartyKind.CUSTOMER,
        field_sources={owned: source for owned in incoming.values},
    )
    ExternalRef.objects.create(
        source=source, external_id=external_id, object_type=COUNTERPARTY, object_id=counterparty.pk
    )
    audit_record(
        counterparty,
        action="counterparty.created",
        actor=actor,
        reason=f"from {source}",
        after={_COLUMNS.get(k, "is_blocked"): v for k, v in incoming.values.items()} | {"kind": kind},
    )
    return counterparty


def _apply_fields(
    counterparty: Counterparty, incoming: _Incoming, *, source: str, kind: str, owners: dict[str, str]
) -> tuple[dict[str, Any], list[FieldConflict]]:
    """The column updates this source may make, and the conflicts where it may not."""
    updates: dict[str, Any] = {}
    conflicts: list[FieldConflict] = []
    sources = dict(counterparty.field_sources or {})
    for owned, value in incoming.values.items():
        current = _current(counterparty, owned)
        if value == current:
            continue
        column = _COLUMNS.get(owned, "is_blocked")
        # An empty field is filled by whoever knows it; only a value can be contradicted.
        if owners.get(owned) == source or (current == "" and owned != OwnedField.STATUS):
            updates[column] = value
            sources[owned] = source
            continue
        conflicts.append(
            FieldConflict(
                field=owned,
                current=_show(current),
                current_source=sources.get(owned, counterparty.source),
                incoming=_show(value),
                incoming_source=source,
                owner=owners.get(owned, ""),
            )
        )
    role = "is_supplier" if kind == CounterpartyKind.SUPPLIER else "is_customer"
    if not getattr(counterparty, role):
        updates[role] = True
    if updates:
        updates["field_sources"] = sources
    return updates, conflicts


def _apply_bank(
    counterparty: Counterparty,
    incoming: _Incoming,
    *,
    source: str,
    kind: str,
    owner: str,
    entity: LegalEntity | None,
    actor: User | None,
) -> tuple[BankAccountChange | Literal["onboarded"] | None, FieldConflict | None]:
    """What the incoming bank details do: a requested change, the counterparty's first account
    (ONBOARDED), a conflict, or nothing."""
    if incoming.bank is None:
        return None, None
    active = list(counterparty.bank_accounts.filter(is_active=True).order_by("pk"))
    current = ", ".join(str(BankDetails.of(a)) for a in active) or "none"
    current_source = (counterparty.field_sources or {}).get(OwnedField.BANK_ACCOUNT, counterparty.source)
    details, problems = incoming.bank.cleaned(fallback_country=counterparty.country)
    if problems:
        message = f"{counterparty.name}: bank details from {source} refused: " + " ".join(problems.values())
        return None, FieldConflict(
            OwnedField.BANK_ACCOUNT, current, current_source, incoming.bank_raw, source, owner, message[:200]
        )
    if any(details.same_as(account) for account in active):
        return None, None
    pending = list(counterparty.bank_account_changes.filter(state__in=PENDING_CHANGE_STATES))
    if any(details.same_as(change) for change in pending):
        return None, None  # already asked for; a re-sent record asks nothing new
    if source != owner:
        # Only the system of record asks for bank details. Another source that disagrees with
        # what the owner gave is a conflict; with nothing from the owner to compare, it is noise.
        if active or pending:
            return None, FieldConflict(OwnedField.BANK_ACCOUNT, current, current_source, str(details), source, owner)
        return None, None
    home = _home_entity(counterparty, entity)
    if home is None:
        raise ValidationError({"bank_account": "No legal entity exists to verify bank details in."})
    # The account's own currency: as sent, else that of the active account it replaces in the
    # same country, else its country's; never the currency of the entity that synced it.
    same_country = [a.currency for a in active if a.country == details.country]
    currency = details.currency or (same_country[0] if same_country else COUNTRY_CURRENCY.get(details.country, ""))
    if not currency:
        message = (
            f"{counterparty.name}: bank details from {source} name no currency, and {details.country} has none on file."
        )
        return None, FieldConflict(
            OwnedField.BANK_ACCOUNT, current, current_source, str(details), source, owner, message[:200]
        )
    if not pending and not counterparty.bank_accounts.exists():
        # The first details of a counterparty, from their owner: on file at once (bank_account_onboard).
        bank_account_onboard(counterparty, details.with_currency(currency), source=source, actor=actor)
        return ONBOARDED, None
    change = bank_change_record(
        counterparty=counterparty,
        details=details.with_currency(currency),
        entity=home,
        source=source,
        requested_by=actor,
        reason=f"Bank details from {source} ({kind} {counterparty.external_id})",
    )
    return change, None


@transaction.atomic
def counterparty_upsert(
    *,
    source: str,
    external_id: str,
    data: Mapping[str, Any],
    kind: str,
    entity: LegalEntity | None = None,
    actor: User | None = None,
    same_as: tuple[str, str] | None = None,
) -> UpsertResult:
    """Create or update the counterparty `source` knows as `external_id`.

    data keys (all optional except name for a new record; a missing or blank value means "not
    sent", never "clear it"): name, country (ISO alpha-2), tax_id, is_blocked (bool) or status
    ("active"|"blocked"), bank_account ({iban, bic} or {account_number, bank_code_kind, bank_code,
    country}, where "routing_number" is read as an ABA bank code; optional currency). kind is
    "supplier" or "customer" and sets that role. entity is the context the record arrives in
    (a connector's entity): it selects entity-specific systems of record and is where conflicts
    and bank changes are queued. same_as=(source, external_id) is an explicit cross-reference to
    a counterparty another source already sent.

    Per owned field: equal value → nothing; value from the field's system of record → applied;
    an empty field → filled by any source; otherwise → not applied, a master_data_conflict
    exception is opened (dedupe key per counterparty + field) and the outcome is "conflict".
    Bank details: the same as an active account or a pending change → nothing; a counterparty's
    first details from the owner → its account on file (bank_account_onboard); new details from
    the owner → a requested BankAccountChange in the account's own currency (as sent, else its
    country's), never an active account; from another source → a conflict when they disagree with
    what is on file, nothing when nothing is; invalid details → conflict naming why.

    Idempotent: the same record sent again matches the same counterparty through its
    ExternalRef, finds every value equal, and writes nothing (an open conflict is found again
    through its dedupe key; a pending bank change with the same details is not requested twice).
    Raises ValidationError for data that cannot be stored (unknown keys, bad country, no name).
    """
    if kind not in CounterpartyKind.values:
        raise ValidationError({"kind": f"kind must be supplier or customer, not {kind!r}."})
    incoming = _clean(data)
    counterparty, matched_by, has_ref = _match(source, external_id, incoming, same_as)
    owners = field_owners(kind=kind, entity=entity)
    if counterparty is None:
        try:
            with transaction.atomic():
                counterparty = _create(
                    source=source, external_id=external_id, incoming=incoming, kind=kind, actor=actor
                )
        except IntegrityError:
            # Another worker created it between our lookup and our insert: update that one.
            counterparty, matched_by, has_ref = _match(source, external_id, incoming, same_as)
            if counterparty is None:
                raise
        else:
            change, bank_conflict = _apply_bank(
                counterparty,
                incoming,
                source=source,
                kind=kind,
                owner=owners.get(OwnedField.BANK_ACCOUNT, ""),
                entity=entity,
                actor=actor,
            )
            if bank_conflict is not None:
                _conflict_open(counterparty, bank_conflict, entity)
            return UpsertResult(
                Outcome.CREATED,
                counterparty,
                changed=tuple(incoming.values),
                conflicts=(bank_conflict,) if bank_conflict else (),
                bank_change=change if change != ONBOARDED else None,
            )
    if not has_ref:
        ExternalRef.objects.get_or_create(
            source=source, object_type=COUNTERPARTY, external_id=external_id, defaults={"object_id": counterparty.pk}
        )
    updates, conflicts = _apply_fields(counterparty, incoming, source=source, kind=kind, owners=owners)
    if updates:
        before = {column: getattr(counterparty, column) for column in updates if column != "field_sources"}
        Counterparty.objects.filter(pk=counterparty.pk).update(**updates, updated_at=timezone.now())
        for column, value in updates.items():
            setattr(counterparty, column, value)
        audit_record(
            counterparty,
            action="counterparty.updated",
            actor=actor,
            reason=f"from {source}",
            before=before,
            after={column: value for column, value in updates.items() if column != "field_sources"},
        )
    change, bank_conflict = _apply_bank(
        counterparty,
        incoming,
        source=source,
        kind=kind,
        owner=owners.get(OwnedField.BANK_ACCOUNT, ""),
        entity=entity,
        actor=actor,
    )
    if bank_conflict is not None:
        conflicts.append(bank_conflict)
    for conflict in conflicts:
        _conflict_open(counterparty, conflict, entity)
    changed = tuple(column for column in updates if column != "field_sources") + (
        ("bank_account",) if change is not None else ()
    )
    if conflicts:
        outcome = Outcome.CONFLICT
    elif changed:
        outcome = Outcome.UPDATED
    else:
        outcome = Outcome.UNCHANGED
    return UpsertResult(
        outcome, counterparty, changed, tuple(conflicts), change if change != ONBOARDED else None, matched_by
    )
