from integrations.connectors.base import ConnectorSpec, TestResult
from integrations.connectors.crm_rest.client import ACCOUNTS
from integrations.connectors.crm_rest.mapping import MAPPING_FIELDS
from integrations.connectors.crm_rest.sync import RESOURCES, pull
from integrations.connectors.rest import rest_test
from integrations.models import Connector


def test(connector: Connector) -> TestResult:
    return rest_test(connector, ACCOUNTS)


SPEC = ConnectorSpec(
    kind="crm_rest",
    default_source="crm",
    summary="Pulls CRM accounts as customers incrementally; logs payment activities back.",
    mapping_fields=MAPPING_FIELDS,
    resources=RESOURCES,
    pull=pull,
    test=test,
)
