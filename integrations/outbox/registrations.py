"""What the outbox relay registers at start-up (loaded by OutboxRelayConfig.ready()): the handler
of each topic it delivers, its trace sources, how the domain's outbox wakes it, and its
subscriptions to the payments the domain applies (an ERP cash receipt, a CRM payment status)."""

from finops.invoicing.events import CashApplied
from finops.outbox.events import event_subscribe
from finops.outbox.services import relay_nudge_register
from finops.receivables.events import RemittanceApplied
from integrations.outbox.handlers import (
    crm_activity_dead,
    crm_activity_deliver,
    crm_activity_delivered,
    erp_cash_receipt_deliver,
    erp_journal_entry_dead,
    erp_journal_entry_deliver,
    erp_journal_entry_delivered,
    handler_register,
    webhook_fanout_deliver,
)
from integrations.outbox.subscribers import cash_applied_tell_crm, remittance_applied_post_to_erp
from integrations.outbox.tasks import outbox_relay_task
from integrations.outbox.trace import audit_trace_items, outbox_trace_items, trace_source_register

handler_register(
    "erp.journal_entry",
    deliver=erp_journal_entry_deliver,
    on_delivered=erp_journal_entry_delivered,
    on_dead=erp_journal_entry_dead,
    replace=True,
)
handler_register("erp.cash_receipt", deliver=erp_cash_receipt_deliver, replace=True)
handler_register(
    "crm.activity",
    deliver=crm_activity_deliver,
    on_delivered=crm_activity_delivered,
    on_dead=crm_activity_dead,
    replace=True,
)
handler_register("event.*", deliver=webhook_fanout_deliver, replace=True)

trace_source_register("audit.events", audit_trace_items, replace=True)
trace_source_register("outbox.messages", outbox_trace_items, replace=True)

relay_nudge_register(outbox_relay_task.delay)

event_subscribe(CashApplied, cash_applied_tell_crm)
event_subscribe(RemittanceApplied, remittance_applied_post_to_erp)
