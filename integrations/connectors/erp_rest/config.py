from integrations.connectors.base import ConnectorSpec, TestResult
from integrations.connectors.erp_rest.mapping import MAPPING_FIELDS
from integrations.connectors.erp_rest.sync import RESOURCES, pull
from integrations.connectors.rest import rest_test
from integrations.models import Connector

DEFAULT_SOURCE = "erp"


def test(connector: Connector) -> TestResult:
    return rest_test(connector, "/erp/v1/customers")


SPEC = ConnectorSpec(
    kind="erp_rest",
    default_source=DEFAULT_SOURCE,
    summary="Pulls customers, suppliers, purchase orders, receipts and invoices incrementally; "
    "posts journal entries and cash receipts (through the outbox).",
    mapping_fields=MAPPING_FIELDS,
    resources=RESOURCES,
    pull=pull,
    test=test,
)
