"""Files written to break the import: amounts, balances and totals beyond what the books can hold,
NUL bytes, digits that are not ASCII, names too long for their column. Each is a refusal that names
the file and where in it the problem is, on the command line (exit 1, no traceback), on the upload
page (422, the refused file kept) and in the inbox poll (moved to refused/, the files behind it
imported); nothing of it is written. The files are our own, built here."""

from __future__ import annotations

import os
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError
from django.test import Client, override_settings
from django.urls import reverse

from finops.treasury.models import BankStatement
from integrations.bankfiles.models import InboundFile
from integrations.bankfiles.services import bank_file_inbox_poll
from reconciliation.exceptions.models import ExceptionItem
from tests.integrations.bankfiles.helpers import own_account, row_counts, run_cli

IBAN = "NL91ABNA0417164300"


def _mt940(
    *, opening: str = "C100,00", closing: str = "C90,00", lines: str = ":61:2601050105D10,00NTRFNONREF\n"
) -> bytes:
    return (
        f":20:HOSTILE\n:25:{IBAN}\n:28C:1/1\n:60F:{opening[0]}260105EUR{opening[1:]}\n"
        f"{lines}:62F:{closing[0]}260105EUR{closing[1:]}\n-\n"
    ).encode()


def _bai2(balance: str) -> bytes:
    return (
        "01,SENDER,RECEIVER,260105,1200,F1,,,2/\n"
        "02,RECEIVER,SENDER,1,260104,2400,EUR,/\n"
        f"03,{IBAN},EUR,010,{balance},,,015,{balance},,/\n"
        f"49,{int(balance) * 2},2/\n"
        f"98,{int(balance) * 2},1,4/\n"
        f"99,{int(balance) * 2},1,6/\n"
    ).encode()


def _camt(*, amount: str = "1.00", balance: str = "100.00") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-01-05T10:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><CreDtTm>2026-01-05T10:00:00</CreDtTm>
<Acct><Id><IBAN>{IBAN}</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{balance}</Amt><CdtDbtInd>CRDT</CdtDbtInd>
<Dt><Dt>2026-01-05</Dt></Dt></Bal>
<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2026-01-05</Dt></BookgDt><ValDt><Dt>2026-01-05</Dt></ValDt><BkTxCd/></Ntry>
</Stmt></BkToCstmrStmt></Document>
""".encode()


HOSTILE = [
    # (file name, bytes, what the refusal must say)
    ("amount.sta", _mt940(lines=":61:2601050105D" + "9" * 40 + ",00NTRFNONREF\n"), r"line 5\).* does not fit"),
    (
        "balance.sta",
        _mt940(opening="C" + "9" * 15 + ",00"),
        r"line 1: statement 1 .*opening balance OPBD .* does not fit",
    ),
    ("huge-balance.sta", _mt940(closing="D" + "9" * 40 + ",00"), r"closing balance CLBD .* does not fit"),
    (
        "totals.sta",
        _mt940(
            opening="C0,00",
            closing="C0,00",
            lines=":61:2601050105C60000000000000,00NTRFNONREF\n:61:2601050105D60000000000000,00NTRFNONREF\n" * 2,
        ),
        r"statement 1 .*credits add up to 120000000000000\.00, .* does not fit",
    ),
    ("digits.sta", _mt940(lines=":61:2601050105D١٠,00NTRFNONREF\n"), r"line 5: unreadable statement line :61:"),
    ("nul.sta", _mt940(lines=":61:2601050105D10,00NTRFNON\x00REF\n"), r"line 5: a NUL byte in :61:"),
    ("balance.bai2", _bai2("9" * 20), r"line 3: statement 1 .*opening balance OPBD .* does not fit"),
    ("amount.xml", _camt(amount="9" * 18 + "." + "9" * 18), r"entry 1 \(line 8\) .* does not fit"),
    ("balance.xml", _camt(balance="9" * 16), r"line 4: statement 1 \(S1\): the opening balance OPBD .* does not fit"),
]


def _expect_refusal(path: Path, pattern: str) -> str:
    with pytest.raises(CommandError, match=pattern) as caught:
        run_cli(path)
    assert caught.value.returncode == 1
    message = str(caught.value)
    assert message.startswith(path.name)
    assert "nothing was imported" in message
    return message


@pytest.mark.parametrize(("name", "data", "pattern"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_cli_refuses_a_hostile_file_naming_it_and_writes_nothing(
    name: str, data: bytes, pattern: str, entity_de: Any, tmp_path: Path
) -> None:
    own_account(entity_de, iban=IBAN)
    path = tmp_path / name
    path.write_bytes(data)
    before = row_counts()

    _expect_refusal(path, pattern)

    assert row_counts() == before


def test_a_mismatch_too_large_for_an_amount_opens_its_exception_without_one(entity_de: Any, tmp_path: Path) -> None:
    """Opening +90 trillion, closing −90 trillion, no entries: each balance fits the books, their
    difference does not fit an exception's amount. The statement is imported (it is what the bank
    sent), the exception names the difference in its detail."""
    own_account(entity_de, iban=IBAN)
    path = tmp_path / "apart.sta"
    path.write_bytes(_mt940(opening="C90000000000000,00", closing="D90000000000000,00", lines=""))

    summary = run_cli(path)

    item = ExceptionItem.objects.get(kind="balance_mismatch")
    assert summary["statements"] == 1
    assert item.amount is None
    assert item.detail["difference"] == "180000000000000.00"
    assert BankStatement.objects.get().closing_balance == Decimal("-90000000000000.00")


def test_the_upload_page_refuses_a_hostile_file_with_422_and_keeps_it(entity_de: Any, treasury_de: Any) -> None:
    own_account(entity_de, iban=IBAN)
    client = Client()
    client.force_login(treasury_de)
    data = _mt940(opening="C" + "9" * 40 + ",00")
    upload = SimpleUploadedFile("huge.sta", data, content_type="application/octet-stream")

    response = client.post(reverse("bankfiles:upload"), {"file": upload}, HTTP_HX_REQUEST="true")

    assert response.status_code == 422
    assert "huge.sta" in response.content.decode()
    kept = InboundFile.objects.get()
    assert kept.status == "refused"
    assert "opening balance OPBD" in kept.error
    assert bytes(kept.content) == data
    assert not BankStatement.objects.exists()


def test_a_poison_file_in_the_inbox_is_moved_aside_and_the_files_behind_it_are_imported(
    entity_de: Any, tmp_path: Path
) -> None:
    """a-poison.sta sorts first; b-good.sta behind it is imported in the same poll."""
    own_account(entity_de, iban=IBAN)
    settled = time.time() - 120
    for name, data in (("a-poison.sta", _mt940(closing="C" + "9" * 40 + ",00")), ("b-good.sta", _mt940())):
        (tmp_path / name).write_bytes(data)
        os.utime(tmp_path / name, (settled, settled))

    with override_settings(BANK_FILE_INBOX_DIR=str(tmp_path)):
        result = bank_file_inbox_poll()

    assert (result.refused, result.imported) == (["a-poison.sta"], ["b-good.sta"])
    assert [p.name.endswith("-a-poison.sta") for p in (tmp_path / "refused").iterdir()] == [True]
    assert [p.name.endswith("-b-good.sta") for p in (tmp_path / "imported").iterdir()] == [True]
    assert InboundFile.objects.get(status="refused").filename == "a-poison.sta"
    assert BankStatement.objects.count() == 1


def test_an_unreadable_file_in_the_inbox_is_moved_aside_and_does_not_stop_the_poll(
    entity_de: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The filesystem (not ours) refuses to read a-locked.sta; b-good.sta behind it is imported."""
    own_account(entity_de, iban=IBAN)
    settled = time.time() - 120
    for name in ("a-locked.sta", "b-good.sta"):
        (tmp_path / name).write_bytes(_mt940())
        os.utime(tmp_path / name, (settled, settled))
    read_bytes = Path.read_bytes

    def refusing(path: Path) -> bytes:
        if path.name == "a-locked.sta":
            raise PermissionError(13, "Permission denied", str(path))
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", refusing)

    with override_settings(BANK_FILE_INBOX_DIR=str(tmp_path)):
        result = bank_file_inbox_poll()

    assert (result.refused, result.imported) == (["a-locked.sta"], ["b-good.sta"])
    assert [p.name.endswith("-a-locked.sta") for p in (tmp_path / "refused").iterdir()] == [True]
    assert BankStatement.objects.count() == 1
