"""The group's connectors to ERPs, procurement, CRM, billing and banks, with no made-up run history."""

from __future__ import annotations

from dataclasses import dataclass

from finops.demo.seed.exceptions import Finding
from finops.masterdata.models import BankAccount, LegalEntity
from integrations.models import Connector, ConnectorKind


@dataclass
class Connectors:
    connectors: list[Connector]
    findings: list[Finding]


CONNECTORS = (
    ("SAP S/4HANA – DE01", ConnectorKind.ERP_REST, "DE01"),
    ("SAP S/4HANA – GB01", ConnectorKind.ERP_REST, "GB01"),
    ("NetSuite – US01", ConnectorKind.ERP_REST, "US01"),
    ("Coupa procurement", ConnectorKind.PROCUREMENT_REST, "DE01"),
    ("Salesforce CRM", ConnectorKind.CRM_REST, "GB01"),
    ("Stripe billing webhooks", ConnectorKind.BILLING_WEBHOOK, "US01"),
    ("Commerzbank EBICS statements", ConnectorKind.BANK_FILE, "DE01"),
    ("NatWest Bankline files", ConnectorKind.BANK_FILE, "GB01"),
    ("J.P. Morgan Access API", ConnectorKind.BANK_API, "US01"),
)
# Banks that deliver one account's statements each: by API (which account to pull), or as files
# on their SFTP server (a folder per bank named by its BIC, a camt.053 per day named after the
# account, as the sandbox bank lays them out: integrations/sandbox/API.md).
BANK_API_CONNECTORS = (("Deutsche Bank API – DE01", "HB-DE01-DEUT-TRS"),)
BANK_SFTP_CONNECTORS = (
    ("Commerzbank SFTP statements – DE01", "HB-DE01-COBA"),
    ("NatWest SFTP statements – GB01", "HB-GB01-NWBK"),
)


def connectors_create(entities: dict[str, LegalEntity], own: dict[str, BankAccount]) -> Connectors:
    """The group's connectors, not yet pointed anywhere: `make demo` connects the pulling ones to
    the bundled sandbox (manage.py sandbox_connect), and their first real runs follow within a
    minute. No run history is made up here: every SyncRun on screen is one that happened."""
    rows = [Connector(name=name, kind=kind, entity=entities[code]) for name, kind, code in CONNECTORS]
    for name, account_id in BANK_API_CONNECTORS:
        account = own[account_id]
        rows.append(
            Connector(
                name=name, kind=ConnectorKind.BANK_API, entity=account.entity, mapping={"accounts": [account.iban]}
            )
        )
    for name, account_id in BANK_SFTP_CONNECTORS:
        account = own[account_id]
        mapping = {"remote_folder": f"/{account.bic[:8]}", "filename_pattern": f"camt053_{account.iban}_*.xml"}
        rows.append(Connector(name=name, kind=ConnectorKind.BANK_SFTP, entity=account.entity, mapping=mapping))
    return Connectors(Connector.objects.bulk_create(rows), findings=[])
