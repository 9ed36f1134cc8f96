from integrations.connectors.base import ConnectorSpec, TestResult
from integrations.connectors.procurement_rest.client import SUPPLIERS
from integrations.connectors.procurement_rest.mapping import MAPPING_FIELDS
from integrations.connectors.procurement_rest.sync import RESOURCES, pull
from integrations.connectors.rest import rest_test
from integrations.models import Connector


def test(connector: Connector) -> TestResult:
    return rest_test(connector, SUPPLIERS)


SPEC = ConnectorSpec(
    kind="procurement_rest",
    default_source="procurement",
    summary="Pulls suppliers (with their bank details), purchase orders and goods receipts incrementally.",
    mapping_fields=MAPPING_FIELDS,
    resources=RESOURCES,
    pull=pull,
    test=test,
)
