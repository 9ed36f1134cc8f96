"""One measurement in a fresh process, so that its peak memory (ru_maxrss) is its own.

    python -m tests.perf.measure import FILE      bank_file_import end to end
    python -m tests.perf.measure baseline FILE    after `import` ran: lxml's parse of the file alone
                                                  (MT940: splitting it into lines), a COPY of the
                                                  rows the import stored into the table they are
                                                  stored in (the baseline) and into a temporary
                                                  table without indexes (a stricter floor); and, for
                                                  the record, our reader alone
    python -m tests.perf.measure idle             Django set up and connected, nothing else

Prints one JSON line: seconds, entries, peak RSS (VmHWM) in MiB. DATABASE_URL names the database (the
benchmark passes its test database); the own account must already exist for `import`.
"""

from __future__ import annotations

import json
import os
import re
import resource
import sys
import time
from pathlib import Path
from typing import Any

_TAG = re.compile(r"^:(\d{2}[A-Z]?):")


def _peak_mib() -> float:
    """Peak RSS of this process. ru_maxrss survives exec on Linux, so a child of a big pytest
    process would report its parent's size; VmHWM belongs to this process's own memory."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finops.settings.test")
    import django

    django.setup()
    from django.db import connection

    connection.ensure_connection()


def _import(path: Path) -> dict[str, Any]:
    from integrations.bankfiles.services import bank_file_import

    started = time.perf_counter()
    result = bank_file_import(data=path.read_bytes(), filename=path.name, source="bench")
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "entries": result.summary["entries"], "status": result.status}


_COLUMNS = (
    "statement_id, line_no, amount, currency, credit_debit, is_reversal, booking_on, value_on, "
    "account_servicer_ref, end_to_end_id, bank_transaction_code, counterparty_name, counterparty_account, "
    "description, state, fingerprint, occurrence"
)


def _parse_alone(path: Path) -> int:
    """The floor of reading the file: lxml's own parse of every Ntry (camt), or cutting the text
    into tagged fields (MT940, which is not XML); no field is interpreted."""
    if path.suffix == ".xml":
        from lxml import etree

        count = 0
        for _, entry in etree.iterparse(str(path), tag="{*}Ntry", resolve_entities=False, no_network=True):
            count += 1
            entry.clear(keep_tail=False)
            parent = entry.getparent()
            if parent is not None:
                parent.remove(entry)
        return count
    fields = (_TAG.match(line) for line in path.read_text(encoding="utf-8").splitlines())
    return sum(1 for field in fields if field is not None and field[1] == "61")


def _reader_alone(path: Path) -> int:
    """Our own reader (integrations.formats), without the database: where the import's time goes.
    The streaming readers the import uses, entries counted as they pass."""
    import io

    from integrations.formats.camt import iter_camt_entries
    from integrations.formats.mt940 import iter_mt940
    from integrations.formats.types import Entry

    data = path.read_bytes()
    events = iter_camt_entries(io.BytesIO(data)) if path.suffix == ".xml" else iter_mt940(data, warnings=[])
    return sum(1 for event in events if isinstance(event, Entry))


def _stored_rows(path: Path) -> list[tuple[Any, ...]]:
    """The rows the import stored for this file, read back (not timed) to COPY them again."""
    import hashlib

    from django.db import connection

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    query = (  # the column list is a constant; the digest travels as a parameter
        f"COPY (SELECT {_COLUMNS} FROM treasury_statementline WHERE statement_id IN ("  # noqa: S608
        "SELECT s.id FROM treasury_bankstatement s JOIN bankfiles_inboundfile f ON f.id = s.inbound_file_id "
        "WHERE f.sha256 = %s) ORDER BY statement_id, line_no) TO STDOUT"
    )
    with connection.cursor() as cursor, cursor.copy(query, (digest,)) as copy:
        return list(copy.rows())


def _baseline(path: Path) -> dict[str, Any]:
    from django.db import connection, transaction

    started = time.perf_counter()
    parsed = _parse_alone(path)
    parse_seconds = time.perf_counter() - started

    rows = _stored_rows(path)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_lines (LIKE treasury_statementline INCLUDING DEFAULTS INCLUDING IDENTITY)"
        )
        started = time.perf_counter()
        with cursor.copy(f"COPY bench_lines ({_COLUMNS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        copy_seconds = time.perf_counter() - started
        transaction.set_rollback(True)

    started = time.perf_counter()
    read = _reader_alone(path)
    reader_seconds = time.perf_counter() - started
    assert parsed == read == len(rows), (parsed, read, len(rows))
    return {
        "seconds": parse_seconds + copy_seconds,
        "parse_seconds": parse_seconds,
        "copy_seconds": copy_seconds,
        "reader_seconds": reader_seconds,
        "table_copy_seconds": _table_copy(rows),
        "entries": len(rows),
    }


def _table_copy(rows: list[tuple[Any, ...]]) -> float:
    """The baseline's COPY: the same rows COPYed into the table they are stored in, under copies
    of their statements, with its indexes and the foreign-key checks its commit would run (rolled
    back, so without the commit itself): what the database alone costs an import, however fast
    the client. (`copy_seconds` of _baseline, the same COPY into a bare temporary table, is a
    stricter floor reported beside it.)"""
    from django.db import connection, transaction

    from finops.treasury.models import BankStatement

    with transaction.atomic(), connection.cursor() as cursor:
        copies: dict[str, int] = {}
        for statement in BankStatement.objects.filter(pk__in={int(row[0]) for row in rows}):
            original = str(statement.pk)
            statement.pk = None
            statement.external_id = f"{statement.external_id[:100]}~bench"
            statement.save()
            copies[original] = statement.pk
        started = time.perf_counter()
        with cursor.copy(f"COPY treasury_statementline ({_COLUMNS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((copies[row[0]], *row[1:]))
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the foreign-key checks of the commit
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds


def main(argv: list[str]) -> None:
    mode = argv[1]
    _setup()
    if mode == "idle":
        outcome: dict[str, Any] = {"seconds": 0.0, "entries": 0}
    elif mode == "import":
        outcome = _import(Path(argv[2]))
    elif mode == "baseline":
        outcome = _baseline(Path(argv[2]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    outcome["peak_mib"] = round(_peak_mib(), 1)
    sys.stdout.write(json.dumps(outcome) + "\n")


if __name__ == "__main__":
    main(sys.argv)
