"""The ERP connector over real HTTP against the sandbox: full and incremental pulls, idempotency
by (source, id, version), stale versions that never overwrite newer ones."""

from decimal import Decimal

import pytest

from finops.invoicing.models import Invoice
from finops.masterdata.models import Counterparty
from finops.payables.models import GoodsReceipt, PurchaseOrder
from integrations.connectors import apply_context
from integrations.connectors.erp_rest.sync import RESOURCES
from integrations.models import SyncRecord
from integrations.states import SyncState
from integrations.sync.ledger import record_apply
from tests.factories import LegalEntityFactory
from tests.integrations.connectors.support import (
    fault,
    mark_after,
    run_once,
    sandbox_post,
    sandbox_records,
    set_marks,
)


@pytest.fixture
def group(entity_de, entity_gb):
    """The sandbox ERP books three entities; this connector is DE01's, the others are skipped."""
    return LegalEntityFactory(code="US01", base_currency="USD")


def test_a_full_sync_creates_parties_orders_receipts_and_invoices_and_a_second_run_creates_nothing(
    erp, admin_de, entity_de, group, sandbox
):
    de_invoices = [i for i in sandbox_records(sandbox, "erp", "invoices") if i["entity"] == "DE01"]
    de_orders = [p for p in sandbox_records(sandbox, "erp", "purchase_orders") if p["entity"] == "DE01"]

    first = run_once(erp, admin_de)

    assert first.state == SyncState.SUCCEEDED, first.error
    assert first.failed == 0
    assert Counterparty.objects.filter(source="erp", entities=entity_de).count() == 100  # 60 customers, 40 suppliers
    assert Invoice.objects.filter(source="erp", entity=entity_de).count() == len(de_invoices)
    assert PurchaseOrder.objects.filter(source="erp", entity=entity_de).count() == len(de_orders)
    assert GoodsReceipt.objects.filter(source="erp", entity=entity_de).exists()
    assert first.created == first.received - first.skipped
    assert first.skipped > 0  # GB01 and US01 documents belong to their own connectors
    erp.refresh_from_db()
    assert set(erp.high_water_marks) == {"customers", "suppliers", "purchase_orders", "receipts", "invoices"}
    assert erp.last_success_at is not None
    assert erp.failure_streak == 0
    counts = (Counterparty.objects.count(), Invoice.objects.count(), SyncRecord.objects.count())

    second = run_once(erp, admin_de)

    assert second.state == SyncState.SUCCEEDED
    assert second.created == second.updated == second.failed == 0
    assert second.received == second.duplicates + second.unchanged + second.skipped
    assert (Counterparty.objects.count(), Invoice.objects.count(), SyncRecord.objects.count()) == counts


def _de_invoice_without_po(sandbox):
    return next(
        i
        for i in sandbox_records(sandbox, "erp", "invoices")
        if i["entity"] == "DE01" and i["direction"] == "AR" and not i["po_number"] and i["open_amount"] == i["amount"]
    )


def _with_its_customer(erp, sandbox, invoice):
    customer = next(c for c in sandbox_records(sandbox, "erp", "customers") if c["id"] == invoice["counterparty_id"])
    record_apply(apply_context(erp), RESOURCES[0], customer)


def test_an_updated_invoice_is_picked_up_incrementally_and_a_stale_version_never_overwrites_it(
    erp, admin_de, group, sandbox
):
    invoice = _de_invoice_without_po(sandbox)
    _with_its_customer(erp, sandbox, invoice)
    set_marks(erp, invoices=mark_after(sandbox, "erp", "invoices"))
    erp.mapping = {"resources": ["invoices"]}
    erp.save(update_fields=["mapping"])
    sandbox_post(sandbox, "/_sandbox/erp/invoices", {"id": invoice["id"], "due_date": invoice["due_date"]})

    picked = run_once(erp, admin_de)

    assert (picked.state, picked.received, picked.created) == (SyncState.SUCCEEDED, 1, 1)
    stored = Invoice.objects.get(source="erp", external_id=invoice["id"])
    assert stored.source_version == invoice["version"] + 1
    new_amount = str(Decimal(invoice["amount"]) + 100)

    sandbox_post(
        sandbox, "/_sandbox/erp/invoices", {"id": invoice["id"], "amount": new_amount, "open_amount": new_amount}
    )
    updated = run_once(erp, admin_de)

    stored.refresh_from_db()
    assert (updated.state, updated.updated) == (SyncState.SUCCEEDED, 1)
    assert stored.amount == Decimal(new_amount)
    assert stored.source_version == invoice["version"] + 2

    # the page serves the previous version after the newest one: counted stale, nothing written
    set_marks(erp, invoices=mark_after(sandbox, "erp", "invoices", keep_last=1))
    fault(sandbox, path_prefix="/erp/v1/invoices", kind="out_of_order")
    stale = run_once(erp, admin_de)

    stored.refresh_from_db()
    assert stale.state == SyncState.SUCCEEDED
    assert (stale.duplicates, stale.stale, stale.updated) == (1, 1, 0)
    assert stored.amount == Decimal(new_amount)
    assert stored.source_version == invoice["version"] + 2
