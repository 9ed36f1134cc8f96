"""The idempotency ledger under real concurrency: two workers applying the same record at once
write it once; the second counts a duplicate."""

import threading

import pytest
from django.db import connection

from finops.masterdata.models import Counterparty
from integrations.connectors import apply_context
from integrations.connectors.erp_rest.sync import RESOURCES
from integrations.models import SyncRecord
from integrations.states import ApplyOutcome
from integrations.sync.ledger import record_apply
from tests.integrations.connectors.support import make_connector, sandbox_records

CUSTOMERS = RESOURCES[0]


@pytest.mark.django_db(transaction=True)
def test_two_workers_applying_the_same_record_version_at_once_write_it_once(admin_de, entity_de, sandbox):
    connector = make_connector(admin_de, entity_de, "erp_rest", sandbox)
    customer = sandbox_records(sandbox, "erp", "customers")[0]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(record_apply(apply_context(connector), CUSTOMERS, customer))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(outcomes) == [ApplyOutcome.CREATED, ApplyOutcome.DUPLICATE]
    assert Counterparty.objects.filter(source="erp", external_id=customer["id"]).count() == 1
    assert (
        SyncRecord.objects.get(source="erp", resource="customers", external_id=customer["id"]).version
        == customer["version"]
    )


def test_an_older_version_is_stale_and_a_newer_one_applies(erp, sandbox):
    customer = sandbox_records(sandbox, "erp", "customers")[0]
    newer = {**customer, "version": customer["version"] + 1, "name": "Renamed GmbH"}
    ctx = apply_context(erp)

    assert record_apply(ctx, CUSTOMERS, newer) == ApplyOutcome.CREATED
    assert record_apply(ctx, CUSTOMERS, customer) == ApplyOutcome.STALE
    assert record_apply(ctx, CUSTOMERS, newer) == ApplyOutcome.DUPLICATE
    assert Counterparty.objects.get(source="erp", external_id=customer["id"]).name == "Renamed GmbH"
