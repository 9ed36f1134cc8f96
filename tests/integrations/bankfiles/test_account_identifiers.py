"""A bank file names our account as its bank writes it, read by the same resolver as the bank API: an
MT940 :25: as BIC/account or account + currency, a camt Othr/Id with the local number's own
punctuation. An account we do not hold is refused as it always was."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management.base import CommandError

from finops.treasury.models import BankStatement
from tests.integrations.bankfiles.helpers import own_account, run_cli

pytestmark = pytest.mark.django_db


def mt940(account_line: str, currency: str = "CHF") -> str:
    return (
        ":20:STMT-LOCAL-1\n"
        f":25:{account_line}\n"
        ":28C:1/1\n"
        f":60F:C260105{currency}1000,00\n"
        ":61:2601050105C100,00NTRFNONREF//B1\n"
        ":86:Customer payment\n"
        f":62F:C260105{currency}1100,00\n"
        "-\n"
    )


CAMT_OTHR = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-01-05T06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>HU-STMT-1</Id><CreDtTm>2026-01-05T06:00:00</CreDtTm>
<Acct><Id><Othr><Id>19663153 02010001</Id></Othr></Id><Ccy>HUF</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="HUF">1000.00</Amt>
<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-01-05</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="HUF">1000.00</Amt>
<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-01-05</Dt></Dt></Bal>
</Stmt></BkToCstmrStmt></Document>
"""


@pytest.mark.parametrize(
    "account_line",
    ["UBSWCHZH80A/0035-2915203-10-000", "0035-2915203-10-000CHF", "0035 2915203 10 000", "00352915203.10.000"],
)
def test_an_mt940_names_a_local_account_as_its_bank_writes_it(tmp_path: Path, entity_de, account_line):
    account = own_account(entity_de, number="0035-2915203-10-000", currency="CHF")
    path = tmp_path / "statement.sta"
    path.write_text(mt940(account_line))

    summary = run_cli(path)

    assert (summary["statements"], summary["entries"]) == (1, 1)
    assert BankStatement.objects.get().bank_account == account


def test_a_camt_othr_id_finds_the_local_account_whatever_its_spacing(tmp_path: Path, entity_de):
    account = own_account(entity_de, number="1966315302010001", currency="HUF")
    path = tmp_path / "statement.xml"
    path.write_text(CAMT_OTHR)

    summary = run_cli(path)

    assert summary["statements"] == 1
    assert BankStatement.objects.get().bank_account == account


def test_a_file_about_an_account_we_do_not_hold_is_refused_naming_it(tmp_path: Path, entity_de):
    own_account(entity_de, number="0035-2915203-10-000", currency="CHF")
    path = tmp_path / "statement.sta"
    path.write_text(mt940("UBSWCHZH80A/0035-2915203-10-001"))

    with pytest.raises(CommandError) as refused:
        run_cli(path)

    message = str(refused.value)
    assert "is for account UBSWCHZH80A/0035-2915203-10-001, which is not one of our bank accounts" in message
    assert "Add the account under Bank accounts (with its entity) and import the file again." in message
    assert not BankStatement.objects.exists()
