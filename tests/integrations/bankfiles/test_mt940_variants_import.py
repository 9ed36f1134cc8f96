"""Our MT940 variant samples (tests/integrations/formats/mt940_variants, described in that folder's
test module) imported end to end by the CLI for accounts of ours named as each file names them:
every statement stored, every booking a line, nothing out of balance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from finops.treasury.models import BankStatement, StatementLine
from reconciliation.exceptions.models import ExceptionItem
from tests.integrations.bankfiles.helpers import own_account, run_cli

VARIANTS = Path(__file__).resolve().parents[1] / "formats" / "mt940_variants"

# file -> (our accounts as (iban, account number, currency), statements, lines)
CASES = {
    "blank_type_code.sta": ([("", "987654321", "USD")], 1, 3),
    "blank_entry_date.sta": ([("", "40012345", "USD")], 1, 3),
    "wrapped_61_and_28c.sta": ([("", "0123456789", "EUR")], 1, 2),
    "wrapped_time_86.sta": ([("", "0123456789", "EUR")], 1, 1),
    "digit_continuation_86.sta": ([("", "123456789150ABCDEF002", "HUF")], 1, 2),
    "swift_blocks_on_one_line.sta": ([("DE89370400440532013000", "", "EUR")], 2, 2),
    "account_identifications.sta": (
        [
            ("PL61109010140000071219812874", "", "PLN"),
            ("DE89370400440532013000", "", "EUR"),
            ("NL68RABO0123456789", "", "EUR"),
        ],
        3,
        1,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_bank_variant_imports_every_statement_and_line(name: str, entity_de: Any) -> None:
    accounts, statements, lines = CASES[name]
    for iban, number, currency in accounts:
        own_account(entity_de, iban=iban, number=number, currency=currency)

    summary = run_cli(VARIANTS / name)

    assert (summary["status"], summary["statements"], summary["entries"]) == ("imported", statements, lines)
    assert BankStatement.objects.count() == statements
    assert StatementLine.objects.count() == lines
    assert not ExceptionItem.objects.filter(kind="balance_mismatch").exists()


def test_the_variants_cover_every_sample_file() -> None:
    assert sorted(CASES) == sorted(path.name for path in VARIANTS.glob("*.sta"))
