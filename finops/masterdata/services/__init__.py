"""Every write on master data. Split by business event; import from here."""

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
from finops.masterdata.services.house_accounts import (
    HouseAccountData,
    house_account_create,
    house_account_update,
)

__all__ = [
    "BankDetails",
    "FieldConflict",
    "HouseAccountData",
    "Outcome",
    "UpsertResult",
    "bank_change_activate",
    "bank_change_record",
    "bank_change_reject",
    "bank_change_request",
    "bank_change_verify",
    "counterparty_upsert",
    "entity_links_add",
    "house_account_create",
    "house_account_update",
]
