"""One AP matching measurement in a fresh process, so that its time and peak memory are its own.

    python -m tests.perf.ap_measure N_INVOICES SEED REPEAT

Generates about N invoices with their orders and receipts (tests/perf/ap_invoices.py, not timed),
then times, best of REPEAT, the baseline (a per-invoice header check and an exact-number duplicate
check, with the cyclic collector paused as the engines pause it) and the engines (`find_duplicates`
then `three_way_match`) on the same data, and scores both against the truth. Prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from reconciliation.engines.ap_model import cyclic_gc_paused
from reconciliation.engines.duplicates import find_duplicates
from reconciliation.engines.three_way import VerdictStatus, three_way_match
from tests.perf.ap_invoices import baseline, generate, score


def _peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _paused(run: Any) -> Any:
    """The baseline with the cyclic collector paused as the engines pause it, so that the two
    compare like for like."""

    def paused() -> Any:
        with cyclic_gc_paused():
            return run()

    return paused


def _timed(run: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str]) -> None:
    n, seed, repeat = int(argv[1]), int(argv[2]), int(argv[3])
    dataset = generate(n, seed=seed)
    lines = sum(len(inv.lines) for inv in dataset.invoices)
    best: dict[str, Any] = {}
    for _ in range(repeat):
        verdicts = suspicions = None  # each run starts from the same heap
        held_by_baseline, base_s, base_cpu = _timed(_paused(lambda: baseline(dataset)))
        suspicions, dup_s, dup_cpu = _timed(
            lambda: find_duplicates(dataset.invoices, supplier_accounts=dataset.supplier_accounts)
        )
        verdicts, match_s, match_cpu = _timed(
            lambda s=suspicions: three_way_match(dataset.invoices, dataset.orders, dataset.receipts, duplicates=s)
        )
        if not best or dup_s + match_s < best["engine_seconds"]:
            best = {
                "engine_seconds": dup_s + match_s,
                "engine_cpu_seconds": dup_cpu + match_cpu,
                "duplicates_seconds": dup_s,
                "three_way_seconds": match_s,
            }
        if "baseline_seconds" not in best or base_s < best["baseline_seconds"]:
            best["baseline_seconds"], best["baseline_cpu_seconds"] = base_s, base_cpu
    held = {v.invoice_id: v.reasons for v in verdicts if v.status is VerdictStatus.EXCEPTION}
    matched = {v.invoice_id for v in verdicts if v.status is VerdictStatus.MATCHED}
    ours = score(held, dataset, matched=matched)
    theirs = score(held_by_baseline, dataset)
    outcome = {
        **best,
        "invoices": len(dataset.invoices),
        "open_invoices": dataset.open_invoices,
        "invoice_lines": lines,
        "orders": len(dataset.orders),
        "receipt_lines": len(dataset.receipts),
        "verdicts": len(verdicts),
        "held": len(held),
        "quality": ours.as_dict(),
        "baseline_quality": theirs.as_dict(),
        "examples": ours.examples,
        "peak_mib": round(_peak_mib(), 1),
    }
    sys.stdout.write(json.dumps(outcome) + "\n")


if __name__ == "__main__":
    main(sys.argv)
