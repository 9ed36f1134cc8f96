"""What the exception queue registers at start-up (loaded by ExceptionsConfig.ready()): a
master-data conflict for every CounterpartyConflict master data reports."""

from finops.masterdata.events import CounterpartyConflict
from finops.outbox.events import event_subscribe
from reconciliation.exceptions.services import counterparty_conflict_open

event_subscribe(CounterpartyConflict, counterparty_conflict_open)
