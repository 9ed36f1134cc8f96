"""Bank acknowledgements: pain.002 status reports and NACHA returns / notifications of change move
our released payments to accepted or rejected, open exceptions for rejections, and move a
transmitted batch to acknowledged, partly rejected or rejected."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError

from finops.audit.models import AuditEvent
from finops.payables.models import Payment
from integrations.bankfiles.models import ProcessedMessage
from integrations.bankfiles.services import BankFileRefused, bank_file_import
from integrations.bankfiles.services.payment_status import _report_content
from integrations.formats.pain002 import parse_pain002
from reconciliation.exceptions.models import ExceptionItem
from tests.integrations.bankfiles.helpers import released_payment, row_counts, run_cli, transmitted_batch
from tests.integrations.formats.nacha_samples import noc_file


def _state(e2e: str) -> tuple[str, str]:
    payment = Payment.objects.get(end_to_end_id=e2e)
    return payment.state, payment.status_reason


def test_nordea_transaction_rejects_reject_every_payment_of_the_block(entity_de: Any, fixtures_dir: Path) -> None:
    """SVAPNIL nordea/pain_002_v3_txn_reject.xml: PmtInf PMTINFID-950-TEST2-2807-01 RJCT with two
    TxInfAndSts RJCT NARR (…-01, …-02). Our batch sent under that PmtInfId has a third payment the
    file does not list: the block-level RJCT rejects it too, and the batch is rejected."""
    batch = transmitted_batch(
        entity_de,
        "PMTINFID-950-TEST2-2807-01",
        ["ENDTOENDID-950-TEST2-2807-01", "ENDTOENDID-950-TEST2-2807-02", "ENDTOENDID-950-TEST2-2807-03"],
    )

    summary = run_cli(fixtures_dir / "pain002/svapnil_nordea_pain002_v3_txn_reject.xml")

    assert summary == {
        "format": "pain.002",
        "status": "imported",
        "inbound_file": summary["inbound_file"],
        "transactions": 2,
        "accepted": 0,
        "rejected": 3,
        "unknown": 0,
        "duplicates": 0,
        "documents": 1,
        "warnings": [],
    }
    state, reason = _state("ENDTOENDID-950-TEST2-2807-01")
    assert state == "rejected"
    assert reason == "NARR: CAP Invalid code or combinations in CategoryPurpose or ServiceLevel"
    assert _state("ENDTOENDID-950-TEST2-2807-03")[0] == "rejected"
    batch.refresh_from_db()
    assert batch.state == "rejected"
    items = ExceptionItem.objects.filter(kind="rejected_payment", state="open")
    assert items.count() == 3
    assert {i.object_id for i in items} == {str(p.pk) for p in Payment.objects.all()}
    assert AuditEvent.objects.filter(object_type="payables.Payment", action="released->rejected").count() == 3


def test_nordea_payment_level_reject_rejects_the_whole_batch(entity_de: Any, fixtures_dir: Path) -> None:
    """SVAPNIL nordea/pain_002_v3_payment_reject.xml: PmtInfSts RJCT NARR 'CAP Invalid code …', no
    transactions listed; both payments of our batch PMTINFID-COM-SCE25-1707-01 are rejected."""
    batch = transmitted_batch(entity_de, "PMTINFID-COM-SCE25-1707-01", ["COM-1", "COM-2"])

    summary = run_cli(fixtures_dir / "pain002/svapnil_nordea_pain002_v3_payment_reject.xml")

    assert (summary["transactions"], summary["rejected"], summary["unknown"]) == (0, 2, 0)
    assert [_state(e)[0] for e in ("COM-1", "COM-2")] == ["rejected", "rejected"]
    assert _state("COM-1")[1].startswith("NARR: CAP Invalid code")
    batch.refresh_from_db()
    assert batch.state == "rejected"
    assert ExceptionItem.objects.filter(kind="rejected_payment").count() == 2


def test_goldman_sachs_accp_accepts_and_acknowledges_the_batch(entity_de: Any, fixtures_dir: Path) -> None:
    """SVAPNIL goldman_sachs/pain_002_v3_accepted.xml: MsgId 1036XXX, one tx ACCP for E2E
    GSDGFKfLURaHb (10.00 USD); XSD invalid, which is only a warning."""
    batch = transmitted_batch(entity_de, "10280093XXXX", ["GSDGFKfLURaHb"])

    summary = run_cli(fixtures_dir / "pain002/svapnil_goldman_sachs_pain002_v3_accepted.xml")

    assert (summary["transactions"], summary["accepted"], summary["rejected"]) == (1, 1, 0)
    assert any("XSD" in w for w in summary["warnings"])
    assert _state("GSDGFKfLURaHb")[0] == "accepted"
    batch.refresh_from_db()
    assert batch.state == "acknowledged"
    assert batch.acknowledged_at is not None
    assert not ExceptionItem.objects.exists()
    assert ProcessedMessage.objects.get().message_id == "1036XXX"


def test_cross_river_without_namespace_rejects_known_and_warns_about_unknown(
    entity_de: Any, fixtures_dir: Path
) -> None:
    """SVAPNIL cross_river/pain_002_transaction_rejected.xml (root spelled `Xmlns=`, so no
    namespace): PmtInf missing2 RJCT, 3 tx RJCT NARR. We know two of the three end-to-end ids;
    the third is a warning and counted unknown, not a failure."""
    released_payment(entity_de, "sanity-10-1-12-1-21")
    released_payment(entity_de, "example01234567")

    summary = run_cli(fixtures_dir / "pain002/svapnil_cross_river_pain002_transaction_rejected.xml")

    assert (summary["transactions"], summary["rejected"], summary["unknown"]) == (3, 2, 1)
    assert any("'example012345678'" in w for w in summary["warnings"])
    assert _state("example01234567") == ("rejected", "NARR: Instruction ID example01234567 already exist")
    assert ExceptionItem.objects.filter(kind="rejected_payment").count() == 2


def test_cross_river_acsp_accepts(entity_de: Any, fixtures_dir: Path) -> None:
    """SVAPNIL cross_river/pain_002_credit_accepted.xml: GrpSts ACTC, PmtInf ACTC, 1 tx ACSP."""
    released_payment(entity_de, "0000000000000108")

    summary = run_cli(fixtures_dir / "pain002/svapnil_cross_river_pain002_credit_accepted.xml")

    assert (summary["accepted"], summary["rejected"]) == (1, 0)
    assert _state("0000000000000108")[0] == "accepted"


def test_mockbank_part_report_partly_rejects_the_batch(entity_de: Any, fixtures_dir: Path) -> None:
    """generated-mockbank (SYNTHETIC, mock-bank 0.9.0) 02_pain.002.001.10_part.xml: GrpSts PART,
    ACCP / RJCT AC01 ('fails its check digits') / ACCP for E2E-OK-1, E2E-BADIBAN-2, E2E-OK-3."""
    batch = transmitted_batch(entity_de, "20261122083410-1fd5d33f0e7b", ["E2E-OK-1", "E2E-BADIBAN-2", "E2E-OK-3"])

    summary = run_cli(fixtures_dir / "generated-mockbank/02_pain.002.001.10_part.xml")

    assert (summary["transactions"], summary["accepted"], summary["rejected"]) == (3, 2, 1)
    assert _state("E2E-OK-1")[0] == _state("E2E-OK-3")[0] == "accepted"
    assert _state("E2E-BADIBAN-2") == ("rejected", "AC01: DE89370400440532013001 fails its check digits")
    batch.refresh_from_db()
    assert batch.state == "partly_rejected"
    item = ExceptionItem.objects.get(kind="rejected_payment")
    assert (
        item.dedupe_key == f"rejected_payment:payables.Payment:{Payment.objects.get(end_to_end_id='E2E-BADIBAN-2').pk}"
    )


def test_pain002_imported_twice_changes_nothing_the_second_time(
    entity_de: Any, fixtures_dir: Path, tmp_path: Path
) -> None:
    """generated-mockbank 02_pain.002.001.10_part.xml again (same bytes), then re-sent with a
    trailing newline (other bytes, same MsgId MB-P002-000001): both duplicates, no change."""
    transmitted_batch(entity_de, "B-MB", ["E2E-OK-1", "E2E-BADIBAN-2", "E2E-OK-3"])
    path = fixtures_dir / "generated-mockbank/02_pain.002.001.10_part.xml"
    run_cli(path)
    before = row_counts()
    resent = tmp_path / "again.xml"
    resent.write_bytes(path.read_bytes() + b"\n")

    same = run_cli(path)
    other_bytes = run_cli(resent)

    assert (same["status"], same["duplicates"], same["rejected"]) == ("duplicate", 1, 0)
    assert (other_bytes["status"], other_bytes["duplicates"], other_bytes["rejected"]) == ("duplicate", 1, 0)
    assert row_counts() == before | {
        "inbound_files": before["inbound_files"] + 1,
        "audit_events": before["audit_events"] + 1,
    }


@pytest.mark.parametrize(
    ("fixture", "payment", "was", "becomes", "message_id"),
    [
        # generated-mockbank 02_pain.002.001.10_part.xml: the RJCT of E2E-BADIBAN-2 became ACCP
        ("generated-mockbank/02_pain.002.001.10_part.xml", "E2E-BADIBAN-2", b">RJCT<", b">ACCP<", "MB-P002-000001"),
        # SVAPNIL goldman_sachs/pain_002_v3_accepted.xml: the original amount 10.00 USD became 99.00
        ("pain002/svapnil_goldman_sachs_pain002_v3_accepted.xml", "GSDGFKfLURaHb", b">10.00<", b">99.00<", "1036XXX"),
    ],
)
def test_pain002_with_a_reused_msgid_and_other_content_is_refused(
    entity_de: Any,
    fixtures_dir: Path,
    tmp_path: Path,
    fixture: str,
    payment: str,
    was: bytes,
    becomes: bytes,
    message_id: str,
) -> None:
    """A report, then a copy with another status or amount under the same MsgId: the bank reused an
    id, so the second is refused loudly (never a quiet duplicate) and nothing changes."""
    released_payment(entity_de, payment)
    path = fixtures_dir / fixture
    run_cli(path)
    changed = tmp_path / "changed.xml"
    changed.write_bytes(path.read_bytes().replace(was, becomes))
    before = row_counts()

    with pytest.raises(CommandError, match=f"{message_id} was already imported with different content"):
        run_cli(changed)

    assert row_counts() == before


def test_pain002_for_another_entitys_payment_is_unknown_to_the_user(
    entity_de: Any, entity_gb: Any, treasury_de: Any, fixtures_dir: Path
) -> None:
    """SVAPNIL goldman_sachs/pain_002_v3_accepted.xml uploaded by a DE01 analyst, the payment is GB01's:
    a warning (unknown), the GB01 payment is untouched."""
    released_payment(entity_gb, "GSDGFKfLURaHb")
    data = (fixtures_dir / "pain002/svapnil_goldman_sachs_pain002_v3_accepted.xml").read_bytes()

    result = bank_file_import(data=data, filename="gs.xml", user=treasury_de)

    assert (result.summary["accepted"], result.summary["unknown"]) == (0, 1)
    assert _state("GSDGFKfLURaHb")[0] == "released"


def test_nacha_returns_reject_payments_with_their_r_codes(entity_de: Any, fixtures_dir: Path) -> None:
    """MOOV-ACH return-WEB.ach: two WEB returns, R01 (individual id MjMxNDAwMjAtOGQ, original trace
    091400600000001) and R03 (original trace 091400600000003). One payment is found by individual
    id, the other by the original trace number."""
    by_individual_id = released_payment(entity_de, "MjMxNDAwMjAtOGQ")
    by_trace = released_payment(entity_de, "091400600000003")

    summary = run_cli(fixtures_dir / "nacha/moov_return-WEB.ach")

    assert summary["format"] == "nacha"
    assert (summary["returns"], summary["rejected"], summary["unknown"]) == (2, 2, 0)
    by_individual_id.refresh_from_db()
    by_trace.refresh_from_db()
    assert (by_individual_id.state, by_individual_id.status_reason) == ("rejected", "R01: insufficient funds")
    assert (by_trace.state, by_trace.status_reason) == ("rejected", "R03: no account / unable to locate account")
    assert ExceptionItem.objects.filter(kind="rejected_payment").count() == 2
    assert run_cli(fixtures_dir / "nacha/moov_return-WEB.ach")["duplicates"] == 1


def test_nacha_notification_of_change_opens_a_master_data_conflict(entity_de: Any, db: Any) -> None:
    """Synthetic NOC (C01, corrected account 987654321) for our payment with original trace
    121042880000007: the payment is not rejected; a master_data_conflict exception names the change."""
    payment = released_payment(entity_de, "121042880000007")

    result = bank_file_import(data=noc_file(), filename="noc.ach", source="test")

    assert (result.summary["notifications_of_change"], result.summary["rejected"]) == (1, 0)
    item = ExceptionItem.objects.get(kind="master_data_conflict")
    assert "C01" in item.title
    assert "987654321" in item.title
    assert item.detail["corrected_data"] == "987654321"
    assert item.object_id == str(payment.pk)
    payment.refresh_from_db()
    assert payment.state == "released"


def test_a_rejection_for_a_payment_not_yet_released_is_a_warning_and_an_exception(
    entity_de: Any, fixtures_dir: Path
) -> None:
    """MOOV-ACH return-WEB.ach R01 for a payment we still have as proposed: the state machine does
    not allow proposed → rejected, so the state stays and the import warns; the exception still opens."""
    from tests.factories import PaymentFactory

    PaymentFactory(entity=entity_de, end_to_end_id="MjMxNDAwMjAtOGQ")

    summary = run_cli(fixtures_dir / "nacha/moov_return-WEB.ach")

    assert _state("MjMxNDAwMjAtOGQ")[0] == "proposed"
    assert any("is proposed" in w for w in summary["warnings"])
    assert ExceptionItem.objects.filter(kind="rejected_payment").count() == 1


def test_a_user_without_the_role_cannot_apply_acknowledgements(
    entity_de: Any, clerk_de: Any, fixtures_dir: Path
) -> None:
    """SVAPNIL goldman_sachs/pain_002_v3_accepted.xml by DE01's AP clerk: refused, payment untouched."""
    released_payment(entity_de, "GSDGFKfLURaHb")
    data = (fixtures_dir / "pain002/svapnil_goldman_sachs_pain002_v3_accepted.xml").read_bytes()

    with pytest.raises(BankFileRefused, match="does not allow importing"):
        bank_file_import(data=data, filename="gs.xml", user=clerk_de)

    assert _state("GSDGFKfLURaHb")[0] == "released"


def test_pain002_matching_no_payment_of_ours_is_imported_and_opens_one_exception(
    entity_de: Any, fixtures_dir: Path
) -> None:
    """generated-mockbank 02_pain.002.001.10_part.xml when we hold none of its payments: the
    message is recorded (imported, not a duplicate) and one exception names it and its ids, in the
    treasury queue; the same file again is a duplicate and opens nothing more."""
    path = fixtures_dir / "generated-mockbank/02_pain.002.001.10_part.xml"

    summary = run_cli(path)
    again = run_cli(path)

    assert (summary["status"], summary["transactions"], summary["unknown"]) == ("imported", 3, 3)
    assert again["status"] == "duplicate"
    item = ExceptionItem.objects.get()
    assert (item.kind, item.entity, item.object_type) == ("bank_reconciliation", entity_de, "bankfiles.InboundFile")
    assert "MB-P002-000001" in item.title
    assert item.detail["original_message_id"] == "20261122083410-1fd5d33f0e7b"
    assert item.detail["payment_information_ids"] == ["ACMECorporation-fac1b8e00a8c"]
    assert item.detail["end_to_end_ids"] == ["E2E-OK-1", "E2E-BADIBAN-2", "E2E-OK-3"]
    assert ProcessedMessage.objects.get().message_id == "MB-P002-000001"


def test_pain002_matching_one_payment_of_ours_opens_no_exception(entity_de: Any, fixtures_dir: Path) -> None:
    """The same file when one of its three payments is ours: warnings for the two others only."""
    released_payment(entity_de, "E2E-OK-1")

    summary = run_cli(fixtures_dir / "generated-mockbank/02_pain.002.001.10_part.xml")

    assert (summary["accepted"], summary["unknown"]) == (1, 2)
    assert not ExceptionItem.objects.exists()


def test_pain002_with_a_msgid_longer_than_we_keep_is_refused_naming_it(
    entity_de: Any, fixtures_dir: Path, tmp_path: Path
) -> None:
    path = fixtures_dir / "generated-mockbank/02_pain.002.001.10_part.xml"
    long_id = tmp_path / "long.xml"
    long_id.write_bytes(path.read_bytes().replace(b"MB-P002-000001", b"M" * 500))
    before = row_counts()

    with pytest.raises(CommandError, match=r"long\.xml: pain\.002 M+: its message id is 500 characters long"):
        run_cli(long_id)

    assert row_counts() == before


def test_pain002_recorded_before_amounts_counted_is_still_a_duplicate(
    entity_de: Any, fixtures_dir: Path, tmp_path: Path
) -> None:
    """SVAPNIL goldman_sachs/pain_002_v3_accepted.xml recorded with the content hash of earlier
    releases (statuses and ids, no amounts), then re-sent in other bytes: a duplicate, not other
    content."""
    released_payment(entity_de, "GSDGFKfLURaHb")
    path = fixtures_dir / "pain002/svapnil_goldman_sachs_pain002_v3_accepted.xml"
    run_cli(path)
    earlier = _report_content(parse_pain002(path.read_bytes()), with_amounts=False)
    ProcessedMessage.objects.update(content_sha256=hashlib.sha256(earlier.encode()).hexdigest())
    resent = tmp_path / "resent.xml"
    resent.write_bytes(path.read_bytes() + b"\n")

    again = run_cli(resent)

    assert (again["status"], again["duplicates"]) == ("duplicate", 1)
