"""`manage.py sandbox_connect` for the bank: our house-bank accounts are opened at the sandbox bank
with the two weeks before our first statement, the SFTP connector gets the sandbox's server, host
key and login, and then the SFTP poll and the bank API pull both bring those weeks in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.management import call_command
from django.utils import timezone

from finops.accounts.roles import Role
from finops.accounts.services import user_grant_role
from finops.treasury.models import BankStatement, StatementLine
from integrations import credentials
from integrations.models import Connector
from integrations.sandbox.testing import http_call
from integrations.services import connector_create
from integrations.states import SyncState
from tests.factories import BankStatementFactory, LegalEntityFactory, OwnBankAccountFactory
from tests.integrations.connectors.support import FAST, run_once

COBA = "DE89370400440532013000"  # Commerzbank: delivered as files
DEUT = "DE91100000000123456789"  # a second account: pulled over the API


def _connectors(admin, entity):
    sftp = connector_create(actor=admin, kind="bank_sftp", entity=entity, settings={"name": "Commerzbank SFTP", **FAST})
    Connector.objects.filter(pk=sftp.pk).update(
        mapping={"remote_folder": "/COBADEFF", "filename_pattern": f"camt053_{COBA}_*.xml", "settle_seconds": 0}
    )
    api = connector_create(actor=admin, kind="bank_api", entity=entity, settings={"name": "Bank API", **FAST})
    Connector.objects.filter(pk=api.pk).update(mapping={"accounts": [DEUT]})
    return Connector.objects.get(pk=sftp.pk), Connector.objects.get(pk=api.pk)


def test_the_bank_connectors_bring_in_the_weeks_before_our_first_statement(admin_de, entity_de, bank, capsys):
    coba = OwnBankAccountFactory(entity=entity_de, iban=COBA, bic="COBADEFFXXX", currency="EUR")
    deut = OwnBankAccountFactory(entity=entity_de, iban=DEUT, bic="MARKDEF1100", currency="EUR")
    first_on = timezone.now().date() - dt.timedelta(days=3)
    for account, opening in ((coba, Decimal("1864250.0000")), (deut, Decimal("742918.3500"))):
        BankStatementFactory(entity=entity_de, bank_account=account, statement_on=first_on, opening_balance=opening)
    sftp, api = _connectors(admin_de, entity_de)

    call_command("sandbox_connect", sandbox=bank.base_url, site="http://127.0.0.1:9")
    call_command("sandbox_connect", sandbox=bank.base_url, site="http://127.0.0.1:9")  # again: nothing changes

    out = capsys.readouterr().out
    sftp.refresh_from_db()
    assert sftp.mapping["host"] == bank.sftp_host
    assert (sftp.mapping["port"], sftp.mapping["host_key_fingerprint"]) == (bank.sftp_port, bank.host_key_fingerprint)
    assert sftp.mapping["remote_folder"] == "/COBADEFF"  # what the seed set is kept
    assert credentials.decrypt(sftp.credentials_encrypted) == {"username": bank.username, "password": bank.password}
    assert sftp.cadence_minutes == 15
    assert out.count("Commerzbank SFTP: fetches /COBADEFF") == 1  # the second run left it alone
    booked = http_call("GET", f"{bank.base_url}/_sandbox/bank/transactions", token=None).json()
    ours = [t for t in booked if t["iban"] in (COBA, DEUT)]
    window = (first_on - dt.timedelta(days=14)).isoformat(), (first_on - dt.timedelta(days=1)).isoformat()
    assert ours
    assert all(window[0] <= t["booking_date"] <= window[1] for t in ours)
    assert len({t["id"] for t in ours}) == len(ours)  # booked once, though opened twice

    files = run_once(sftp)
    pulled = run_once(api)

    assert (files.state, files.failed) == (SyncState.SUCCEEDED, 0)
    days = {t["booking_date"] for t in ours if t["iban"] == COBA}
    assert files.created == len(days) == 10
    delivered = BankStatement.objects.filter(bank_account=coba, source="bank_sftp")
    assert delivered.order_by("statement_on").last().closing_balance == Decimal("1864250.00")
    assert (pulled.state, pulled.failed) == (SyncState.SUCCEEDED, 0)
    lines = StatementLine.objects.filter(statement__bank_account=deut, statement__source="bank")
    assert lines.count() == len([t for t in ours if t["iban"] == DEUT]) == pulled.created


def test_a_us_account_is_opened_by_account_and_routing_number_and_pulled_over_the_api(admin_de, bank, capsys):
    entity_us = LegalEntityFactory(code="US01", name="Nordlicht Components Inc.", country="US", base_currency="USD")
    user_grant_role(user=admin_de, role=Role.ADMIN, entity=entity_us, granted_by=None)
    chase = OwnBankAccountFactory(
        entity=entity_us, iban="", bic="", account_number="4012558831", routing_number="021000021", currency="USD"
    )
    first_on = timezone.now().date() - dt.timedelta(days=2)
    BankStatementFactory(
        entity=entity_us,
        bank_account=chase,
        statement_on=first_on,
        currency="USD",
        opening_balance=Decimal("98765.4300"),
    )
    api = connector_create(actor=admin_de, kind="bank_api", entity=entity_us, settings={"name": "J.P. Morgan", **FAST})

    call_command("sandbox_connect", sandbox=bank.base_url, site="http://127.0.0.1:9")
    call_command("sandbox_connect", sandbox=bank.base_url, site="http://127.0.0.1:9")  # again: nothing changes

    assert "US01 US ABA 021000021 · 4012558831: kept at the sandbox bank" in capsys.readouterr().out
    [opened] = [
        a
        for a in http_call("GET", f"{bank.base_url}/bank/v1/accounts").json()["data"]
        if a.get("account_number") == "4012558831"
    ]
    assert (opened["routing_number"], opened["currency"]) == ("021000021", "USD")
    booked = http_call("GET", f"{bank.base_url}/_sandbox/bank/transactions", token=None).json()
    ours = [t for t in booked if t.get("account_number") == "4012558831"]
    window = (first_on - dt.timedelta(days=14)).isoformat(), (first_on - dt.timedelta(days=1)).isoformat()
    assert ours
    assert all(window[0] <= t["booking_date"] <= window[1] for t in ours)
    assert len({t["id"] for t in ours}) == len(ours)  # booked once, though opened twice

    Connector.objects.filter(pk=api.pk).update(mapping={"transactions_from": window[0]})
    pulled = run_once(Connector.objects.get(pk=api.pk))

    assert (pulled.state, pulled.failed) == (SyncState.SUCCEEDED, 0)
    statements = BankStatement.objects.filter(bank_account=chase, source="bank")
    assert StatementLine.objects.filter(statement__in=statements).count() == len(ours) == pulled.created
    last = statements.order_by("statement_on").last()
    assert last.closing_balance == Decimal("98765.43")
