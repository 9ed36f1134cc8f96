"""export_matches three_way: the command-line contract (CSV invoice_number,status,reasons; JSON
summary last; exit 1 with a clear message, nothing half-written)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from finops.invoicing.services.decisions import invoice_cancel
from tests.reconciliation.matching.ap_world import ap_world, invoice, order

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(entity_de):
    world = ap_world(entity_de)
    call_command("run_matching", "three_way", stdout=io.StringIO())
    return world


def export(path: Path, *args: str) -> dict[str, object]:
    out = io.StringIO()
    call_command("export_matches", "three_way", "--output", str(path), *args, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_every_invoice_matched_against_an_order_is_a_row_with_its_status_and_reason_codes(world, tmp_path):
    path = tmp_path / "matches.csv"

    summary = export(path, "--entity", "DE01")

    with path.open(newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["invoice_number", "status", "reasons"]
    assert sorted(rows[1:]) == [
        ["RE-2026-0001", "matched", ""],
        ["RE-2026-0002", "exception", "price_variance"],
        ["RE-2026-0003", "exception", "missing_receipt"],
        ["RE-2026-0004", "exception", "no_po"],
        ["re 2026 1", "exception", "duplicate"],
    ]
    assert summary == {
        "kind": "three_way",
        "output": str(path),
        "rows": 5,
        "matched": 1,
        "exception": 4,
        "needs_approval_not_listed": 1,
    }


def test_several_reasons_are_separated_by_semicolons_and_cancelled_invoices_are_left_out(
    world, entity_de, clerk_de, tmp_path
):
    order(entity_de, world.supplier, "4500000010", (1, "4", "25.00"), received={1: "2"})
    invoice(entity_de, world.supplier, "RE-2026-0010", (1, "4", "27.00"), po_number="4500000010")
    call_command("run_matching", "three_way", stdout=io.StringIO())
    invoice_cancel(invoice_id=world["duplicate"].pk, actor=clerk_de, reason="sent twice")
    path = tmp_path / "matches.csv"

    export(path)

    rows = {row[0]: row for row in csv.reader(path.open(encoding="utf-8"))}
    assert rows["RE-2026-0010"] == ["RE-2026-0010", "exception", "price_variance;quantity_variance"]
    assert "re 2026 1" not in rows


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("bank_reconciliation", "--output", "{dir}/x.csv"), "'bank_reconciliation' is not a kind of matching"),
        (("three_way", "--output", "{dir}/x.csv", "--entity", "XX99"), "'XX99' is not a legal entity"),
        (("three_way", "--output", "{dir}/missing/x.csv"), "cannot be written"),
        (("three_way", "--output", "{dir}"), "cannot be written"),
    ],
)
def test_export_matches_exits_with_a_clear_message_and_writes_nothing(world, tmp_path, args, message):
    argv = [a.format(dir=tmp_path) for a in args]

    with pytest.raises(CommandError, match=message) as failed:
        call_command("export_matches", *argv, stdout=io.StringIO())

    assert failed.value.returncode == 1
    assert [p.name for p in tmp_path.iterdir()] == []
