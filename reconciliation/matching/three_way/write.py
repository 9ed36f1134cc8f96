"""Writing what a 3-way match run found, set-based, in parts of CHUNK invoices.

The run compared where each invoice should stand with what was stored (plan.diff), reading that
inside the run's write lock: no other run of the entity writes meanwhile, and a run whose lease was
handed on cannot write afterwards. Each part is then one transaction inside the write lock
(MatchRunContext.writing): the invoices it changes are locked (in pk order) and compared with the
state and last change they were read with; one that a person moved or decided on meanwhile (every
decision touches the invoice's last change, in its own transaction, holding the same row lock) is
left for the next run, which that decision asked for. Then, all set-based: the transitions through
the invoices' transition table (a compare-and-swap per group, audited), the verdicts (one upsert),
the holds and the exceptions. Each part is whole on its own, so a run that dies half-way leaves
whole invoices behind and the next run finishes the job.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.utils import timezone

from finops.core.bulk import rows_upsert
from finops.core.workflow import Move, transitions_apply
from finops.invoicing.models import Invoice, InvoiceMatch
from finops.invoicing.services.holds import (
    holds_active_of,
    holds_place_many,
    holds_release_many,
    holds_update_many,
)
from reconciliation.exceptions.services import (
    exceptions_open_many,
    exceptions_open_of,
    exceptions_refresh_many,
    exceptions_resolve_many,
)
from reconciliation.matching.runs import MatchRunContext
from reconciliation.matching.three_way.load import Loaded
from reconciliation.matching.three_way.plan import ALL_HOLDS, AP_KINDS, Current, InvoicePlan

CHUNK = 5000
_INVOICE = Invoice._meta.label
_VERDICT_FIELDS = [
    "status",
    "reasons",
    "explanation",
    "findings",
    "lines",
    "purchase_order_id",
    "ordered_value",
    "received_value",
    "billed_before",
    "billed_now",
    "variance",
    "duplicate_of_id",
    "duplicate_score",
    "rule_version",
    "fingerprint",
    "match_run_id",
    "judged_at",
]


@dataclass
class Written:
    counts: Counter[str] = field(default_factory=Counter)
    changed: int = 0
    skipped: int = 0


def current_of(entity_id: int) -> Current:
    """What is stored now about the entity's invoices: verdict fingerprints, active holds, open AP
    exceptions. Read inside the run's write lock, so that no other run of the entity is writing."""
    return Current(
        fingerprints=dict(
            InvoiceMatch.objects.filter(invoice__entity_id=entity_id).values_list("invoice_id", "fingerprint")
        ),
        holds=holds_active_of(entity_id=entity_id, reasons=ALL_HOLDS),
        exceptions=exceptions_open_of(entity_id=entity_id, kinds=AP_KINDS, object_type=_INVOICE),
    )


def plans_write(
    ctx: MatchRunContext, loaded: Loaded, plans: Sequence[InvoicePlan], *, on_part: Callable[[int], None]
) -> Written:
    """Write the plans (module docstring), in parts; on_part(n) after each part commits."""
    written = Written()
    ordered = sorted(plans, key=lambda p: p.invoice_id)
    for start in range(0, len(ordered), CHUNK):
        part = ordered[start : start + CHUNK]
        with ctx.writing():
            _write_part(ctx, loaded, part, written)
        on_part(len(part))
    return written


def _write_part(ctx: MatchRunContext, loaded: Loaded, part: list[InvoicePlan], written: Written) -> None:
    entity_id = loaded.entity.pk
    now = {
        pk: (state, updated_at)
        for pk, state, updated_at in Invoice.objects.select_for_update()
        .filter(pk__any=[p.invoice_id for p in part])
        .order_by("pk")
        .values_list("pk", "state", "updated_at")
    }
    plans = [p for p in part if now.get(p.invoice_id) == (p.state, p.updated_at)]
    written.skipped += len(part) - len(plans)
    written.changed += len(plans)
    labels = {p.invoice_id: loaded.label(p.invoice_id) for p in plans}
    counts = written.counts
    _transitions(ctx, loaded, plans, counts)
    _verdicts(ctx, plans, counts)
    counts["holds_released"] += holds_release_many(
        entity_id=entity_id,
        holds=[h for p in plans for h in p.holds_release],
        reason=f"Match run {ctx.run.pk}: the cause is gone.",
        labels=labels,
    )
    counts["holds_updated"] += holds_update_many(
        entity_id=entity_id, changes=[c for p in plans for c in p.holds_update], labels=labels
    )
    counts["holds_placed"] += holds_place_many(
        entity_id=entity_id, drafts=[d for p in plans for d in p.holds_place], labels=labels
    )
    counts["exceptions_resolved"] += exceptions_resolve_many(
        entity_id=entity_id,
        items=[e for p in plans for e in p.exceptions_resolve],
        resolution=f"Match run {ctx.run.pk} finds the invoice in order now.",
    )
    counts["exceptions_refreshed"] += exceptions_refresh_many(
        entity_id=entity_id, changes=[c for p in plans for c in p.exceptions_refresh]
    )
    counts["exceptions_opened"] += exceptions_open_many(
        entity_id=entity_id, drafts=[d for p in plans for d in p.exceptions_open]
    )


def _transitions(ctx: MatchRunContext, loaded: Loaded, plans: list[InvoicePlan], counts: Counter[str]) -> None:
    """Each step of the invoices' paths as one group per (from, to): first steps, then second."""
    steps = max((len(p.moves) for p in plans), default=0)
    for step in range(steps):
        groups: dict[tuple[str, str], list[Move]] = defaultdict(list)
        for plan in plans:
            if len(plan.moves) > step:
                stored = loaded.stored[plan.invoice_id]
                groups[plan.moves[step]].append(
                    Move(plan.invoice_id, stored.label, loaded.entity.pk, stored.correlation_id, {"run": ctx.run.pk})
                )
        for (source, to), moves in sorted(groups.items()):
            transitions_apply(Invoice, moves, source=source, to=to, actor=None, reason=f"3-way match run {ctx.run.pk}")
            counts[f"moved_to_{to}"] += len(moves)


def _verdicts(ctx: MatchRunContext, plans: list[InvoicePlan], counts: Counter[str]) -> None:
    """The changed verdicts, inserted or replaced in one COPY and one INSERT ... ON CONFLICT."""
    judged_at = timezone.now()
    extra = {"match_run_id": ctx.run.pk, "judged_at": judged_at}
    counts["verdicts_written"] += rows_upsert(
        InvoiceMatch,
        ["invoice_id", *_VERDICT_FIELDS],
        (
            [p.invoice_id, *(extra[f] if f in extra else p.verdict[f] for f in _VERDICT_FIELDS)]
            for p in plans
            if p.verdict is not None
        ),
        key="invoice_id",
    )
