"""Helpers for the master-data tests: run import_records on a CSV written to tmp_path, and count rows."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from finops.audit.models import AuditEvent
from finops.invoicing.models import Invoice
from finops.masterdata.models import BankAccount, BankAccountChange, Counterparty, ExternalRef, LegalEntity
from finops.payables.models import GoodsReceipt, GoodsReceiptLine, PurchaseOrder, PurchaseOrderLine
from reconciliation.exceptions.models import ExceptionItem

COUNTED = (
    LegalEntity,
    BankAccount,
    Counterparty,
    ExternalRef,
    BankAccountChange,
    Invoice,
    PurchaseOrder,
    PurchaseOrderLine,
    GoodsReceipt,
    GoodsReceiptLine,
    ExceptionItem,
    AuditEvent,
)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def _write(tmp_path: Path, kind: str, text: str | bytes) -> Path:
    path = tmp_path / f"{kind}.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def run_import(db: Any, tmp_path: Path) -> Callable[..., dict[str, Any]]:
    """import_records KIND FILE --source SOURCE; the parsed JSON summary (its last line)."""

    def run(kind: str, text: str | bytes, *, source: str = "erp") -> dict[str, Any]:
        out = io.StringIO()
        call_command("import_records", kind, str(_write(tmp_path, kind, text)), source=source, stdout=out)
        return json.loads(out.getvalue().strip().splitlines()[-1])  # type: ignore[no-any-return]

    return run


@pytest.fixture
def refused_import(db: Any, tmp_path: Path) -> Callable[..., str]:
    """Run an import that must be refused; the error message. Asserts nothing was written."""

    def run(kind: str, text: str | bytes, *, source: str = "erp") -> str:
        path = _write(tmp_path, kind, text)
        before = row_counts()
        with pytest.raises(CommandError) as refused:
            call_command("import_records", kind, str(path), source=source, stdout=io.StringIO())
        assert refused.value.returncode == 1
        assert str(path) in str(refused.value)
        assert row_counts() == before, "a refused file must write nothing"
        return str(refused.value)

    return run
