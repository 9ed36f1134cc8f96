"""The procurement suite: suppliers (with bank details: a new supplier's are on file, a change becomes a
bank-change request), POs and goods receipts, over real HTTP."""

import pytest

from finops.masterdata.models import BankAccount, BankAccountChange, Counterparty
from finops.payables.models import GoodsReceipt, PurchaseOrder
from integrations.states import SyncState
from tests.factories import LegalEntityFactory
from tests.integrations.connectors.support import make_connector, run_once, sandbox_records


@pytest.fixture
def procurement(admin_de, entity_de, entity_gb, sandbox):
    LegalEntityFactory(code="US01", base_currency="USD")
    return make_connector(admin_de, entity_de, "procurement_rest", sandbox)


def test_suppliers_orders_and_receipts_arrive_and_new_suppliers_bank_details_are_on_file(
    procurement, entity_de, sandbox
):
    de_orders = [p for p in sandbox_records(sandbox, "procurement", "purchase_orders") if p["entity"] == "DE01"]

    run = run_once(procurement)

    assert run.state == SyncState.SUCCEEDED, run.error
    assert Counterparty.objects.filter(source="procurement", is_supplier=True).count() == 40
    assert PurchaseOrder.objects.filter(source="procurement", entity=entity_de).count() == len(de_orders)
    assert GoodsReceipt.objects.filter(source="procurement").exists()
    # a first sync of new suppliers asks controllers nothing: their owner's details are on file
    assert not BankAccountChange.objects.exists()
    with_bank = [s for s in sandbox_records(sandbox, "procurement", "suppliers") if s.get("bank_account")]
    assert BankAccount.objects.filter(counterparty__source="procurement", is_active=True).count() == len(with_bank)
    assert (run.created, run.failed) == (run.received - run.skipped, 0)


def test_orders_and_receipts_the_erp_also_sends_are_one_record_each(procurement, admin_de, entity_de, sandbox):
    """The ERP and the procurement suite both send the same POs and receipts: each lands once,
    the second system is cross-referenced, and no delivery is counted twice."""
    from finops.masterdata.models import ExternalRef
    from tests.integrations.connectors.support import make_connector

    erp = make_connector(admin_de, entity_de, "erp_rest", sandbox, name="ERP DE01")
    erp_run = run_once(erp)
    orders_after_erp = PurchaseOrder.objects.filter(entity=entity_de).count()
    receipts_after_erp = GoodsReceipt.objects.filter(entity=entity_de).count()

    run = run_once(procurement)

    assert erp_run.state == SyncState.SUCCEEDED, erp_run.error
    assert run.failed == 0, run.error
    assert orders_after_erp > 0
    assert PurchaseOrder.objects.filter(entity=entity_de).count() == orders_after_erp
    assert GoodsReceipt.objects.filter(entity=entity_de).count() == receipts_after_erp
    assert ExternalRef.objects.filter(source="procurement", object_type="payables.PurchaseOrder").count() == (
        orders_after_erp
    )


def test_a_second_system_sending_different_lines_is_refused_naming_both(procurement, admin_de, entity_de, sandbox):
    from finops.payables.models import PurchaseOrderLine
    from integrations.models import SyncFailure
    from tests.integrations.connectors.support import make_connector

    erp = make_connector(admin_de, entity_de, "erp_rest", sandbox, name="ERP DE01")
    run_once(erp)
    po = PurchaseOrder.objects.filter(entity=entity_de, source="erp").first()
    PurchaseOrderLine.objects.filter(purchase_order=po, line_no=1).update(quantity=999)

    run = run_once(procurement)

    assert run.failed >= 1
    errors = list(SyncFailure.objects.filter(run=run).values_list("error", flat=True))
    assert any(f"PO {po.number} in DE01 is already known from erp" in e and "different lines" in e for e in errors)
