"""The procurement suite: suppliers (with bank details, which become bank-change requests), POs
and goods receipts, over real HTTP."""

import pytest

from finops.masterdata.models import BankAccountChange, Counterparty
from finops.payables.models import GoodsReceipt, PurchaseOrder
from integrations.states import SyncState
from tests.factories import LegalEntityFactory
from tests.integrations.connectors.support import make_connector, run_once, sandbox_records


@pytest.fixture
def procurement(admin_de, entity_de, entity_gb, sandbox):
    LegalEntityFactory(code="US01", base_currency="USD")
    return make_connector(admin_de, entity_de, "procurement_rest", sandbox)


def test_suppliers_orders_and_receipts_arrive_and_supplier_bank_details_wait_for_verification(
    procurement, entity_de, sandbox
):
    de_orders = [p for p in sandbox_records(sandbox, "procurement", "purchase_orders") if p["entity"] == "DE01"]

    run = run_once(procurement)

    assert run.state == SyncState.SUCCEEDED, run.error
    assert Counterparty.objects.filter(source="procurement", is_supplier=True).count() == 40
    assert PurchaseOrder.objects.filter(source="procurement", entity=entity_de).count() == len(de_orders)
    assert GoodsReceipt.objects.filter(source="procurement").exists()
    assert BankAccountChange.objects.filter(source="procurement", state="requested").exists()
    assert (run.created, run.failed) == (run.received - run.skipped, 0)
