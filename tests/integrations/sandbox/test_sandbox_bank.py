"""The bank over real HTTP: accounts, balances, transactions, and pain.001 in, pain.002 out."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from lxml import etree

from integrations.formats import xsd
from integrations.formats.pain001 import build_pain001
from integrations.formats.pain002 import parse_pain002
from integrations.formats.types import CreditTransfer, Party, PaymentOrder
from integrations.sandbox.testing import HttpAnswer, http_call, run_sandbox

BAD_CHECKSUM_IBAN = "DE89370400440532013001"  # DE89370400440532013000 with its last digit changed
GOOD_IBAN = "DE89370400440532013000"


def get(base: str, path: str) -> HttpAnswer:
    return http_call("GET", base + path)


def submit(base: str, document: bytes, key: str) -> HttpAnswer:
    headers = {"Content-Type": "application/xml", "Idempotency-Key": key}
    return http_call("POST", f"{base}/bank/v1/payments", body=document, headers=headers)


def eur_account(base: str) -> dict[str, Any]:
    accounts = get(base, "/bank/v1/accounts").json()["data"]
    return next(a for a in accounts if a["currency"] == "EUR")


def sepa_order(debtor_iban: str, creditors: list[tuple[str, str]], message_id: str = "MSG-0001") -> PaymentOrder:
    return PaymentOrder(
        message_id=message_id,
        payment_info_id="PMTINF-0001",
        created_at=dt.datetime(2026, 3, 18, 9, 30, tzinfo=dt.UTC),
        execution_on=dt.date(2026, 3, 19),
        debtor=Party(name="Nordlicht Components GmbH", iban=debtor_iban),
        transfers=tuple(
            CreditTransfer(
                end_to_end_id=f"E2E-{n}",
                amount=Decimal("1250.00") + n,
                currency="EUR",
                creditor=Party(name=name, iban=iban),
                remittance_info=f"Invoice R-{1000 + n}",
            )
            for n, (name, iban) in enumerate(creditors, 1)
        ),
        service_level="SEPA",
    )


def test_accounts_balances_and_transactions_agree(sandbox: str) -> None:
    accounts = get(sandbox, "/bank/v1/accounts").json()["data"]

    assert {a["currency"] for a in accounts} == {"EUR", "GBP"}
    for account in accounts:
        assert set(account) == {"iban", "currency", "name"}
        balances = {b["type"]: b for b in get(sandbox, f"/bank/v1/accounts/{account['iban']}/balances").json()["data"]}
        transactions: list[dict[str, Any]] = []
        cursor = ""
        while True:
            page = get(sandbox, f"/bank/v1/accounts/{account['iban']}/transactions?limit=4&cursor={cursor}").json()
            transactions.extend(page["data"])
            if page["next_cursor"] is None:
                break
            cursor = page["next_cursor"]
        assert set(balances) == {"CLBD", "CLAV", "ITBD"}
        assert len({t["id"] for t in transactions}) == len(transactions)
        assert all(t["currency"] == account["currency"] for t in transactions)
        assert Decimal(balances["ITBD"]["amount"]) - Decimal(balances["CLBD"]["amount"]) == sum(
            (Decimal(t["amount"]) for t in transactions if t["booking_date"] == balances["ITBD"]["date"]),
            Decimal(0),
        )


def test_transactions_from_a_date_leave_out_earlier_bookings(sandbox: str) -> None:
    iban = eur_account(sandbox)["iban"]
    everything = get(sandbox, f"/bank/v1/accounts/{iban}/transactions?limit=500").json()["data"]
    middle = sorted(t["booking_date"] for t in everything)[len(everything) // 2]

    later = get(sandbox, f"/bank/v1/accounts/{iban}/transactions?limit=500&from={middle}").json()["data"]

    assert later
    assert [t for t in everything if t["booking_date"] >= middle] == later


def test_unknown_account_is_404(sandbox: str) -> None:
    assert get(sandbox, f"/bank/v1/accounts/{GOOD_IBAN}/balances").status == 404


def test_a_valid_sepa_payment_is_received_then_accepted_with_a_valid_pain002(sandbox: str) -> None:
    debtor = eur_account(sandbox)["iban"]
    document = build_pain001(sepa_order(debtor, [("Brenner Metallbau GmbH", GOOD_IBAN)]))

    received = submit(sandbox, document, key="pay-1")
    status = get(sandbox, f"/bank/v1/payments/{received.json()['payment_id']}").json()
    report = parse_pain002(status["pain002"].encode())
    booked = get(sandbox, f"/bank/v1/accounts/{debtor}/transactions?limit=500").json()["data"]

    assert received.status == 202
    assert received.json()["status"] == "RCVD"
    assert status["status"] == "ACCP"
    assert xsd.validate(etree.fromstring(status["pain002"].encode()), "pain.002.001.03") == []
    assert report.warnings == ()
    assert (report.original_message_id, report.group_status) == ("MSG-0001", "ACCP")
    assert [(t.original_end_to_end_id, t.status) for t in report.transactions] == [("E2E-1", "ACCP")]
    assert any(t["end_to_end_id"] == "E2E-1" and t["amount"] == "-1251.00" for t in booked)


def test_a_transfer_to_an_iban_with_a_bad_checksum_is_rejected_ac01_and_the_rest_accepted(sandbox: str) -> None:
    # build_pain001 refuses a bad IBAN, as it should: the bad one is put into the built XML
    # afterwards. Its shape still satisfies the XSD, so only the bank's checksum test catches it.
    creditors = [("Brenner Metallbau GmbH", GOOD_IBAN), ("Vogel Hydraulik GmbH", "DE02120300000000202051")]
    document = build_pain001(sepa_order(eur_account(sandbox)["iban"], creditors))
    document = document.replace(GOOD_IBAN.encode(), BAD_CHECKSUM_IBAN.encode())

    received = submit(sandbox, document, key="pay-2")
    status = get(sandbox, f"/bank/v1/payments/{received.json()['payment_id']}").json()
    report = parse_pain002(status["pain002"].encode())

    assert received.status == 202
    assert status["status"] == "PART"
    assert report.group_status == "PART"
    by_e2e = {t.original_end_to_end_id: t for t in report.transactions}
    assert by_e2e["E2E-1"].status == "RJCT"
    assert [r.code for r in by_e2e["E2E-1"].reasons] == ["AC01"]
    assert by_e2e["E2E-2"].status == "ACCP"


def test_a_payment_whose_only_transfer_is_bad_is_rejected_as_a_whole(sandbox: str) -> None:
    document = build_pain001(sepa_order(eur_account(sandbox)["iban"], [("Brenner Metallbau GmbH", GOOD_IBAN)]))
    document = document.replace(GOOD_IBAN.encode(), BAD_CHECKSUM_IBAN.encode())

    received = submit(sandbox, document, key="pay-3")

    assert get(sandbox, f"/bank/v1/payments/{received.json()['payment_id']}").json()["status"] == "RJCT"


def test_the_same_key_and_file_replay_the_first_answer_and_a_resent_message_id_is_rejected_du01(sandbox: str) -> None:
    document = build_pain001(sepa_order(eur_account(sandbox)["iban"], [("Brenner Metallbau GmbH", GOOD_IBAN)]))

    first = submit(sandbox, document, key="pay-4")
    replay = submit(sandbox, document, key="pay-4")
    resent = submit(sandbox, document, key="pay-5")
    resent_status = get(sandbox, f"/bank/v1/payments/{resent.json()['payment_id']}").json()

    assert (first.status, replay.status, resent.status) == (202, 200, 202)
    assert replay.json() == first.json()
    assert resent.json()["payment_id"] != first.json()["payment_id"]
    assert resent_status["status"] == "RJCT"
    assert parse_pain002(resent_status["pain002"].encode()).group_reasons[0].code == "DU01"


def test_documents_that_are_not_valid_pain001_are_422_naming_the_element(sandbox: str) -> None:
    document = build_pain001(sepa_order(eur_account(sandbox)["iban"], [("Brenner Metallbau GmbH", GOOD_IBAN)]))
    without_amount_currency = document.replace(b' Ccy="EUR"', b"")

    broken = submit(sandbox, b"<Document><unclosed></Document>", key="bad-1")
    not_pain = submit(sandbox, b'<Document xmlns="urn:example:other"/>', key="bad-2")
    invalid = submit(sandbox, without_amount_currency, key="bad-3")
    doctype = submit(sandbox, b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "e">]><x/>', key="bad-4")

    assert (broken.status, not_pain.status, invalid.status, doctype.status) == (422, 422, 422, 422)
    assert "not well-formed" in broken.json()["error"]
    assert not_pain.json()["field"] == "Document"
    assert invalid.json()["field"] == "InstdAmt"
    assert "InstdAmt" in invalid.json()["error"]


def test_unknown_payment_is_404(sandbox: str) -> None:
    assert get(sandbox, "/bank/v1/payments/PMT-NOPE").status == 404


def test_a_slow_bank_reports_rcvd_until_it_has_processed_the_file() -> None:
    with run_sandbox(bank_processing_seconds=60) as base:
        document = build_pain001(sepa_order(eur_account(base)["iban"], [("Brenner Metallbau GmbH", GOOD_IBAN)]))
        payment_id = submit(base, document, key="slow").json()["payment_id"]

        status = get(base, f"/bank/v1/payments/{payment_id}").json()

    assert status["status"] == "RCVD"
    assert parse_pain002(status["pain002"].encode()).group_status == "RCVD"


def test_a_demo_can_open_its_own_account_at_the_bank_and_pay_from_it(sandbox: str) -> None:
    account = {
        "iban": "DE02 1203 0000 0000 2020 51",
        "currency": "EUR",
        "name": "Demo GmbH",
        "opening_balance": "1000.00",
    }
    opened = http_call("POST", f"{sandbox}/_sandbox/bank/accounts", json_body=account, token=None)
    bad = http_call(
        "POST", f"{sandbox}/_sandbox/bank/accounts", json_body={**account, "iban": BAD_CHECKSUM_IBAN}, token=None
    )
    document = build_pain001(sepa_order("DE02120300000000202051", [("Brenner Metallbau GmbH", GOOD_IBAN)]))

    submit(sandbox, document, key="own-account")
    balances = get(sandbox, "/bank/v1/accounts/DE02120300000000202051/balances").json()["data"]

    assert opened.status == 201
    assert opened.json()["iban"] == "DE02120300000000202051"
    assert (bad.status, bad.json()["field"]) == (422, "iban")
    assert {b["type"]: b["amount"] for b in balances}["ITBD"] == "-251.00"


ROUTING = "021000021"  # a valid ABA routing number (check digit 1)
BAD_ROUTING = "021000022"  # its last digit changed
US_ACCOUNT = "4012558831"


def us_account(**changes: Any) -> dict[str, Any]:
    today = dt.datetime.now(dt.UTC).date()
    history = {
        "from": (today - dt.timedelta(days=14)).isoformat(),
        "to": (today - dt.timedelta(days=1)).isoformat(),
        "closing_balance": "50000.00",
    }
    account = {
        "account_number": US_ACCOUNT,
        "routing_number": ROUTING,
        "currency": "USD",
        "name": "Nordlicht Components Inc.",
        "entity": "US01",
        "history": history,
    }
    return {**account, **changes}


def open_account(base: str, body: dict[str, Any]) -> HttpAnswer:
    return http_call("POST", f"{base}/_sandbox/bank/accounts", json_body=body, token=None)


def test_an_account_without_iban_is_opened_and_served_by_its_account_number(sandbox: str) -> None:
    opened = open_account(sandbox, us_account())
    again = open_account(sandbox, us_account(name="Nordlicht Components Inc. (operating)"))

    listed = get(sandbox, "/bank/v1/accounts").json()["data"]
    balances = {b["type"]: b for b in get(sandbox, f"/bank/v1/accounts/{US_ACCOUNT}/balances").json()["data"]}
    transactions = get(sandbox, f"/bank/v1/accounts/{US_ACCOUNT}/transactions?limit=500").json()["data"]
    booked = http_call(
        "POST",
        f"{sandbox}/_sandbox/bank/transactions",
        token=None,
        json_body={"account_number": US_ACCOUNT, "amount": "-12.50", "remittance_info": "Wire fee"},
    )
    recorded = http_call("GET", f"{sandbox}/_sandbox/bank/transactions", token=None).json()

    assert opened.status == 201
    assert {k: opened.json()[k] for k in ("account_number", "routing_number")} == {
        "account_number": US_ACCOUNT,
        "routing_number": ROUTING,
    }
    assert "iban" not in opened.json()
    assert again.status == 200
    ours = [a for a in listed if a.get("account_number") == US_ACCOUNT]
    assert ours == [
        {
            "account_number": US_ACCOUNT,
            "routing_number": ROUTING,
            "currency": "USD",
            "name": "Nordlicht Components Inc. (operating)",
        }
    ]
    assert all(set(a) == {"iban", "currency", "name"} for a in listed if a is not ours[0])
    assert transactions
    assert len({t["id"] for t in transactions}) == len(transactions)  # history booked once
    assert all(t["currency"] == "USD" and t["id"].startswith("TX-") for t in transactions)
    assert all(f"-{US_ACCOUNT}-" in t["id"] for t in transactions)
    assert balances["CLBD"]["amount"] == "50000.00"
    assert balances["CLBD"]["currency"] == "USD"
    assert booked.status == 201
    assert [t["id"] for t in recorded if t.get("account_number") == US_ACCOUNT][-1] == booked.json()["id"]


def test_the_same_history_is_booked_for_the_same_account_and_range(sandbox: str) -> None:
    open_account(sandbox, us_account())
    first = get(sandbox, f"/bank/v1/accounts/{US_ACCOUNT}/transactions?limit=500").json()["data"]
    http_call("POST", f"{sandbox}/_sandbox/reset", token=None)
    open_account(sandbox, us_account())

    assert get(sandbox, f"/bank/v1/accounts/{US_ACCOUNT}/transactions?limit=500").json()["data"] == first


def test_opening_an_account_needs_one_valid_identity(sandbox: str) -> None:
    bad_routing = open_account(sandbox, us_account(routing_number=BAD_ROUTING))
    both = open_account(sandbox, us_account(iban=GOOD_IBAN))
    neither = open_account(sandbox, {k: v for k, v in us_account().items() if k != "account_number"})
    bad_number = open_account(sandbox, us_account(account_number="40-12"))

    assert (bad_routing.status, bad_routing.json()["field"]) == (422, "routing_number")
    assert (both.status, both.json()["field"]) == (422, "account_number")
    assert (neither.status, neither.json()["field"]) == (422, "iban")
    assert (bad_number.status, bad_number.json()["field"]) == (422, "account_number")
    assert get(sandbox, f"/bank/v1/accounts/{US_ACCOUNT}/balances").status == 404
    assert not any("account_number" in a for a in get(sandbox, "/bank/v1/accounts").json()["data"])


def test_an_account_known_up_to_a_past_day_reports_the_balance_it_closed_that_day_with(sandbox: str) -> None:
    history = {"from": "2026-02-02", "to": "2026-02-13", "closing_balance": "7310.25"}  # Mon .. Fri
    opened = open_account(sandbox, us_account(history=history))

    balances = get(sandbox, f"/bank/v1/accounts/{US_ACCOUNT}/balances").json()["data"]

    assert opened.status == 201
    assert balances == [
        {"type": "CLBD", "amount": "7310.25", "currency": "USD", "date": "2026-02-13"},
        {"type": "CLAV", "amount": "7310.25", "currency": "USD", "date": "2026-02-13"},
    ]
