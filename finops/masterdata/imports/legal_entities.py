"""legal_entities: code,name,country,base_currency — upsert by code (the entity's external id)."""

from __future__ import annotations

from dataclasses import dataclass

from finops.accounts.models import User
from finops.audit.services import audit_record
from finops.masterdata.imports.base import Checker, Columns, Row, Tally
from finops.masterdata.models import LegalEntity

COLUMNS = Columns(required=("code", "name", "country", "base_currency"))


@dataclass(frozen=True)
class Planned:
    row: Row
    code: str
    name: str
    country: str
    base_currency: str


def plan(rows: list[Row], checker: Checker, *, source: str) -> list[Planned]:
    seen: dict[tuple[str, ...], int] = {}
    existing = LegalEntity.objects.in_bulk({row["code"] for row in rows}, field_name="code")
    planned = []
    for row in rows:
        code = checker.text(row, "code", max_length=16)
        if code:
            checker.unique(row, (code,), "code", seen)
        item = Planned(
            row,
            code,
            checker.text(row, "name"),
            checker.country(row, "country"),
            checker.currency(row, "base_currency"),
        )
        entity = existing.get(code)
        if entity is not None and item.base_currency and entity.base_currency != item.base_currency:
            # Every amount already booked in the entity is in its base currency.
            checker.fail(
                row, "base_currency", f"{code} keeps its books in {entity.base_currency}; an import cannot change that."
            )
        planned.append(item)
    return planned


def write(planned: list[Planned], *, tally: Tally, source: str, actor: User | None) -> None:
    """Idempotent: an entity whose name and country already match is left untouched."""
    existing = LegalEntity.objects.select_for_update().in_bulk([p.code for p in planned], field_name="code")
    for item in planned:
        entity = existing.get(item.code)
        values = {"name": item.name, "country": item.country, "base_currency": item.base_currency}
        if entity is None:
            entity = LegalEntity.objects.create(source=source, external_id=item.code, code=item.code, **values)
            audit_record(entity, action="legal_entity.imported", actor=actor, reason=f"from {source}", after=values)
            tally.count("created")
            continue
        changed = {k: v for k, v in values.items() if getattr(entity, k) != v}
        if not changed:
            tally.count("unchanged")
            continue
        before = {k: getattr(entity, k) for k in changed}
        LegalEntity.objects.filter(pk=entity.pk).update(**changed)
        audit_record(
            entity, action="legal_entity.updated", actor=actor, reason=f"from {source}", before=before, after=changed
        )
        tally.count("updated")
