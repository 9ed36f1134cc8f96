"""Supplier invoices from the ERP over real HTTP: one quoting an order we do not hold is stored with
the number it quotes (never refused), and the sync asks for the entity's 3-way match, which holds
it as no_po."""

import pytest

from finops.invoicing.models import Invoice, InvoiceHold
from finops.invoicing.states import HoldReason, InvoiceState
from integrations.connectors import apply_context
from integrations.connectors.erp_rest.sync import RESOURCES
from integrations.states import SyncState
from integrations.sync.ledger import record_apply
from reconciliation.matching.models import MatchRun
from reconciliation.matching.runs import match_run_execute
from reconciliation.matching.states import MatchRunState, MatchTrigger
from tests.integrations.connectors.support import mark_after, run_once, sandbox_post, sandbox_records, set_marks

pytestmark = pytest.mark.django_db


def test_an_invoice_quoting_an_unknown_order_is_kept_and_held_no_po_after_the_sync(erp, admin_de, sandbox):
    erp.mapping = {"resources": ["invoices"]}
    erp.save(update_fields=["mapping"])
    set_marks(erp, invoices=mark_after(sandbox, "erp", "invoices"))
    supplier = next(s for s in sandbox_records(sandbox, "erp", "suppliers") if s["country"] == "DE")
    record_apply(apply_context(erp), next(r for r in RESOURCES if r.name == "suppliers"), supplier)
    posted = sandbox_post(
        sandbox,
        "/_sandbox/erp/invoices",
        {
            "direction": "AP",
            "number": "RE-77001",
            "counterparty_id": supplier["id"],
            "entity": "DE01",
            "currency": "EUR",
            "amount": "500.00",
            "open_amount": "500.00",
            "issue_date": "2026-11-02",
            "due_date": "2026-12-02",
            "po_number": "4500999999",
        },
    ).json()

    sync = run_once(erp, admin_de)

    assert sync.state == SyncState.SUCCEEDED, sync.error
    assert sync.failed == 0
    invoice = Invoice.objects.get(source="erp", external_id=posted["id"])
    assert (invoice.po_number, invoice.purchase_order_id, invoice.state) == ("4500999999", None, InvoiceState.RECEIVED)
    run = MatchRun.objects.get(entity=erp.entity, kind="three_way")
    assert (run.state, run.trigger) == (MatchRunState.QUEUED, MatchTrigger.SYNC)
    assert f"sync run {sync.pk}: invoices" in run.trigger_detail

    assert match_run_execute(run_id=run.pk) == "succeeded"
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.EXCEPTION
    hold = InvoiceHold.objects.get(invoice=invoice, reason=HoldReason.MATCH_EXCEPTION)
    assert "quotes purchase order 4500999999, which we do not hold" in hold.detail
