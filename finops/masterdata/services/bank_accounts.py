"""Our own (house-bank) accounts, registered one at a time by an admin of the entity (the page
and POST /api/bank-accounts/); files of them come through import_records bank_accounts."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from finops.accounts.models import User
from finops.accounts.roles import ADMINISTER_ENTITY
from finops.accounts.selectors import require_entity_perm
from finops.audit.services import audit_record
from finops.core.money import validate_currency
from finops.masterdata.bank_identifiers import AccountIdentifier, account_identifier_clean
from finops.masterdata.models import BankAccount, LegalEntity
from finops.masterdata.selectors import own_bank_account_by_key

IDENTIFIER_FIELDS = ("iban", "bic", "account_number", "bank_code_kind", "bank_code", "country", "routing_number")


def _identified(*, entity: LegalEntity, name: str, currency: str, identifier: dict[str, str]) -> AccountIdentifier:
    """The account's identifier, cleaned; ValidationError naming every field that is wrong."""
    unknown = set(identifier) - set(IDENTIFIER_FIELDS)
    if unknown:
        raise ValidationError({field: "Not a field of a bank account." for field in sorted(unknown)})
    account, problems = account_identifier_clean(
        **{field: str(identifier.get(field) or "") for field in IDENTIFIER_FIELDS}, fallback_country=entity.country
    )
    try:
        validate_currency(currency)
    except ValidationError as exc:
        problems["currency"] = " ".join(exc.messages)
    if not name.strip():
        problems["name"] = "Required."
    if problems:
        raise ValidationError(problems)
    return account


def _taken(account: AccountIdentifier, *, but: int | None) -> str:
    """The field an identifier goes in; ValidationError when another of our accounts has it."""
    field = "iban" if account.iban else "account_number"
    taken = own_bank_account_by_key(account.key)
    if taken is not None and taken.pk != but:
        raise ValidationError({field: f"{account.display} is already an account of {taken.entity}."})
    return field


@transaction.atomic
def bank_account_create(
    *,
    actor: User,
    entity: LegalEntity,
    name: str,
    currency: str,
    bank_name: str = "",
    **identifier: str,
) -> BankAccount:
    """Register one of the entity's own accounts: an IBAN, or an account number in its country
    (the entity's unless given) with the bank code its payments need. ValidationError names each
    field that is wrong, or the field of an account already on file. Not idempotent: the same
    account twice is refused (the database refuses it too). identifier: iban, bic, account_number,
    bank_code_kind, bank_code, country, routing_number (any may be blank; other names are refused)."""
    require_entity_perm(actor, ADMINISTER_ENTITY, entity)
    account = _identified(entity=entity, name=name, currency=currency, identifier=identifier)
    field = _taken(account, but=None)
    try:
        with transaction.atomic():
            created = BankAccount.objects.create(
                entity=entity,
                name=name.strip(),
                **account.columns(),
                currency=currency,
                bank_name=bank_name.strip(),
                source="manual",
                external_id=":".join(part for part in account.key[1:] if part)[:128],
            )
    except IntegrityError as exc:  # registered by someone else a moment ago
        raise ValidationError({field: f"{account.display} is already on file."}) from exc
    audit_record(
        created,
        action="bank_account.created",
        actor=actor,
        after={"account": str(account), "currency": currency, "name": created.name},
    )
    return created


@transaction.atomic
def bank_account_update(
    *,
    actor: User,
    account_id: int,
    name: str,
    currency: str,
    bank_name: str = "",
    is_active: bool = True,
    **identifier: str,
) -> BankAccount:
    """Change one of our own accounts (it keeps its entity), by an admin of its entity. Only the
    fields that change are written and audited, with what they replaced; the same values again
    change nothing. The same rules as bank_account_create."""
    account = BankAccount.objects.select_for_update().select_related("entity").get(pk=account_id, entity__isnull=False)
    entity = account.entity
    assert entity is not None
    require_entity_perm(actor, ADMINISTER_ENTITY, entity)
    identified = _identified(entity=entity, name=name, currency=currency, identifier=identifier)
    field = _taken(identified, but=account.pk)
    wanted = {
        "name": name.strip(),
        **identified.columns(),
        "currency": currency,
        "bank_name": bank_name.strip(),
        "is_active": is_active,
    }
    changed = {column: value for column, value in wanted.items() if getattr(account, column) != value}
    if not changed:
        return account
    before = {column: getattr(account, column) for column in changed}
    try:
        with transaction.atomic():
            BankAccount.objects.filter(pk=account.pk).update(**changed)
    except IntegrityError as exc:  # registered by someone else a moment ago
        raise ValidationError({field: f"{identified.display} is already on file."}) from exc
    for column, value in changed.items():
        setattr(account, column, value)
    audit_record(account, action="bank_account.changed", actor=actor, before=before, after=changed)
    return account
