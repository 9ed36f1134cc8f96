from typing import Any

from finops.masterdata.models import CounterpartyKind
from integrations.connectors.base import Applied, ApplyContext, Resource
from integrations.connectors.crm_rest.client import ACCOUNTS
from integrations.sync.context import RunContext
from integrations.sync.mappers.parties import party_apply
from integrations.sync.paging import paged_pull


def account_apply(ctx: ApplyContext, payload: dict[str, Any]) -> Applied:
    """A CRM account is a customer."""
    return party_apply(ctx, payload, kind=CounterpartyKind.CUSTOMER, resource="accounts")


RESOURCES = (Resource("accounts", ACCOUNTS, account_apply),)


def pull(ctx: RunContext) -> None:
    paged_pull(ctx, RESOURCES)
