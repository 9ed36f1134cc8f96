"""What `manage.py export_matches three_way` writes: one row per supplier invoice the 3-way match
judged against an order, with its latest verdict.

Columns `invoice_number,status,reasons`: status `matched` or `exception`, reasons the reason codes
separated by `;` (empty for matched). Invoices without a purchase order that wait for an approver
(verdict needs_approval) are not 3-way matched and are not rows; the summary counts them. A
cancelled invoice is not a row; an invoice approved since keeps the verdict it had (an exception
whose variance a person accepted stays an exception here: the variance was accepted, not gone).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from finops.invoicing.models import InvoiceMatch
from finops.invoicing.states import InvoiceState, MatchStatus

COLUMNS = ("invoice_number", "status", "reasons")


@dataclass
class MatchExport:
    columns: tuple[str, ...]
    rows: Iterator[tuple[str, ...]]
    summary: dict[str, Any] = field(default_factory=dict)


def three_way_export(*, entity_ids: list[int]) -> MatchExport:
    verdicts = InvoiceMatch.objects.filter(invoice__entity_id__in=entity_ids).exclude(
        invoice__state=InvoiceState.CANCELLED
    )
    counts = {row["status"]: row["n"] for row in verdicts.values("status").annotate(n=Count("pk")).order_by()}
    listed = verdicts.filter(status__in=(MatchStatus.MATCHED, MatchStatus.EXCEPTION)).order_by(
        "invoice__entity__code", "invoice__number", "invoice_id"
    )
    rows = (
        (number, status, ";".join(reasons))
        for number, status, reasons in listed.values_list("invoice__number", "status", "reasons").iterator(2000)
    )
    return MatchExport(
        COLUMNS,
        rows,
        {
            "matched": counts.get(MatchStatus.MATCHED, 0),
            "exception": counts.get(MatchStatus.EXCEPTION, 0),
            "needs_approval_not_listed": counts.get(MatchStatus.NEEDS_APPROVAL, 0),
        },
    )
