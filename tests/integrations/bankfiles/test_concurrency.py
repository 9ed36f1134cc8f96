"""Two deliveries of the same file at the same moment, in real concurrent PostgreSQL transactions:
exactly one imports, the other is told it is a duplicate, and no IntegrityError reaches anyone."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from django.db import connection

from finops.treasury.models import BankStatement, StatementLine
from integrations.bankfiles.models import InboundFile
from integrations.bankfiles.services import ImportResult, bank_file_import
from reconciliation.exceptions.models import ExceptionItem
from tests.factories import LegalEntityFactory
from tests.integrations.bankfiles.helpers import own_account


def _race(payloads: list[tuple[bytes, str]]) -> tuple[list[ImportResult], list[BaseException]]:
    """Run one import per payload, each in its own thread and database connection, released
    together by a barrier."""
    barrier = threading.Barrier(len(payloads))
    results: list[ImportResult] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(data: bytes, name: str) -> None:
        try:
            barrier.wait(timeout=30)
            result = bank_file_import(data=data, filename=name, source="race", keep_refused=False)
            with lock:
                results.append(result)
        except BaseException as exc:  # noqa: BLE001 - the test asserts that there are none
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=payload) for payload in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_the_same_file_imported_twice_at_once_imports_once(fixtures_dir: Path) -> None:
    """WOLPH betterplace/sepa_mt9401.sta (26 statements, 97 lines: a long enough transaction for
    the two to overlap) sent twice at the same instant."""
    entity = LegalEntityFactory(code="DE01")
    path = fixtures_dir / "mt940/wolph_betterplace_sepa_mt9401.sta"
    for number in sorted(set(re.findall(r"^:25:(\S+)", path.read_text("latin-1"), re.MULTILINE))):
        own_account(entity, number=number)
    data = path.read_bytes()

    results, errors = _race([(data, "first.sta"), (data, "second.sta")])

    assert errors == []
    assert sorted(r.status for r in results) == ["duplicate", "imported"]
    duplicate = next(r for r in results if r.status == "duplicate")
    assert duplicate.summary["duplicates"] == 26
    assert InboundFile.objects.count() == 1
    assert BankStatement.objects.count() == 26
    assert StatementLine.objects.count() == 97


@pytest.mark.django_db(transaction=True)
def test_the_same_statement_in_two_files_at_once_is_stored_once(fixtures_dir: Path) -> None:
    """SVAPNIL ing/example_camt.xml and the same bytes plus a newline (another sha256, the same
    statement), at once: one stores the statement, the other counts it as a duplicate."""
    entity = LegalEntityFactory(code="DE01")
    own_account(entity, iban="NL08INGB0000001234")
    data = (fixtures_dir / "camt053/svapnil_ing_example_camt.xml").read_bytes()

    results, errors = _race([(data, "ing.xml"), (data + b"\n", "ing-again.xml")])

    assert errors == []
    assert sorted((r.summary["statements"], r.summary["duplicates"]) for r in results) == [(0, 1), (1, 0)]
    assert BankStatement.objects.count() == 1
    assert StatementLine.objects.count() == 9
    assert InboundFile.objects.count() == 2
    assert not ExceptionItem.objects.exists()
