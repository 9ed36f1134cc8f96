"""When matching runs by itself: after an import of invoices, their lines, orders or receipts
(RecordsImported, from master data's import_records), after a person's decision on a supplier
invoice (ApInvoiceDecided), and after a connector's sync (integrations call three_way_after_sync).
Each asks for a run of the entity, enqueued once the transaction that brought the change commits;
a run already queued covers it, one running runs again when it finishes."""

from __future__ import annotations

from collections.abc import Iterable

from finops.invoicing.events import ApInvoiceDecided
from finops.masterdata.events import RecordsImported
from finops.masterdata.models import LegalEntity
from reconciliation.matching.runs import match_run_request
from reconciliation.matching.states import MatchKind, MatchTrigger

AP_IMPORT_KINDS = frozenset({"invoices", "invoice_lines", "purchase_orders", "receipts"})
AP_RESOURCES = frozenset({"invoices", "purchase_orders", "receipts"})


def _three_way(entity_ids: Iterable[int], *, trigger: str, detail: str) -> None:
    for entity in LegalEntity.objects.filter(pk__in=set(entity_ids)).order_by("pk"):
        match_run_request(kind=MatchKind.THREE_WAY, entity=entity, trigger=trigger, detail=detail)


def three_way_after_import(event: RecordsImported) -> None:
    """Subscriber of RecordsImported (registered in reconciliation.matching.registrations)."""
    if event.kind in AP_IMPORT_KINDS and event.entity_ids:
        _three_way(
            event.entity_ids, trigger=MatchTrigger.IMPORT, detail=f"import_records {event.kind} ({event.source})"
        )


def three_way_after_decision(event: ApInvoiceDecided) -> None:
    """Subscriber of ApInvoiceDecided (registered in reconciliation.matching.registrations)."""
    _three_way(
        [event.entity_id], trigger=MatchTrigger.DECISION, detail=f"{event.decision} on invoice {event.invoice_id}"
    )


def three_way_after_sync(*, entity_id: int, resources: Iterable[str], sync_run_id: int) -> None:
    """For integrations, after a sync run that created or updated records: a run of the entity when
    the records included invoices, orders or receipts."""
    pulled = AP_RESOURCES.intersection(resources)
    if pulled:
        _three_way(
            [entity_id], trigger=MatchTrigger.SYNC, detail=f"sync run {sync_run_id}: {', '.join(sorted(pulled))}"
        )
