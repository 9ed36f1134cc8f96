"""The CRM: accounts arrive as customers (blocked per the mapping); activities go back."""

from finops.masterdata.models import Counterparty
from integrations.connectors.crm_rest.client import crm_activity_post
from integrations.states import SyncState
from tests.integrations.connectors.support import (
    make_connector,
    mark_after,
    run_once,
    sandbox_get,
    sandbox_post,
    set_marks,
)


def test_accounts_become_customers_and_the_mapping_says_which_status_blocks(admin_de, entity_de, sandbox):
    crm = make_connector(admin_de, entity_de, "crm_rest", sandbox)
    crm.mapping = {"blocked_statuses": ["blocked", "credit_hold"]}
    crm.save(update_fields=["mapping"])
    set_marks(crm, accounts=mark_after(sandbox, "crm", "accounts"))
    account = sandbox_post(
        sandbox, "/_sandbox/crm/accounts", {"name": "Fördertechnik Saar GmbH", "country": "DE", "status": "credit_hold"}
    ).json()

    run = run_once(crm)

    customer = Counterparty.objects.get(source="crm", external_id=account["id"])
    assert (run.state, run.created) == (SyncState.SUCCEEDED, 1)
    assert customer.is_customer
    assert customer.is_blocked
    assert list(customer.entities.all()) == [entity_de]


def test_a_payment_activity_is_posted_to_a_crm_account(admin_de, entity_de, sandbox):
    crm = make_connector(admin_de, entity_de, "crm_rest", sandbox)
    account_id = sandbox_get(sandbox, "/crm/v1/accounts?limit=1")["data"][0]["id"]

    answer = crm_activity_post(
        crm, account_id=account_id, activity_type="payment_status", text="RE-2026-10001 paid", idempotency_key="act-1"
    )

    assert answer["id"]
