"""What the integrations register at start-up (loaded by IntegrationsConfig.ready()): their trace
sources, and the bank API as a channel payables can release batches to (finops.payables.channels),
with its subscription to released batches and the outbox handler that sends them."""

from finops.outbox.events import event_subscribe
from finops.payables.channels import bank_channel_register
from finops.payables.events import BatchReleased
from integrations.connectors.bank_api import submission as bank_submission
from integrations.outbox.handlers import handler_register
from integrations.outbox.trace import trace_source_register
from integrations.trace_sources import inbound_message_items, sync_run_items

trace_source_register("integrations.inbound_messages", inbound_message_items, replace=True)
trace_source_register("integrations.sync_runs", sync_run_items, replace=True)

bank_channel_register(bank_submission.CHANNEL_KIND, bank_submission.bank_api_channel_for)
event_subscribe(BatchReleased, bank_submission.batch_released_submit)
handler_register(
    bank_submission.TOPIC,
    deliver=bank_submission.payment_submission_deliver,
    on_delivered=bank_submission.payment_submission_delivered,
    on_dead=bank_submission.payment_submission_dead,
    replace=True,
)
