"""Counterparties do business with an entity once one of its invoices or orders names them."""

from __future__ import annotations

from collections.abc import Iterable

from finops.masterdata.models import Counterparty


def entity_links_add(pairs: Iterable[tuple[int, int]]) -> None:
    """Link (counterparty_id, entity_id) pairs. Idempotent: existing links are skipped by the
    through table's unique constraint."""
    through = Counterparty.entities.through
    through.objects.bulk_create(
        [through(counterparty_id=cp, legalentity_id=entity) for cp, entity in sorted(set(pairs))],
        ignore_conflicts=True,
    )
