"""The inbox poll task: files dropped into BANK_FILE_INBOX_DIR are imported and moved aside."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

from django.test import override_settings

from finops.treasury.models import BankStatement
from integrations.bankfiles.models import InboundFile
from integrations.bankfiles.tasks import bank_file_inbox_poll_task
from tests.integrations.bankfiles.helpers import own_account


def _drop(source: Path, inbox: Path, name: str, *, age: int = 120) -> Path:
    target = inbox / name
    shutil.copyfile(source, target)
    settled = time.time() - age
    os.utime(target, (settled, settled))
    return target


def test_inbox_poll_imports_settled_files_and_moves_them(entity_de: Any, fixtures_dir: Path, tmp_path: Path) -> None:
    """SVAPNIL ing/example_camt.xml (imported), GENKGO camt053.v2.wrong.xml (refused and kept),
    and a copy of the ING file still being written (too young: left for the next run); then the
    ING file delivered a second time is a duplicate."""
    own_account(entity_de, iban="NL08INGB0000001234")
    ing = fixtures_dir / "camt053/svapnil_ing_example_camt.xml"
    _drop(ing, tmp_path, "ing.xml")
    _drop(fixtures_dir / "camt053/malformed/genkgo_camt053.v2.wrong.xml", tmp_path, "wrong.xml")
    _drop(ing, tmp_path, "still-arriving.xml", age=0)

    with override_settings(BANK_FILE_INBOX_DIR=str(tmp_path)):
        counts = bank_file_inbox_poll_task()

    assert counts == {"imported": 1, "duplicates": 0, "refused": 1}
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["still-arriving.xml"]
    assert [p.name.endswith("-ing.xml") for p in (tmp_path / "imported").iterdir()] == [True]
    assert [p.name.endswith("-wrong.xml") for p in (tmp_path / "refused").iterdir()] == [True]
    assert BankStatement.objects.count() == 1
    assert InboundFile.objects.get(status="refused").source == "inbox"

    _drop(ing, tmp_path, "ing-again.xml")
    with override_settings(BANK_FILE_INBOX_DIR=str(tmp_path)):
        again = bank_file_inbox_poll_task()

    assert again == {"imported": 0, "duplicates": 1, "refused": 0}
    assert BankStatement.objects.count() == 1


def test_inbox_poll_without_a_configured_folder_does_nothing(db: Any) -> None:
    with override_settings(BANK_FILE_INBOX_DIR=""):
        assert bank_file_inbox_poll_task() == {"imported": 0, "duplicates": 0, "refused": 0}
