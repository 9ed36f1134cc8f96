"""Our own (house-bank) accounts, added and edited one at a time by an admin of their entity on
our pages. Files of them come through import_records bank_accounts; a counterparty's account
changes only through a bank-detail change (bank_changes).

The identifier fields are listed once (IDENTIFIER_FIELDS) and checked in house_account_clean:
a new kind of identifier is a new field there and a new check, and the form, the page and the
audit trail follow.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from finops.accounts.models import User
from finops.accounts.roles import ADMINISTER_ENTITY
from finops.accounts.selectors import require_entity_perm
from finops.audit.services import audit_record
from finops.core.money import validate_currency
from finops.masterdata.models import BankAccount, LegalEntity
from finops.masterdata.validators import normalize_iban, validate_bic, validate_iban, validate_routing_number

IDENTIFIER_FIELDS = ("iban", "bic", "account_number", "routing_number")


@dataclass(frozen=True)
class HouseAccountData:
    name: str
    currency: str
    iban: str = ""
    bic: str = ""
    account_number: str = ""
    routing_number: str = ""
    bank_name: str = ""
    is_active: bool = True


def house_account_clean(data: HouseAccountData, *, entity: LegalEntity) -> tuple[HouseAccountData, dict[str, str]]:
    """The data as stored (IBAN and BIC without spaces, upper case; text trimmed) and what is
    wrong with it, by field."""
    clean = replace(
        data,
        name=data.name.strip(),
        currency=data.currency.strip().upper(),
        iban=normalize_iban(data.iban),
        bic="".join(data.bic.split()).upper(),
        account_number=data.account_number.strip(),
        routing_number=data.routing_number.strip(),
        bank_name=data.bank_name.strip(),
    )
    problems: dict[str, str] = {}
    if not clean.name:
        problems["name"] = "Required: how people here call the account."
    for field, check in (("currency", validate_currency), ("iban", validate_iban), ("bic", validate_bic)):
        value = getattr(clean, field)
        if value or field == "currency":
            try:
                check(value)
            except ValidationError as exc:
                problems[field] = " ".join(exc.messages)
    if not clean.iban and not clean.account_number:
        problems["iban"] = "Give an IBAN or an account number."
    if clean.account_number and not clean.iban:
        if clean.routing_number:
            try:
                validate_routing_number(clean.routing_number)
            except ValidationError as exc:
                problems["routing_number"] = " ".join(exc.messages)
        elif entity.country == "US":
            problems["routing_number"] = "A US account needs its ABA routing number (nine digits)."
    return clean, problems


def _taken(clean: HouseAccountData, *, but: int | None) -> dict[str, str]:
    """An account of ours that already has this identifier (the database refuses it too)."""
    others = BankAccount.objects.filter(entity__isnull=False).select_related("entity")
    if but is not None:
        others = others.exclude(pk=but)
    if clean.iban and (same := others.filter(iban=clean.iban).first()):
        return {"iban": f"{clean.iban} is already our account {same.name} ({same.entity.code if same.entity else ''})."}
    if clean.account_number and not clean.iban:
        same = others.filter(account_number=clean.account_number, routing_number=clean.routing_number).first()
        if same is not None:
            code = same.entity.code if same.entity else ""
            return {"account_number": f"{clean.account_number} is already our account {same.name} ({code})."}
    return {}


def _shown(clean: HouseAccountData) -> dict[str, object]:
    return {key: value for key, value in asdict(clean).items() if value not in ("", None)}


@transaction.atomic
def house_account_create(*, actor: User, entity: LegalEntity, data: HouseAccountData) -> BankAccount:
    """Add one of the entity's own accounts. ValidationError names each field that is wrong.
    Not idempotent: the same identifier twice is refused (and by the database too)."""
    require_entity_perm(actor, ADMINISTER_ENTITY, entity)
    clean, problems = house_account_clean(data, entity=entity)
    problems = problems or _taken(clean, but=None)
    if problems:
        raise ValidationError(problems)
    try:
        with transaction.atomic():
            account = BankAccount.objects.create(
                entity=entity,
                source="manual",
                external_id=f"{entity.code}:{clean.iban or f'{clean.routing_number}/{clean.account_number}'}"[:128],
                **asdict(clean),
            )
    except IntegrityError as exc:  # added by someone else a moment ago
        raise ValidationError({"iban" if clean.iban else "account_number": "That account was just added."}) from exc
    audit_record(account, action="bank_account.created", actor=actor, after=_shown(clean))
    return account


@transaction.atomic
def house_account_update(*, actor: User, account_id: int, data: HouseAccountData) -> BankAccount:
    """Change one of our accounts (its entity stays). Only the fields that change are written and
    audited, before and after; the same data again changes nothing."""
    account = BankAccount.objects.select_for_update().select_related("entity").get(pk=account_id, entity__isnull=False)
    entity = account.entity
    assert entity is not None
    require_entity_perm(actor, ADMINISTER_ENTITY, entity)
    clean, problems = house_account_clean(data, entity=entity)
    problems = problems or _taken(clean, but=account.pk)
    if problems:
        raise ValidationError(problems)
    changed = {field: value for field, value in asdict(clean).items() if getattr(account, field) != value}
    if not changed:
        return account
    before = {field: getattr(account, field) for field in changed}
    try:
        with transaction.atomic():
            BankAccount.objects.filter(pk=account.pk).update(**changed)
    except IntegrityError as exc:
        raise ValidationError({"iban" if clean.iban else "account_number": "That account was just added."}) from exc
    for field, value in changed.items():
        setattr(account, field, value)
    audit_record(account, action="bank_account.changed", actor=actor, before=before, after=changed)
    return account
