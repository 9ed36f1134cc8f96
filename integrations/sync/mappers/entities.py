"""Which of our legal entities a record belongs to."""

from __future__ import annotations

from finops.masterdata.models import LegalEntity
from integrations.connectors.base import ApplyContext, MappingError, SkipRecord


def entity_of(ctx: ApplyContext, code: str, *, where: str) -> LegalEntity:
    """The connector's own entity, or one the admin mapped explicitly under 'entities'.

    A system of record that serves the whole group (one ERP, several entities) is connected once
    per entity: each connector applies its own entity's records and skips the others' (SkipRecord),
    unless its mapping accepts them. An entity code we do not know at all is a mapping error."""
    own = ctx.connector.entity
    if not code:
        return own
    mapped: dict[str, str] = ctx.mapping.get("entities") or {}
    ours = mapped.get(code, code)
    if ours == own.code:
        return own
    entity = LegalEntity.objects.filter(code=ours).first()
    if code in mapped:
        if entity is None:
            raise MappingError(f"{where}: entity {code!r} is mapped to {ours!r}, which does not exist.")
        return entity
    if entity is None:
        raise MappingError(f"{where}: entity {code!r} is not one of ours; map it under 'entities'.")
    raise SkipRecord(f"{where} belongs to {entity.code}.", entity_code=entity.code)


def default_entity(ctx: ApplyContext) -> LegalEntity:
    """Where counterparties from this connector do business: 'default_entity', else the connector's."""
    code = ctx.mapping.get("default_entity") or ""
    if not code or code == ctx.connector.entity.code:
        return ctx.connector.entity
    entity = LegalEntity.objects.filter(code=code).first()
    if entity is None:
        raise MappingError(f"'default_entity' {code!r} does not exist.")
    return entity
