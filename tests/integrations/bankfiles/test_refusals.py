"""Files the import refuses whole: broken or truncated files, unknown accounts, reused statement
ids, archives with one bad member, files that are not ours to import. The CLI exits 1 with a
message naming the file and the line or element, and writes nothing at all."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError
from django.test import override_settings

from finops.treasury.models import BankStatement
from integrations.bankfiles.models import InboundFile
from integrations.bankfiles.services import BankFileRefused, bank_file_import
from tests.integrations.bankfiles.helpers import own_account, row_counts, run_cli


def _refused(path: Path) -> str:
    with pytest.raises(CommandError) as caught:
        run_cli(path)
    assert caught.value.returncode == 1
    return str(caught.value)


MALFORMED = [
    # (fixture, MANIFEST source and what is wrong, where the message must point)
    (
        "camt053/malformed/genkgo_camt053.v2.wrong.xml",
        "GENKGO test/data/camt053.v2.wrong.xml: BkToCstmrStmt without GrpHdr or Stmt",
        "element BkToCstmrStmt/Stmt",
    ),
    (
        "mt940/malformed/wolph_betterplace_sepa_snippet_broken.sta",
        "WOLPH betterplace/sepa_snippet_broken.sta: the :86: is corrupted into a second :25:",
        "line 6",
    ),
    (
        "mt940/malformed/wolph_self-provided_invalid_statement.sta",
        "WOLPH self-provided/invalid_statement.sta: lines 1…10, no tags at all",
        "line 1",
    ),
    (
        "bai2/malformed/moov_sample-parseError.bai2",
        "MOOV-BAI2 test/testdata/errors/sample-parseError.txt: record code 00 and garbage",
        "line 1",
    ),
    (
        "nacha/malformed/moov_adv-noFileControl.ach",
        "MOOV-ACH adv-noFileControl.ach: no file control (9) record",
        "line 5",
    ),
    (
        "nacha/malformed/moov_ppd-debit-invalid-entryDetail-checkDigit.ach",
        "MOOV-ACH ppd-debit-invalid-entryDetail-checkDigit.ach: RDFI routing 231380105, bad check digit",
        "line 3",
    ),
    (
        "nacha/malformed/moov_ppd-mixedDebitCredit-invalid.ach",
        "MOOV-ACH ppd-mixedDebitCredit-invalid.ach: an origination file (not returns), immediate origin 000TESTER",
        "line 3",
    ),
    (
        "nacha/malformed/moov_short-line.ach",
        "MOOV-ACH short-line.ach: an origination file with one 74-char record",
        "line 3",
    ),
]


@pytest.mark.parametrize(("fixture", "source", "where"), MALFORMED, ids=[Path(m[0]).name for m in MALFORMED])
@pytest.mark.django_db
def test_cli_refuses_malformed_fixture_naming_file_and_place_and_writes_nothing(
    fixture: str, source: str, where: str, fixtures_dir: Path
) -> None:
    """`source` cites the MANIFEST row of each file. Exit 1, the file and line/element named,
    zero rows in every table an import writes to (the CLI does not keep refused files)."""
    path = fixtures_dir / fixture
    before = row_counts()

    message = _refused(path)

    assert path.name in message
    assert where in message
    assert "nothing was imported" in message
    assert row_counts() == before
    assert not InboundFile.objects.exists()


@pytest.mark.django_db
def test_cli_refuses_an_unreadable_file(tmp_path: Path) -> None:
    """No fixture: a path that does not exist is named in the message, exit 1."""
    message = _refused(tmp_path / "missing.xml")

    assert "missing.xml" in message
    assert "cannot read" in message


def test_unknown_account_refuses_the_whole_file_naming_account_and_statement(
    entity_de: Any, fixtures_dir: Path
) -> None:
    """GENKGO camt053.v2.multi.statement.xml: two statements for NL26VAYB8060476890, which is not
    one of our accounts; nothing is auto-created and nothing imported."""
    own_account(entity_de, iban="NL08INGB0000001234")  # some other account of ours
    before = row_counts()

    message = _refused(fixtures_dir / "camt053/genkgo_camt053.v2.multi.statement.xml")

    assert "NL26VAYB8060476890" in message
    assert "253EURNL26VAYB8060476890" in message
    assert "not one of our bank accounts" in message
    assert row_counts() == before


def test_counterparty_account_is_not_ours(entity_de: Any, fixtures_dir: Path) -> None:
    """SVAPNIL ing/example_camt.xml whose IBAN is on file only as a supplier's account: still refused."""
    from tests.factories import CounterpartyBankAccountFactory

    CounterpartyBankAccountFactory(iban="NL08INGB0000001234")

    message = _refused(fixtures_dir / "camt053/svapnil_ing_example_camt.xml")

    assert "NL08INGB0000001234" in message
    assert not BankStatement.objects.exists()


def test_same_statement_id_with_different_content_is_refused(entity_de: Any, fixtures_dir: Path) -> None:
    """GENKGO camt053.v2.multi.statement.xml and camt053.v2.five.decimals.xml both hold statement
    253EURNL26VAYB8060476890 for NL26VAYB8060476890, with different amounts (8.85 vs 8.850 and
    closing 27.00 vs 27.050): the second is refused loudly, the first stays as it was."""
    own_account(entity_de, iban="NL26VAYB8060476890")
    run_cli(fixtures_dir / "camt053/genkgo_camt053.v2.multi.statement.xml")
    before = row_counts()

    message = _refused(fixtures_dir / "camt053/genkgo_camt053.v2.five.decimals.xml")

    assert "statement 253EURNL26VAYB8060476890 for account NL26 VAYB 8060 4768 90" in message
    assert "already imported with different content" in message
    assert row_counts() == before


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_zip_of_two_camt_files_imports_both(entity_de: Any, fixtures_dir: Path, tmp_path: Path) -> None:
    """A ZIP (banks send camt files zipped) of SVAPNIL ing/example_camt.xml and
    abn_amro/example_camt.xml: 1 + 1 statements, 9 + 13 entries, in one import."""
    own_account(entity_de, iban="NL08INGB0000001234")
    own_account(entity_de, iban="NL77ABNA0574908765")
    archive = tmp_path / "statements.zip"
    archive.write_bytes(
        _zip(
            {
                "ing.xml": (fixtures_dir / "camt053/svapnil_ing_example_camt.xml").read_bytes(),
                "abn.xml": (fixtures_dir / "camt053/svapnil_abn-amro_example_camt.xml").read_bytes(),
            }
        )
    )

    summary = run_cli(archive)

    assert summary["format"] == "zip"
    assert [m["format"] for m in summary["members"]] == ["camt.053", "camt.053"]
    assert (summary["statements"], summary["entries"]) == (2, 22)
    assert summary["credits"] == {"EUR": "1018.00"}  # 990.00 + 28.00
    assert BankStatement.objects.filter(inbound_file__filename="statements.zip").count() == 2


def test_zip_with_one_broken_member_imports_nothing(entity_de: Any, fixtures_dir: Path, tmp_path: Path) -> None:
    """A ZIP of SVAPNIL ing/example_camt.xml (fine) and GENKGO camt053.v2.wrong.xml (no Stmt): the
    good member is rolled back with the bad one; the message names the broken member."""
    own_account(entity_de, iban="NL08INGB0000001234")
    archive = tmp_path / "mixed.zip"
    archive.write_bytes(
        _zip(
            {
                "ing.xml": (fixtures_dir / "camt053/svapnil_ing_example_camt.xml").read_bytes(),
                "wrong.xml": (fixtures_dir / "camt053/malformed/genkgo_camt053.v2.wrong.xml").read_bytes(),
            }
        )
    )
    before = row_counts()

    message = _refused(archive)

    assert "mixed.zip/wrong.xml" in message
    assert "BkToCstmrStmt/Stmt" in message
    assert row_counts() == before


def test_truncated_camt_is_refused_whole(entity_de: Any, fixtures_dir: Path, tmp_path: Path) -> None:
    """GENKGO camt053.v2.multi.statement.xml cut after its first statement: the first statement
    parsed fine, but the file is not whole, so neither is imported."""
    own_account(entity_de, iban="NL26VAYB8060476890")
    data = (fixtures_dir / "camt053/genkgo_camt053.v2.multi.statement.xml").read_bytes()
    cut = data.index(b"<Stmt>", data.index(b"</Stmt>"))
    truncated = tmp_path / "cut.xml"
    truncated.write_bytes(data[: cut + 200])
    before = row_counts()

    message = _refused(truncated)

    assert "cut.xml" in message
    assert "line" in message
    assert row_counts() == before


def test_truncated_mt940_is_refused_whole_after_its_lines_were_copied(
    entity_de: Any, fixtures_dir: Path, tmp_path: Path
) -> None:
    """WOLPH betterplace/sepa_mt9401.sta cut inside its last statement: the statements before
    were streamed into the database already, and are rolled back with the rest."""
    path = fixtures_dir / "mt940/wolph_betterplace_sepa_mt9401.sta"
    for number in sorted(set(re.findall(r"^:25:(\S+)", path.read_text("latin-1"), re.MULTILINE))):
        own_account(entity_de, number=number)
    data = path.read_bytes()
    truncated = tmp_path / "cut.sta"
    truncated.write_bytes(data[: data.rindex(b":62F:")])
    before = row_counts()

    message = _refused(truncated)

    assert "cut.sta" in message
    assert "looks truncated" in message
    assert row_counts() == before


def test_an_unknown_account_does_not_hide_a_broken_file(entity_de: Any, fixtures_dir: Path, tmp_path: Path) -> None:
    """GENKGO camt053.v2.multi.statement.xml cut inside its second statement, for an account that
    is not ours: the file is read on after the first statement is refused, and is refused for
    being broken, which is what its sender has to fix first."""
    own_account(entity_de, iban="NL08INGB0000001234")  # some other account of ours
    data = (fixtures_dir / "camt053/genkgo_camt053.v2.multi.statement.xml").read_bytes()
    cut = data.index(b"<Stmt>", data.index(b"</Stmt>"))
    truncated = tmp_path / "cut.xml"
    truncated.write_bytes(data[: cut + 200])
    before = row_counts()

    message = _refused(truncated)

    assert "not well-formed XML" in message
    assert "not one of our bank accounts" not in message
    assert row_counts() == before


def test_outbound_files_are_not_imports(fixtures_dir: Path, db: Any) -> None:
    """MOOV-ACH ppd-debit.ach (a PPD origination file) and generated-mockbank
    01_pain.001.001.09_sepaxml-input.xml (a payment order): what we send, never imported."""
    ach = _refused(fixtures_dir / "nacha/moov_ppd-debit.ach")
    pain001 = _refused(fixtures_dir / "generated-mockbank/01_pain.001.001.09_sepaxml-input.xml")

    assert "origination file" in ach
    assert "line 3" in ach
    assert "pain.001" in pain001
    assert not InboundFile.objects.exists()


@override_settings(BANK_FILE_MAX_BYTES=1000)
def test_a_file_above_the_size_limit_is_refused_before_it_is_read(fixtures_dir: Path, db: Any) -> None:
    """SVAPNIL ing/example_camt.xml is about 9 kB; with a 1000-byte limit the CLI refuses it from its size."""
    message = _refused(fixtures_dir / "camt053/svapnil_ing_example_camt.xml")

    assert "above the limit of 1,000 bytes" in message


def test_a_browser_refusal_keeps_the_file_and_a_retry_imports_it(
    entity_de: Any, treasury_de: Any, fixtures_dir: Path
) -> None:
    """SVAPNIL ing/example_camt.xml uploaded before its account exists: refused and kept (status,
    reason, bytes, an audit event); once the account is added the same bytes import."""
    from finops.audit.models import AuditEvent

    data = (fixtures_dir / "camt053/svapnil_ing_example_camt.xml").read_bytes()

    with pytest.raises(BankFileRefused) as caught:
        bank_file_import(data=data, filename="ing.xml", user=treasury_de)

    kept = InboundFile.objects.get(pk=caught.value.inbound_file_id)
    assert (kept.status, kept.format, kept.received_by) == ("refused", "camt.053", treasury_de)
    assert "NL08INGB0000001234" in kept.error
    assert "ing.xml" in kept.error
    assert bytes(kept.content) == data
    assert AuditEvent.objects.filter(action="bank_file.refused", object_id=str(kept.pk)).exists()
    assert not BankStatement.objects.exists()

    own_account(entity_de, iban="NL08INGB0000001234")
    result = bank_file_import(data=data, filename="ing.xml", user=treasury_de)

    assert (result.status, result.inbound_file_id) == ("imported", kept.pk)
    kept.refresh_from_db()
    assert (kept.status, kept.error) == ("imported", "")
    assert BankStatement.objects.get().inbound_file_id == kept.pk


def test_a_user_may_not_import_into_an_entity_where_they_only_read(
    entity_de: Any, auditor_de: Any, fixtures_dir: Path
) -> None:
    """SVAPNIL ing/example_camt.xml for a DE01 account, by DE01's auditor: refused, nothing imported."""
    own_account(entity_de, iban="NL08INGB0000001234")
    data = (fixtures_dir / "camt053/svapnil_ing_example_camt.xml").read_bytes()

    with pytest.raises(BankFileRefused, match="does not allow importing"):
        bank_file_import(data=data, filename="ing.xml", user=auditor_de)

    assert not BankStatement.objects.exists()


def test_another_entitys_account_looks_unknown_to_the_user(
    entity_gb: Any, treasury_de: Any, fixtures_dir: Path
) -> None:
    """SVAPNIL ing/example_camt.xml for a GB01 account, by a DE01 treasury analyst: refused as an
    account not in their entities (they must not learn that GB01 has it)."""
    own_account(entity_gb, iban="NL08INGB0000001234")
    data = (fixtures_dir / "camt053/svapnil_ing_example_camt.xml").read_bytes()

    with pytest.raises(BankFileRefused) as caught:
        bank_file_import(data=data, filename="ing.xml", user=treasury_de)

    assert "not one of our bank accounts in your entities" in caught.value.message
    assert "GB01" not in caught.value.message


def test_a_statement_resent_in_a_foreign_namespace_is_an_unknown_format_not_a_duplicate(
    entity_de: Any, fixtures_dir: Path, tmp_path: Path
) -> None:
    """SVAPNIL ing/example_camt.xml imported, then the same document moved into another namespace:
    its elements read the same, but it is not a camt.053 we read, so it is refused as unknown
    before any statement is looked up as a duplicate."""
    own_account(entity_de, iban="NL08INGB0000001234")
    path = fixtures_dir / "camt053/svapnil_ing_example_camt.xml"
    run_cli(path)
    foreign = tmp_path / "foreign.xml"
    foreign.write_bytes(path.read_bytes().replace(b"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02", b"urn:example:x"))
    before = row_counts()

    message = _refused(foreign)

    assert "'urn:example:x' is not one of the ISO 20022" in message
    assert "element Document/BkToCstmrStmt" in message
    assert "duplicate" not in message
    assert row_counts() == before


def test_bytes_imported_by_an_earlier_release_in_a_foreign_namespace_are_refused_not_a_duplicate(
    fixtures_dir: Path, tmp_path: Path, db: Any
) -> None:
    """SVAPNIL ing/example_camt.xml in another namespace, recorded as imported (as a release that
    read by element names alone would have): the same bytes again are refused as an unknown format,
    the namespace being checked before the file's sha256 is looked up."""
    data = (fixtures_dir / "camt053/svapnil_ing_example_camt.xml").read_bytes()
    foreign = data.replace(b"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02", b"urn:example:x")
    InboundFile.objects.create(
        sha256=hashlib.sha256(foreign).hexdigest(), filename="earlier.xml", size=len(foreign), status="imported"
    )
    path = tmp_path / "again.xml"
    path.write_bytes(foreign)

    message = _refused(path)

    assert "'urn:example:x' is not one of the ISO 20022" in message
