"""CRM calls beyond the paged pull: logging an activity (payment status, collection note) on an
account. The outbox's "crm.activity" handler posts through CrmClient.post_activity; it is safe to
retry because the CRM honours Idempotency-Key."""

from __future__ import annotations

from typing import Any

from integrations.models import Connector
from integrations.sync.context import client_for
from integrations.sync.http import ConnectorError, HttpClient

ACCOUNTS = "/crm/v1/accounts"
ACTIVITIES = "/crm/v1/activities"
ACTIVITY_TYPES = ("payment_status", "collection_note")
MAX_ACTIVITY_TEXT = 4000  # what the CRM stores of an activity's text


class CrmClient:
    def __init__(self, http: HttpClient) -> None:
        self.http = http

    @classmethod
    def for_connector(cls, connector: Connector) -> CrmClient:
        return cls(client_for(connector))

    def post_activity(self, *, account_id: str, activity_type: str, text: str, idempotency_key: str) -> str:
        """POST /crm/v1/activities {account_id, type, text} and return the CRM's activity id.
        account_id is the CRM's own id (ACC-…). Raises HttpRefused for a 4xx (unknown account,
        key reused with another body) and ConnectorError for the rest."""
        if activity_type not in ACTIVITY_TYPES:
            raise ValueError(f"activity_type must be one of {', '.join(ACTIVITY_TYPES)}")
        answer = self.http.post_json(
            ACTIVITIES,
            {"account_id": account_id, "type": activity_type, "text": text[:MAX_ACTIVITY_TEXT]},
            idempotency_key=idempotency_key,
        )
        if not isinstance(answer, dict) or not answer.get("id"):
            raise ConnectorError(f"POST {ACTIVITIES}: the answer has no activity id.")
        return str(answer["id"])


def crm_activity_post(
    connector: Connector, *, account_id: str, activity_type: str, text: str, idempotency_key: str
) -> Any:
    """POST an activity on a CRM account with the connector's own retry policy. Returns {id}."""
    activity_id = CrmClient.for_connector(connector).post_activity(
        account_id=account_id, activity_type=activity_type, text=text, idempotency_key=idempotency_key
    )
    return {"id": activity_id}
