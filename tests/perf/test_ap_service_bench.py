"""The 3-way match service in the database (run by `make bench`, never by `make test`): the generated
invoices of tests/perf/ap_invoices.py stored as an entity's data (tests/perf/ap_service_data.py,
not timed), then a whole match run as a worker executes it — link orders, the set-based load, the
engines, the plan, the set-based write of verdicts, transitions with their audit rows, holds and
exceptions — at 1,000, 10,000 and 100,000 invoices, and a second run over the same data (which
must change nothing). The baseline, measured in the same process on the same data just before, is
the engines alone on the records the generator made: what the service adds is loading and writing.

The run fails when a planted exception is missed, a clean invoice held or a wrong reason given in
what was stored, or when the second run changes anything; BENCH_ENFORCE=1 also fails it when the
first run of 100,000 invoices takes more than TARGET_SECONDS (a matter of timing on a shared host).
Results go to test-results/bench-ap-service.json and, as a Markdown table, to stdout.
BENCH_AP_SIZES=1000 runs one size only."""

from __future__ import annotations

import gc
import os
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from finops.invoicing.models import InvoiceMatch
from reconciliation.engines.ap_model import cyclic_gc_paused
from reconciliation.engines.duplicates import find_duplicates
from reconciliation.engines.three_way import three_way_match
from reconciliation.matching.models import MatchRun
from reconciliation.matching.runs import match_run_execute, match_run_request
from reconciliation.matching.states import MatchKind, MatchTrigger
from tests.perf.ap_invoices import REASONS, generate, score
from tests.perf.ap_service_data import dataset_store, held_by_generator_id
from tests.perf.test_ap_match_bench import _recall, quality_assert, report

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[2]
SIZES = tuple(int(n) for n in os.environ.get("BENCH_AP_SIZES", "1000,10000,100000").split(","))
SEED = 2026
TARGET_SECONDS = 20.0


def _timed(run: Any) -> tuple[Any, float, float]:
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def _engines_alone(dataset: Any) -> None:
    with cyclic_gc_paused():
        suspicions = find_duplicates(dataset.invoices, supplier_accounts=dataset.supplier_accounts)
        three_way_match(dataset.invoices, dataset.orders, dataset.receipts, duplicates=suspicions)


def _server_cpu() -> float:
    """CPU seconds the PostgreSQL backend of this connection has used (the server runs on this
    host; /proc gives its user and system time), or 0 when it cannot be read."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run(entity: Any) -> tuple[MatchRun, float, float, float]:
    run = match_run_request(kind=MatchKind.THREE_WAY, entity=entity, trigger=MatchTrigger.MANUAL, enqueue=False).run
    server = _server_cpu()
    state, wall, cpu = _timed(lambda: match_run_execute(run_id=run.pk))
    server = _server_cpu() - server
    assert state == "succeeded", MatchRun.objects.get(pk=run.pk).error
    run.refresh_from_db()
    return run, wall, cpu, server


def _measure(n: int) -> dict[str, Any]:
    dataset = generate(n, seed=SEED)
    stored = dataset_store(dataset, f"B{n // 1000}K")
    _, base_s, base_cpu = _timed(lambda: _engines_alone(stored.dataset))
    first, first_s, first_cpu, first_server = _run(stored.entity)
    second, second_s, second_cpu, second_server = _run(stored.entity)
    rows = InvoiceMatch.objects.filter(invoice__entity=stored.entity).values_list("invoice_id", "status", "reasons")
    held, matched = held_by_generator_id(stored, rows)
    quality = score(held, stored.dataset, matched=matched)
    return {
        "invoices": len(stored.dataset.invoices),
        "open_invoices": stored.dataset.open_invoices,
        "invoice_lines": sum(len(inv.lines) for inv in stored.dataset.invoices),
        "orders": len(stored.dataset.orders),
        "baseline_seconds": base_s,
        "baseline_cpu_seconds": base_cpu,
        "first_seconds": first_s,
        "first_cpu_seconds": first_cpu,
        "first_server_cpu_seconds": first_server,
        "first_steps": first.counts["seconds"],
        "first_counts": {k: v for k, v in first.counts.items() if k != "seconds"},
        "second_seconds": second_s,
        "second_cpu_seconds": second_cpu,
        "second_server_cpu_seconds": second_server,
        "second_steps": second.counts["seconds"],
        "second_changed": second.counts["invoices_changed"],
        "quality": quality.as_dict(),
        "examples": quality.examples,
    }


def _steps(steps: dict[str, float]) -> str:
    return " + ".join(f"{steps[s]:.1f}" for s in ("load", "engines", "plan", "write"))


def _table(rows: list[dict[str, Any]]) -> str:
    lines = [
        f"recall per reason in the order {' / '.join(REASONS)}; steps are load + engines + plan + write",
        "",
        "| invoices | open | lines | orders | first run s (cpu, server cpu) | steps s | engines alone s (cpu) "
        "| ratio | invoices/s | written: verdicts, holds, exceptions | second run s (cpu, server cpu) "
        "| second run steps s | recall | false holds of clean | wrong reasons |",
        "|---:|---:|---:|---:|---:|---|---:|---:|---:|---|---:|---|---|---:|---:|",
    ]
    for r in rows:
        c, q = r["first_counts"], r["quality"]
        lines.append(
            f"| {r['invoices']:,} | {r['open_invoices']:,} | {r['invoice_lines']:,} | {r['orders']:,} "
            f"| {r['first_seconds']:.1f} ({r['first_cpu_seconds']:.1f}, {r['first_server_cpu_seconds']:.1f}) "
            f"| {_steps(r['first_steps'])} "
            f"| {r['baseline_seconds']:.2f} ({r['baseline_cpu_seconds']:.2f}) "
            f"| {r['first_seconds'] / r['baseline_seconds']:.1f}x | {r['invoices'] / r['first_seconds']:,.0f} "
            f"| {c['verdicts_written']:,}, {c['holds_placed']:,}, {c['exceptions_opened']:,} "
            f"| {r['second_seconds']:.1f} ({r['second_cpu_seconds']:.1f}, {r['second_server_cpu_seconds']:.1f}) "
            f"| {_steps(r['second_steps'])} | {_recall(q)} "
            f"| {q['false_holds']} of {q['clean']:,} | {q['wrong_reasons']} |"
        )
    return "\n".join(lines)


def test_ap_service_benchmark() -> None:
    rows = [_measure(n) for n in SIZES]

    report(rows, _table(rows), "bench-ap-service")
    quality_assert(rows)
    for r in rows:
        assert r["second_changed"] == 0, r["invoices"]
    if os.environ.get("BENCH_ENFORCE") == "1":
        assert rows[-1]["first_seconds"] <= TARGET_SECONDS, rows[-1]
