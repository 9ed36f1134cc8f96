"""Suppliers, customers and CRM accounts: written through masterdata's counterparty_upsert, the one
place that writes counterparties (systems of record, conflicts, bank-detail changes)."""

from __future__ import annotations

from typing import Any

from finops.masterdata.models import Counterparty, CounterpartyKind, ExternalRef, LegalEntity
from finops.masterdata.services import Outcome, counterparty_upsert
from integrations.connectors.base import Applied, ApplyContext, MappingError
from integrations.states import ApplyOutcome
from integrations.sync.ledger import ledger_object_id
from integrations.sync.mappers import fields
from integrations.sync.mappers.entities import default_entity


def party_data(ctx: ApplyContext, payload: dict[str, Any], *, where: str) -> dict[str, Any]:
    status = fields.text(payload, "status", where=where, required=False, max_length=40)
    bank = payload.get("bank_account")
    if bank is not None and not isinstance(bank, dict):
        raise MappingError(f"{where}: 'bank_account' must be an object or null.")
    return {
        "name": fields.text(payload, "name", where=where),
        "country": fields.text(payload, "country", where=where, required=False, max_length=2),
        "tax_id": fields.text(payload, "tax_id", where=where, required=False, max_length=32),
        "is_blocked": status.lower() in {s.lower() for s in ctx.mapping.get("blocked_statuses") or ()},
        "bank_account": bank or None,
    }


def party_apply(ctx: ApplyContext, payload: dict[str, Any], *, kind: str, resource: str) -> Applied:
    external_id = fields.text(payload, "id", where=resource)
    where = f"{resource} {external_id}"
    entity = default_entity(ctx)
    result = counterparty_upsert(
        source=ctx.source,
        external_id=external_id,
        data=party_data(ctx, payload, where=where),
        kind=kind,
        entity=entity,
        actor=ctx.actor,
    )
    counterparty = result.counterparty
    linked = counterparty.entities.filter(pk=entity.pk).exists()
    counterparty_link(counterparty, entity)
    if result.outcome == Outcome.CREATED:
        return Applied(counterparty, ApplyOutcome.CREATED)
    changed = bool(result.changed) or not linked
    return Applied(counterparty, ApplyOutcome.UPDATED if changed else ApplyOutcome.UNCHANGED)


def counterparty_link(counterparty: Counterparty, entity: LegalEntity) -> Counterparty:
    """A counterparty is visible in the entities it does business with. counterparty_upsert does
    not link entities, so the connectors do it (idempotent: an existing link is left alone)."""
    if not counterparty.entities.filter(pk=entity.pk).exists():
        counterparty.entities.add(entity)
    return counterparty


def supplier_apply(ctx: ApplyContext, payload: dict[str, Any]) -> Applied:
    return party_apply(ctx, payload, kind=CounterpartyKind.SUPPLIER, resource="suppliers")


def customer_apply(ctx: ApplyContext, payload: dict[str, Any]) -> Applied:
    return party_apply(ctx, payload, kind=CounterpartyKind.CUSTOMER, resource="customers")


def counterparty_of(ctx: ApplyContext, external_id: str, *, where: str, resources: tuple[str, ...]) -> Counterparty:
    """The counterparty a source's id was applied to (through the ledger, else source + external id)."""
    for resource in resources:
        object_id = ledger_object_id(source=ctx.source, resource=resource, external_id=external_id)
        if object_id is not None:
            found = Counterparty.objects.filter(pk=object_id).first()
            if found is not None:
                return found
    ref = ExternalRef.objects.filter(
        source=ctx.source, object_type=Counterparty._meta.label, external_id=external_id
    ).values_list("object_id", flat=True)
    found = (
        Counterparty.objects.filter(pk__in=ref).first()
        or Counterparty.objects.filter(source=ctx.source, external_id=external_id).first()
    )
    if found is None:
        raise MappingError(f"{where}: counterparty {external_id!r} from {ctx.source} is not known (yet).")
    return found
