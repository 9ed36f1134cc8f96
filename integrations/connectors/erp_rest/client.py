"""HTTP calls to the ERP. The outbox's handlers post through post_journal_entry and
post_cash_receipt; both are safe to retry because the ERP honours Idempotency-Key."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from integrations.connectors import mapping_of
from integrations.models import Connector
from integrations.sync.context import client_for
from integrations.sync.http import ConnectorError, HttpClient, HttpRefused

JOURNAL_ENTRIES = "/erp/v1/journal_entries"
CASH_RECEIPTS = "/erp/v1/cash_receipts"


class PostingRejected(ConnectorError):
    """The ERP refused the document: 422 (invalid, `field` names what) or 409 (the idempotency key
    was used before with a different body). Retrying the same request gives the same answer."""

    def __init__(self, message: str, *, status: int, field: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.field = field


@dataclass(frozen=True)
class Posted:
    id: str
    document_number: str


class ErpClient:
    def __init__(self, http: HttpClient, *, accounts: Mapping[str, str] | None = None) -> None:
        self.http = http
        self.accounts = dict(accounts or {})

    @classmethod
    def for_connector(cls, connector: Connector) -> ErpClient:
        return cls(client_for(connector), accounts=mapping_of(connector).get("accounts") or {})

    def _post(self, path: str, body: Mapping[str, Any], idempotency_key: str) -> Posted:
        try:
            answer = self.http.post_json(path, body, idempotency_key=idempotency_key)
        except HttpRefused as exc:
            if exc.status in (409, 422):
                detail = _error_of(exc.body)
                raise PostingRejected(
                    f"The ERP refused {path}: {detail.get('error', exc)}",
                    status=exc.status,
                    field=str(detail.get("field", "")),
                ) from exc
            raise
        if not isinstance(answer, dict) or "id" not in answer:
            raise ConnectorError(f"POST {path}: the answer has no document id.")
        return Posted(id=str(answer["id"]), document_number=str(answer.get("document_number", "")))

    def post_journal_entry(self, entry: Mapping[str, Any], idempotency_key: str) -> Posted:
        """entry: {entity, posting_date, currency, description, lines: [{account, debit, credit}]};
        amounts Decimal (sent as strings). Account names found in the connector's 'accounts'
        mapping are sent as the ERP's account numbers. Raises PostingRejected, ConnectorError."""
        lines = [
            {**line, "account": self.accounts.get(str(line["account"]), str(line["account"]))}
            for line in entry.get("lines", [])
        ]
        return self._post(JOURNAL_ENTRIES, {**entry, "lines": lines}, idempotency_key)

    def post_cash_receipt(self, receipt: Mapping[str, Any], idempotency_key: str) -> Posted:
        """receipt: {entity, customer_id, invoice_number, amount, currency, received_on}."""
        return self._post(CASH_RECEIPTS, receipt, idempotency_key)


def _error_of(body: str) -> dict[str, Any]:
    try:
        decoded = json.loads(body)
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}
