"""CRM calls beyond the paged pull: logging an activity (payment status, collection note)."""

from __future__ import annotations

from typing import Any

from integrations.models import Connector
from integrations.sync.context import client_for

ACCOUNTS = "/crm/v1/accounts"
ACTIVITIES = "/crm/v1/activities"
ACTIVITY_TYPES = ("payment_status", "collection_note")


def crm_activity_post(
    connector: Connector, *, account_id: str, activity_type: str, text: str, idempotency_key: str
) -> Any:
    """POST an activity on a CRM account; safe to retry (Idempotency-Key). Returns {id}."""
    if activity_type not in ACTIVITY_TYPES:
        raise ValueError(f"activity_type must be one of {', '.join(ACTIVITY_TYPES)}")
    return client_for(connector).post_json(
        ACTIVITIES, {"account_id": account_id, "type": activity_type, "text": text}, idempotency_key=idempotency_key
    )
