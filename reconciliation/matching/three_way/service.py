"""The 3-way match of an entity's supplier invoices, as a match run of kind three_way.

    link orders     invoices quoting an order we now hold get its key (their lines the lines')
    load            set-based, into the engines' plain records (three_way.load)
    engines         find_duplicates, then three_way_match (reconciliation.engines, pure)
    plan            where each invoice should stand, and what differs from what is stored (three_way.plan)
    write           what differs, in parts of 5,000 invoices, set-based, each part one transaction,
                    compared again with what is stored then (three_way.write)

Idempotent: what is as it should be is not written, so a second run over unchanged data changes
nothing (its counts say so). Every write goes through the run's write lock, so two runs of one
entity never interleave.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from finops.accounts.roles import MATCH_AP_PERMISSIONS
from finops.invoicing.services.orders import invoices_link_orders
from reconciliation.engines.ap_model import cyclic_gc_paused
from reconciliation.engines.duplicates import find_duplicates
from reconciliation.engines.three_way import VerdictStatus, three_way_match
from reconciliation.matching.runs import MatchKindSpec, MatchOutcome, MatchRunContext
from reconciliation.matching.states import MatchKind
from reconciliation.matching.three_way.export import three_way_export
from reconciliation.matching.three_way.load import ap_load
from reconciliation.matching.three_way.plan import Planner, diff
from reconciliation.matching.three_way.write import current_of, plans_write


def three_way_execute(ctx: MatchRunContext) -> MatchOutcome:
    """Run the 3-way match of the run's entity (the module's docstring). Its counts: invoices judged,
    matched / exception / needs_approval, by reason, approved automatically, invoices changed and
    what was written, `skipped` (invoices a person moved or decided on while the run worked; the
    run their decision asked for takes them), and the seconds each step took.

    The cyclic garbage collector is paused for the run, as the engines pause it: a run holds a
    whole entity's invoices, verdicts and plans at once, none of them in reference cycles, and
    every collection the collector started meanwhile would walk all of them (at 100,000 invoices
    that was half of the run's time)."""
    with cyclic_gc_paused():
        return _execute(ctx)


def _execute(ctx: MatchRunContext) -> MatchOutcome:
    entity = ctx.entity
    clock = _Clock()
    with ctx.writing():
        linked = invoices_link_orders(entity_id=entity.pk)
    loaded = ap_load(entity)
    ctx.progress(0, total=len(loaded.open_ids))
    clock.lap("load")
    suspicions = find_duplicates(loaded.invoices, policy=loaded.policy, supplier_accounts=loaded.supplier_accounts)
    verdicts = three_way_match(
        loaded.invoices, loaded.orders, loaded.receipts, policy=loaded.policy, duplicates=suspicions
    )
    clock.lap("engines")
    desired = Planner(loaded).desired(verdicts)
    with ctx.writing():  # what is stored, read while no other run of the entity writes
        current = current_of(entity.pk)
    changing = [plan for d in desired if (plan := diff(d, current)).changes]
    total = len(desired)
    done = total - len(changing)
    ctx.progress(done, total=total)
    clock.lap("plan")

    def advanced(n: int) -> None:
        nonlocal done
        done += n
        ctx.progress(done)

    written = plans_write(ctx, loaded, changing, on_part=advanced)
    clock.lap("write")
    counts = _counts(verdicts, written.counts, linked)
    counts["invoices_changed"] = written.changed
    counts["skipped"] = written.skipped
    counts["seconds"] = clock.laps
    return MatchOutcome(counts, rule_version=loaded.policy.rule_version)


class _Clock:
    """Wall-clock seconds of each step, for the run's page and the benchmark."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._since = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.laps[step] = round(now - self._since, 3)
        self._since = now


def _counts(verdicts: list[Any], written: Counter[str], linked: int) -> dict[str, Any]:
    status = Counter(str(v.status) for v in verdicts)
    reasons: Counter[str] = Counter()
    for v in verdicts:
        reasons.update(v.reasons)
    return {
        "invoices": len(verdicts),
        "matched": status[VerdictStatus.MATCHED],
        "exception": status[VerdictStatus.EXCEPTION],
        "needs_approval": status[VerdictStatus.NEEDS_APPROVAL],
        "approved": written.get("moved_to_approved", 0),
        "reasons": {code: reasons[code] for code in sorted(reasons)},
        "verdicts_written": written.get("verdicts_written", 0),
        "holds_placed": written.get("holds_placed", 0),
        "holds_released": written.get("holds_released", 0),
        "exceptions_opened": written.get("exceptions_opened", 0),
        "exceptions_resolved": written.get("exceptions_resolved", 0),
        "orders_linked": linked,
    }


THREE_WAY = MatchKindSpec(MatchKind.THREE_WAY, three_way_execute, MATCH_AP_PERMISSIONS, export=three_way_export)
