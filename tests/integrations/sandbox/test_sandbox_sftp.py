"""The sandbox bank's SFTP server over real SSH: who may log in, the camt.053 it drops for each
booked day (valid, reconciling with its own API), accounts opened with a history, and the hooks
that place files for tests."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from integrations.formats import xsd
from integrations.formats.camt import iter_camt_statements
from integrations.formats.xmlsafe import message_name, parse_xml
from integrations.sandbox.testing import SandboxWithSftp, http_call, run_sandbox, run_sandbox_sftp

TODAY = dt.date(2026, 3, 18)  # a Wednesday
DEMO_IBAN = "DE02120300000000202051"


@pytest.fixture(scope="module")
def sftp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxWithSftp]:
    with run_sandbox_sftp(today=TODAY, state_dir=tmp_path_factory.mktemp("sandbox-state")) as sandbox:
        yield sandbox


@pytest.fixture
def bank(sftp_server: SandboxWithSftp) -> SandboxWithSftp:
    answer = http_call("POST", f"{sftp_server.base_url}/_sandbox/reset", token=None)
    assert answer.status == 200, answer.body
    return sftp_server


def _hook(bank: SandboxWithSftp, method: str, path: str, body: object = None) -> Any:
    answer = http_call(method, f"{bank.base_url}{path}", json_body=body, token=None)
    assert answer.status < 300, answer.body
    return answer.json()


def _fetch(bank: SandboxWithSftp, path: str, *, password: str | None = None) -> bytes:
    async def fetch() -> bytes:
        async with (
            asyncssh.connect(
                bank.sftp_host,
                bank.sftp_port,
                username=bank.username,
                password=password or bank.password,
                known_hosts=None,
                client_keys=None,
                agent_path=None,
                config=[],
                preferred_auth="password",
            ) as connection,
            connection.start_sftp_client() as sftp,
            sftp.open(path, "rb") as remote,
        ):
            data = await remote.read()
            assert connection.get_server_host_key().get_fingerprint("sha256") == bank.host_key_fingerprint
            return bytes(data)

    return asyncio.run(fetch())


def _statement_files(bank: SandboxWithSftp, iban: str) -> list[str]:
    files = _hook(bank, "GET", "/_sandbox/sftp/files")
    return sorted(f["path"] for f in files if f"_{iban}_" in f["path"])


def test_a_wrong_password_is_refused(bank: SandboxWithSftp) -> None:
    with pytest.raises(asyncssh.PermissionDenied):
        _fetch(bank, "/nothing.xml", password="wrong")


def test_each_booked_day_before_today_has_a_valid_camt053_that_reconciles_with_the_api(bank: SandboxWithSftp) -> None:
    accounts = http_call("GET", f"{bank.base_url}/bank/v1/accounts").json()["data"]
    iban = accounts[0]["iban"]
    booked = http_call("GET", f"{bank.base_url}/bank/v1/accounts/{iban}/transactions?limit=500").json()["data"]
    balances = http_call("GET", f"{bank.base_url}/bank/v1/accounts/{iban}/balances").json()["data"]
    closed_days = sorted({t["booking_date"] for t in booked if t["booking_date"] < TODAY.isoformat()})

    paths = _statement_files(bank, iban)

    assert [p.rsplit("_", 1)[1][:8] for p in paths] == [d.replace("-", "") for d in closed_days]
    previous_closing = None
    for path in paths:
        data = _fetch(bank, path)
        root = parse_xml(data, filename=path)
        assert message_name(root) == "camt.053.001.02"
        assert xsd.validate(root, "camt.053.001.02") == []
        [statement] = iter_camt_statements(io.BytesIO(data), filename=path, max_bytes=10_000_000)
        balance = {b.type: b.amount for b in statement.balances}
        entries = sum((e.amount if e.credit_debit == "CRDT" else -e.amount for e in statement.entries), Decimal(0))
        assert balance["OPBD"] + entries == balance["CLBD"]
        assert previous_closing in (None, balance["OPBD"])
        previous_closing = balance["CLBD"]
        day = statement.entries[0].booking_on.isoformat()
        assert {e.account_servicer_ref for e in statement.entries} == {
            t["id"] for t in booked if t["booking_date"] == day
        }
    clbd = next(b for b in balances if b["type"] == "CLBD")
    if closed_days[-1] == clbd["date"]:
        assert previous_closing == Decimal(clbd["amount"])


def test_a_file_is_dropped_once_and_a_reset_drops_the_seeded_ones_again(bank: SandboxWithSftp) -> None:
    iban = http_call("GET", f"{bank.base_url}/bank/v1/accounts").json()["data"][0]["iban"]
    first = _statement_files(bank, iban)
    path = first[0]
    local = bank.root / path.lstrip("/")
    local.rename(local.with_name("picked-up.xml"))  # as a client moving it away

    after_pickup = _statement_files(bank, iban)
    _hook(bank, "POST", "/_sandbox/reset", {})
    after_reset = _statement_files(bank, iban)

    assert path not in after_pickup
    assert after_reset == first


def test_an_account_opened_with_a_history_books_the_same_days_again_and_closes_where_asked(
    bank: SandboxWithSftp,
) -> None:
    body = {
        "iban": DEMO_IBAN,
        "currency": "EUR",
        "name": "Demo GmbH operating",
        "bic": "BYLADEM1001",
        "history": {"from": "2026-02-23", "to": "2026-03-06", "closing_balance": "250000.00"},
    }

    _hook(bank, "POST", "/_sandbox/bank/accounts", body)
    first = _hook(bank, "GET", "/_sandbox/bank/transactions")
    _hook(bank, "POST", "/_sandbox/bank/accounts", {**body, "name": "Renamed"})  # again: no second history
    again = _hook(bank, "GET", "/_sandbox/bank/transactions")
    _hook(bank, "POST", "/_sandbox/reset", {})
    _hook(bank, "POST", "/_sandbox/bank/accounts", body)
    after_reset = _hook(bank, "GET", "/_sandbox/bank/transactions")

    ours = [t for t in first if t["iban"] == DEMO_IBAN]
    business_days = ["02-23", "02-24", "02-25", "02-26", "02-27", "03-02", "03-03", "03-04", "03-05", "03-06"]
    assert sorted({t["booking_date"] for t in ours}) == [f"2026-{d}" for d in business_days]
    assert [t for t in again if t["iban"] == DEMO_IBAN] == ours
    assert [t for t in after_reset if t["iban"] == DEMO_IBAN] == ours
    paths = _statement_files(bank, DEMO_IBAN)
    assert len(paths) == 10
    assert all(p.startswith("/BYLADEM1/") for p in paths)
    [last] = iter_camt_statements(io.BytesIO(_fetch(bank, paths[-1])), filename="x", max_bytes=10_000_000)
    assert {b.type: b.amount for b in last.balances}["CLBD"] == Decimal("250000.00")
    balances = http_call("GET", f"{bank.base_url}/bank/v1/accounts/{DEMO_IBAN}/balances").json()["data"]
    assert {b["type"]: b["amount"] for b in balances}["CLBD"] == "250000.00"


def test_a_history_must_end_before_today(bank: SandboxWithSftp) -> None:
    body = {"iban": DEMO_IBAN, "currency": "EUR", "name": "Demo", "history": {"from": "2026-03-10", "to": "2026-03-18"}}

    answer = http_call("POST", f"{bank.base_url}/_sandbox/bank/accounts", json_body=body, token=None)

    assert (answer.status, answer.json()["field"]) == (422, "history")


def test_a_test_places_any_file_but_never_outside_the_root(bank: SandboxWithSftp) -> None:
    placed = _hook(
        bank, "POST", "/_sandbox/sftp/files", {"path": "/INBOX/a.txt", "content": "hello", "age_seconds": 60}
    )
    outside = http_call(
        "POST",
        f"{bank.base_url}/_sandbox/sftp/files",
        json_body={"path": "/../escape.txt", "content": "x"},
        token=None,
    )

    assert placed["path"] == "/INBOX/a.txt"
    assert _fetch(bank, "/INBOX/a.txt") == b"hello"
    assert (outside.status, outside.json()["field"]) == (422, "path")
    assert not (bank.root.parent / "escape.txt").exists()


def test_the_host_key_is_kept_in_the_state_dir_across_restarts(tmp_path: Path) -> None:
    with run_sandbox_sftp(state_dir=tmp_path) as first:
        fingerprint = first.host_key_fingerprint
    with run_sandbox_sftp(state_dir=tmp_path) as second:
        info = http_call("GET", f"{second.base_url}/_sandbox/sftp", token=None).json()

    assert second.host_key_fingerprint == fingerprint
    assert info["host_key_fingerprint"] == fingerprint
    assert info["port"] == second.sftp_port
    assert "/COBADEFF" in info["folders"]
    assert (tmp_path / "ssh_host_ed25519_key").stat().st_mode & 0o077 == 0


def test_without_an_sftp_server_the_sftp_hooks_say_so() -> None:
    with run_sandbox() as base_url:
        answer = http_call("GET", f"{base_url}/_sandbox/sftp", token=None)

    assert answer.status == 409
