"""The import, fed mutations of real bank files whose accounts and payments are ours, either
imports them or refuses them cleanly: a BankFileRefused naming the file, and not one row written
(no statement, line, message, exception, audit event or inbound file). Any other exception, a
database error included, fails the test.

Seeds (see shared/fixtures/MANIFEST.md): SVAPNIL ing/example_camt.xml (camt.053), WOLPH
jejik/rabobank-iban.sta (MT940), MOJ citi_example.bai2 (BAI2), generated-mockbank
02_pain.002.001.10_part.xml (pain.002) and MOOV-ACH return-WEB.ach (NACHA returns).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings

from integrations.bankfiles.services import BankFileRefused, bank_file_import
from tests.integrations.bankfiles.helpers import own_account, row_counts, transmitted_batch
from tests.integrations.formats.mutations import mutations

# A few dozen imports keep the suite fast; FCT_FUZZ_EXAMPLES=1000 searches deeper.
EXAMPLES = max(int(os.environ.get("FCT_FUZZ_EXAMPLES", "150")) // 4, 10)
SEEDS = (
    "camt053/svapnil_ing_example_camt.xml",
    "mt940/wolph_jejik_rabobank-iban.sta",
    "bai2/moj_citi_example.bai2",
    "generated-mockbank/02_pain.002.001.10_part.xml",
    "nacha/moov_return-WEB.ach",
)


def test_a_mutated_real_file_is_imported_or_refused_with_nothing_half_written(
    entity_de: Any, fixtures_dir: Path
) -> None:
    own_account(entity_de, iban="NL08INGB0000001234")
    own_account(entity_de, iban="NL71RABO0123456789")
    own_account(entity_de, number="77777777", currency="GBP")
    transmitted_batch(entity_de, "20261122083410-1fd5d33f0e7b", ["E2E-OK-1", "E2E-BADIBAN-2", "E2E-OK-3"])
    transmitted_batch(entity_de, "WEB-RETURNS", ["MjMxNDAwMjAtOGQ", "091400600000003"])
    seeds = [(fixtures_dir / seed).read_bytes() for seed in SEEDS]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(mutations(seeds))
    def check(data: bytes) -> None:
        before = row_counts()
        try:
            status = bank_file_import(data=data, filename="mutated.bin", keep_refused=False).status
        except BankFileRefused as refusal:
            status = refusal.message
        if status not in ("imported", "duplicate"):
            assert status.startswith("mutated.bin")
            assert row_counts() == before

    check()
