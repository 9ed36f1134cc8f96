"""Every write on master data. Split by business event; import from here."""

from finops.masterdata.services.bank_accounts import bank_account_create, bank_account_update
from finops.masterdata.services.bank_changes import (
    BankDetails,
    bank_change_activate,
    bank_change_record,
    bank_change_reject,
    bank_change_request,
    bank_change_verify,
)
from finops.masterdata.services.counterparties import (
    FieldConflict,
    Outcome,
    UpsertResult,
    counterparty_upsert,
    entity_links_add,
)

__all__ = [
    "BankDetails",
    "FieldConflict",
    "Outcome",
    "UpsertResult",
    "bank_account_create",
    "bank_account_update",
    "bank_change_activate",
    "bank_change_record",
    "bank_change_reject",
    "bank_change_request",
    "bank_change_verify",
    "counterparty_upsert",
    "entity_links_add",
]
