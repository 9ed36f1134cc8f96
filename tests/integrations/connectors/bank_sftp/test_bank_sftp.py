"""Bank files by SFTP poll, against the sandbox's real SFTP server on 127.0.0.1: the connection
test, the poll importing real bank files, re-runs and re-sent files importing nothing twice, a
refused file kept as a failure and dead-lettered, connection failures retried, and secrets kept
out of everything written."""

from __future__ import annotations

import datetime as dt
import logging
import socket
from decimal import Decimal

import asyncssh
import pytest

from finops.audit.models import AuditEvent
from finops.treasury.models import BankStatement, StatementLine
from integrations.bankfiles.models import InboundFile
from integrations.models import SyncFailure, SyncRun
from integrations.sandbox.testing import http_call
from integrations.services import connector_test
from integrations.states import FailureState, SyncState
from integrations.sync.replay import failure_replay
from reconciliation.exceptions.models import ExceptionItem
from tests.integrations.bankfiles.helpers import own_account
from tests.integrations.connectors.bank_sftp.support import (
    FOLDER,
    put_file,
    put_fixture,
    remote_files,
    sftp_connector,
)
from tests.integrations.connectors.support import run_once

ING_CAMT = "camt053/svapnil_ing_example_camt.xml"  # SVAPNIL ing/example_camt.xml: NL08INGB0000001234, 9 entries
RABO_MT940 = "mt940/wolph_jejik_rabobank-iban.sta"  # WOLPH jejik/rabobank-iban.sta: 2 statements, 4 lines
WRONG_CAMT = "camt053/malformed/genkgo_camt053.v2.wrong.xml"  # GENKGO: camt.053 without GrpHdr or Stmt
OTHER_FINGERPRINT = "SHA256:" + "A" * 43


@pytest.fixture
def accounts(entity_de):
    return (
        own_account(entity_de, iban="NL08INGB0000001234"),
        own_account(entity_de, iban="NL71RABO0123456789"),
    )


def _counts(run: SyncRun) -> tuple[str, int, int, int, int]:
    return run.state, run.received, run.created, run.duplicates, run.failed


# --- test connection ---------------------------------------------------------------------------


def test_test_connection_verifies_the_host_key_and_counts_the_waiting_files(admin_de, entity_de, bank, fixtures_dir):
    connector = sftp_connector(admin_de, entity_de, bank, filename_pattern="*.xml")
    put_fixture(bank, fixtures_dir / ING_CAMT)
    put_fixture(bank, fixtures_dir / RABO_MT940)

    result = connector_test(connector_id=connector.pk, actor=admin_de)

    assert result.ok, result.message
    assert bank.host_key_fingerprint in result.message
    assert "1 file(s) matching *.xml wait in /INBOX (1 other file(s) there are not taken)" in result.message


def test_test_connection_with_a_wrong_password_says_the_login_was_refused(admin_de, entity_de, bank):
    connector = sftp_connector(
        admin_de, entity_de, bank, credentials={"username": bank.username, "password": "not-the-password"}
    )

    result = connector_test(connector_id=connector.pk, actor=admin_de)

    assert not result.ok
    assert f"refused the login of '{bank.username}'" in result.message
    assert "not-the-password" not in result.message


def test_test_connection_refuses_a_server_whose_host_key_is_not_the_pinned_one(admin_de, entity_de, bank):
    connector = sftp_connector(admin_de, entity_de, bank, host_key_fingerprint=OTHER_FINGERPRINT)

    result = connector_test(connector_id=connector.pk, actor=admin_de)

    assert not result.ok
    assert f"presented host key {bank.host_key_fingerprint}, not the pinned {OTHER_FINGERPRINT}" in result.message
    assert "refusing to connect" in result.message


def test_without_a_pinned_host_key_nothing_is_fetched_and_the_presented_key_is_shown(
    admin_de, entity_de, bank, fixtures_dir, accounts
):
    connector = sftp_connector(admin_de, entity_de, bank, host_key_fingerprint="")
    put_fixture(bank, fixtures_dir / ING_CAMT)

    result = connector_test(connector_id=connector.pk, actor=admin_de)
    run = run_once(connector)

    assert not result.ok
    assert f"presented host key {bank.host_key_fingerprint}, and no host key is pinned yet" in result.message
    assert run.state == SyncState.FAILED
    assert "no host key is pinned yet" in run.error
    assert InboundFile.objects.count() == 0


def test_a_private_key_logs_in_where_the_server_knows_its_public_key(admin_de, entity_de, bank):
    key = asyncssh.generate_private_key("ssh-ed25519")
    public = key.export_public_key("openssh").decode()
    answer = http_call(
        "POST", f"{bank.base_url}/_sandbox/sftp/authorized_keys", json_body={"public_key": public}, token=None
    )
    assert answer.status == 201, answer.body
    private = key.export_private_key("openssh").decode()
    put_file(bank, f"{FOLDER}/statement.xml", b"<Document/>")
    connector = sftp_connector(
        admin_de, entity_de, bank, credentials={"username": bank.username, "private_key": private}
    )

    result = connector_test(connector_id=connector.pk, actor=admin_de)

    assert result.ok, result.message
    assert "1 file(s) matching * wait in /INBOX" in result.message


# --- the poll ----------------------------------------------------------------------------------


def test_a_poll_imports_each_file_moves_it_to_processed_and_a_rerun_finds_nothing_new(
    admin_de, entity_de, bank, fixtures_dir, accounts
):
    """SVAPNIL ing/example_camt.xml (1 statement, 9 entries) and WOLPH rabobank-iban.sta
    (2 statements, 4 lines), both for accounts of DE01."""
    connector = sftp_connector(admin_de, entity_de, bank)
    put_fixture(bank, fixtures_dir / ING_CAMT)
    put_fixture(bank, fixtures_dir / RABO_MT940)

    run = run_once(connector)

    assert _counts(run) == (SyncState.SUCCEEDED, 2, 2, 0, 0)
    assert BankStatement.objects.filter(bank_account__in=accounts).count() == 3
    assert StatementLine.objects.filter(statement__bank_account__in=accounts).count() == 13
    assert set(InboundFile.objects.values_list("filename", "source", "status")) == {
        ("svapnil_ing_example_camt.xml", "bank_sftp", "imported"),
        ("wolph_jejik_rabobank-iban.sta", "bank_sftp", "imported"),
    }
    moved = remote_files(bank)
    assert len(moved) == 2
    assert all(path.startswith(f"{FOLDER}/processed/") for path in moved)
    assert sorted(path.split("-", 1)[1] for path in moved) == [
        "svapnil_ing_example_camt.xml",
        "wolph_jejik_rabobank-iban.sta",
    ]

    again = run_once(connector)

    assert _counts(again) == (SyncState.SUCCEEDED, 0, 0, 0, 0)
    assert StatementLine.objects.filter(statement__bank_account__in=accounts).count() == 13


def test_a_file_fetched_again_is_a_duplicate_and_imports_nothing_twice(
    admin_de, entity_de, bank, fixtures_dir, accounts
):
    """after_import "leave" (as when the worker died before the move): the same files are fetched
    by every run; then the ING bytes arrive again under another name."""
    connector = sftp_connector(admin_de, entity_de, bank, after_import="leave")
    put_fixture(bank, fixtures_dir / ING_CAMT)
    put_fixture(bank, fixtures_dir / RABO_MT940)
    first = run_once(connector)

    second = run_once(connector)
    put_fixture(bank, fixtures_dir / ING_CAMT, "ing-resent.xml")
    third = run_once(connector)

    assert _counts(first) == (SyncState.SUCCEEDED, 2, 2, 0, 0)
    assert _counts(second) == (SyncState.SUCCEEDED, 2, 0, 2, 0)
    assert _counts(third) == (SyncState.SUCCEEDED, 3, 0, 3, 0)
    assert StatementLine.objects.filter(statement__bank_account__in=accounts).count() == 13
    assert InboundFile.objects.count() == 2
    assert len(remote_files(bank)) == 3  # left where they were


def test_a_refused_file_is_a_failure_naming_it_retried_then_dead_lettered_and_nothing_is_half_imported(
    admin_de, entity_de, bank, fixtures_dir, accounts
):
    """GENKGO camt053.v2.wrong.xml beside the good ING file; record_max_attempts 2."""
    connector = sftp_connector(admin_de, entity_de, bank)
    connector.record_max_attempts = 2
    connector.save(update_fields=["record_max_attempts"])
    put_fixture(bank, fixtures_dir / WRONG_CAMT, "broken.xml")
    put_fixture(bank, fixtures_dir / ING_CAMT)

    first = run_once(connector)

    assert _counts(first) == (SyncState.PARTLY_FAILED, 2, 1, 0, 1)
    failure = SyncFailure.objects.get(connector=connector)
    assert (failure.resource, failure.key, failure.state, failure.attempts) == ("files", "broken.xml", "open", 1)
    assert failure.error.startswith("broken.xml")
    assert "nothing was imported" in failure.error
    assert failure.payload["path"] == f"{FOLDER}/broken.xml"
    assert not InboundFile.objects.filter(filename="broken.xml").exists()
    assert BankStatement.objects.count() == 1  # the ING statement only
    assert f"{FOLDER}/broken.xml" in remote_files(bank)  # kept on the server for the next run

    second = run_once(connector)
    third = run_once(connector)

    failure.refresh_from_db()
    assert _counts(second) == (SyncState.PARTLY_FAILED, 1, 0, 0, 1)
    assert (failure.state, failure.attempts) == (FailureState.DEAD, 2)
    assert ExceptionItem.objects.filter(kind="sync_failure", title__contains="broken.xml").count() == 1
    assert _counts(third) == (SyncState.SUCCEEDED, 0, 0, 0, 0)  # a dead letter is left alone
    assert BankStatement.objects.count() == 1


def test_a_hostile_file_is_a_failure_naming_its_field_and_the_files_behind_it_are_imported(
    admin_de, entity_de, bank, fixtures_dir, accounts
):
    """Our own MT940 for the ING account whose closing balance has 40 digits, named to come first,
    beside SVAPNIL ing/example_camt.xml: the poison file is a failure naming it and its balance,
    kept on the server; the camt behind it is imported in the same run."""
    connector = sftp_connector(admin_de, entity_de, bank)
    poison = (
        ":20:POISON\n:25:NL08INGB0000001234\n:28C:1/1\n:60F:C260105EUR0,00\n:62F:C260105EUR" + "9" * 40 + ",00\n-\n"
    ).encode()
    put_file(bank, f"{FOLDER}/a-poison.sta", poison)
    put_fixture(bank, fixtures_dir / ING_CAMT, "b-ing.xml")

    run = run_once(connector)

    assert _counts(run) == (SyncState.PARTLY_FAILED, 2, 1, 0, 1)
    failure = SyncFailure.objects.get(connector=connector)
    assert failure.error.startswith("a-poison.sta, line 1: statement 1 (POISON/1/1): the closing balance CLBD")
    assert BankStatement.objects.get().bank_account == accounts[0]
    assert f"{FOLDER}/a-poison.sta" in remote_files(bank)


def test_an_oversize_file_is_refused_unread(admin_de, entity_de, bank, settings, accounts):
    settings.BANK_FILE_MAX_BYTES = 1000
    connector = sftp_connector(admin_de, entity_de, bank)
    put_file(bank, f"{FOLDER}/huge.xml", b"<x/>" * 1000)

    run = run_once(connector)

    failure = SyncFailure.objects.get(connector=connector)
    assert _counts(run) == (SyncState.PARTLY_FAILED, 1, 0, 0, 1)
    assert failure.error.startswith("huge.xml: the file is 4,000 bytes, above the limit of 1,000 bytes")
    assert failure.payload["sha256"] == ""  # never fetched


def test_a_file_still_being_written_is_left_for_the_next_run(admin_de, entity_de, bank, fixtures_dir, accounts):
    connector = sftp_connector(admin_de, entity_de, bank, filename_pattern="*.xml")
    put_file(bank, f"{FOLDER}/arriving.xml", (fixtures_dir / ING_CAMT).read_bytes(), age_seconds=0)

    run = run_once(connector)

    assert _counts(run) == (SyncState.SUCCEEDED, 0, 0, 0, 0)
    assert remote_files(bank) == [f"{FOLDER}/arriving.xml"]


def test_a_server_that_does_not_answer_is_retried_with_backoff_then_the_run_fails(admin_de, entity_de, bank):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens there once the socket is closed
    connector = sftp_connector(admin_de, entity_de, bank, port=port)

    run = run_once(connector)

    assert run.state == SyncState.FAILED
    assert run.retries == connector.max_attempts - 1
    assert f"after {connector.max_attempts} attempt(s)" in run.error
    assert "ConnectionRefusedError" in run.error


def test_a_server_that_accepts_but_never_answers_times_out_and_is_retried(admin_de, entity_de, bank):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes the handshake; no SSH banner ever comes
        connector = sftp_connector(admin_de, entity_de, bank, port=silent.getsockname()[1])

        run = run_once(connector)

    assert run.state == SyncState.FAILED
    assert run.retries == connector.max_attempts - 1
    assert "TimeoutError" in run.error


def test_a_file_refused_for_an_unknown_account_is_replayed_once_the_account_exists(
    admin_de, entity_de, bank, fixtures_dir
):
    """WOLPH rabobank-iban.sta arrives before NL71RABO0123456789 is one of our accounts."""
    connector = sftp_connector(admin_de, entity_de, bank)
    put_fixture(bank, fixtures_dir / RABO_MT940)
    first = run_once(connector)
    failure = SyncFailure.objects.get(connector=connector)
    own_account(entity_de, iban="NL71RABO0123456789")

    result = failure_replay(failure_id=failure.pk, actor=admin_de)

    failure.refresh_from_db()
    assert _counts(first) == (SyncState.PARTLY_FAILED, 1, 0, 0, 1)
    assert failure.error.startswith("wolph_jejik_rabobank-iban.sta")
    assert "NL71RABO0123456789, which is not one of our bank accounts" in failure.error
    assert result.ok, result.message
    assert failure.state == FailureState.RESOLVED
    assert StatementLine.objects.filter(statement__bank_account__iban="NL71RABO0123456789").count() == 4
    then = run_once(connector)  # the file is still there: a duplicate now, and moved away
    assert _counts(then) == (SyncState.SUCCEEDED, 1, 0, 1, 0)
    assert all("/processed/" in path for path in remote_files(bank))


def test_a_file_about_another_entitys_account_is_refused(admin_de, entity_de, entity_gb, bank, fixtures_dir):
    """DE01's connector fetches WOLPH rabobank-iban.sta, whose account is GB01's: nothing of it
    lands in GB01 through DE01's connector."""
    own_account(entity_gb, iban="NL71RABO0123456789")
    connector = sftp_connector(admin_de, entity_de, bank)
    put_fixture(bank, fixtures_dir / RABO_MT940)

    run = run_once(connector)

    failure = SyncFailure.objects.get(connector=connector)
    assert _counts(run) == (SyncState.PARTLY_FAILED, 1, 0, 0, 1)
    assert "NL71RABO0123456789, which is not one of our bank accounts of DE01" in failure.error
    assert not StatementLine.objects.exists()


def test_the_sandbox_banks_own_statement_files_import_and_reconcile(admin_de, entity_de, bank):
    """The sandbox drops a camt.053 per booked day of its accounts; for its Commerzbank account
    of DE01 they add up to what its API books before today, and every statement reconciles."""
    iban = "DE51370400445017319583"
    account = own_account(entity_de, iban=iban)
    connector = sftp_connector(
        admin_de, entity_de, bank, remote_folder="/COBADEFF", filename_pattern=f"camt053_{iban}_*.xml"
    )
    booked = http_call("GET", f"{bank.base_url}/_sandbox/bank/transactions", token=None).json()
    files = [p for p in remote_files(bank, "/COBADEFF/") if iban in p]

    run = run_once(connector)

    statements = BankStatement.objects.filter(bank_account=account)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    days = {t["booking_date"] for t in booked if t["iban"] == iban and t["booking_date"] < today}
    assert _counts(run) == (SyncState.SUCCEEDED, len(files), len(files), 0, 0)
    assert statements.count() == len(files) == len(days) >= 5
    assert not ExceptionItem.objects.filter(kind="balance_mismatch").exists()
    for statement in statements:
        assert statement.opening_balance + statement.total_credits - statement.total_debits == statement.closing_balance
    warnings = [w for f in InboundFile.objects.all() for w in f.summary.get("warnings", [])]
    assert warnings == []  # valid against the camt.053.001.02 XSD
    total = sum((Decimal(t["amount"]) for t in booked if t["iban"] == iban and t["booking_date"] in days), Decimal(0))
    assert sum((s.total_credits - s.total_debits for s in statements), Decimal(0)) == total


def test_no_password_or_key_reaches_logs_errors_or_the_audit_trail(admin_de, entity_de, bank, caplog):
    secret = "Wr0ng-but-secret-pa55"
    connector = sftp_connector(admin_de, entity_de, bank, credentials={"username": bank.username, "password": secret})
    caplog.set_level(logging.DEBUG)

    run = run_once(connector)
    result = connector_test(connector_id=connector.pk, actor=admin_de)

    assert run.state == SyncState.FAILED
    assert "refused the login" in run.error
    assert secret not in run.error
    assert secret not in result.message
    assert "sync.run_finished" in caplog.text  # the run's log lines were captured
    assert secret not in caplog.text
    assert not any(secret in str(e.after) + str(e.before) for e in AuditEvent.objects.all())
