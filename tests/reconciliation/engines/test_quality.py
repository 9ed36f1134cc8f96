"""Quality of the AP engines on 1,000 generated invoices with known truth (the benchmark's generator,
tests/perf/ap_invoices.py, at the size that runs in a second): every planted exception caught with
its reason, no clean invoice held, no reason given that is not true of the invoice."""

from __future__ import annotations

import pytest

from reconciliation.engines.duplicates import find_duplicates
from reconciliation.engines.three_way import VerdictStatus, three_way_match
from tests.perf.ap_invoices import REASONS, Dataset, baseline, generate, score


def _engines(dataset: Dataset) -> tuple[dict[int, tuple[str, ...]], set[int]]:
    suspicions = find_duplicates(dataset.invoices, supplier_accounts=dataset.supplier_accounts)
    verdicts = three_way_match(dataset.invoices, dataset.orders, dataset.receipts, duplicates=suspicions)
    held = {v.invoice_id: v.reasons for v in verdicts if v.status is VerdictStatus.EXCEPTION}
    matched = {v.invoice_id for v in verdicts if v.status is VerdictStatus.MATCHED}
    return held, matched


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_every_planted_exception_is_caught_and_no_clean_invoice_is_held(seed: int) -> None:
    dataset = generate(1000, seed=seed)

    held, matched = _engines(dataset)
    quality = score(held, dataset, matched=matched)

    assert all(quality.planted[reason] >= 10 for reason in REASONS), quality.planted
    assert {reason: quality.recall(reason) for reason in REASONS} == dict.fromkeys(REASONS, 1.0), quality.examples
    assert quality.clean > 500
    assert quality.false_holds == 0, quality.examples
    assert quality.wrong_reasons == 0, quality.examples
    assert quality.non_po_matched == 0


def test_the_per_invoice_baseline_misses_what_only_invoices_taken_together_show() -> None:
    dataset = generate(1000, seed=11)

    quality = score(baseline(dataset), dataset)

    assert quality.recall("over_billed") < 0.5
    assert quality.recall("duplicate") < 0.5
