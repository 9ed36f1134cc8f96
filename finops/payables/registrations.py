"""What payables registers at start-up (loaded by PayablesConfig.ready()): it holds and releases
the payments to a bank account whose details are under change (finops.masterdata.events), lists
them on the change's page, and adds purchase orders and receipts to import_records."""

from finops.masterdata.events import BankAccountDecided, BankAccountOnHold
from finops.masterdata.imports import Kind, records_kind_register
from finops.masterdata.selectors import held_for_account_register
from finops.outbox.events import event_subscribe
from finops.payables import imports
from finops.payables.selectors import payments_held_to
from finops.payables.services import bank_account_decided, bank_account_on_hold

event_subscribe(BankAccountOnHold, bank_account_on_hold)
event_subscribe(BankAccountDecided, bank_account_decided)
held_for_account_register(payments_held_to)
records_kind_register(
    "purchase_orders", Kind(imports.PURCHASE_ORDER_COLUMNS, imports.purchase_orders_plan, imports.purchase_orders_write)
)
records_kind_register("receipts", Kind(imports.RECEIPT_COLUMNS, imports.receipts_plan, imports.receipts_write))
