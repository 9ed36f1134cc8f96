from integrations.connectors.bank_api.client import ACCOUNTS
from integrations.connectors.bank_api.mapping import MAPPING_FIELDS
from integrations.connectors.bank_api.sync import RESOURCES, pull
from integrations.connectors.base import ConnectorSpec, TestResult
from integrations.connectors.rest import rest_test
from integrations.models import Connector


def test(connector: Connector) -> TestResult:
    return rest_test(connector, ACCOUNTS)


SPEC = ConnectorSpec(
    kind="bank_api",
    default_source="bank",
    summary="Pulls balances and booked transactions of the entity's accounts into daily statements; "
    "submits pain.001 payments and reads their status.",
    mapping_fields=MAPPING_FIELDS,
    resources=RESOURCES,
    pull=pull,
    test=test,
)
