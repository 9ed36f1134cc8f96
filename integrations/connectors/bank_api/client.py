"""HTTP calls to the bank: accounts, balances, transactions; pain.001 submission and its status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from integrations.models import Connector
from integrations.sync.context import client_for
from integrations.sync.http import ConnectorError, HttpClient

ACCOUNTS = "/bank/v1/accounts"
PAYMENTS = "/bank/v1/payments"


def data_envelope(decoded: Any) -> None:
    if not isinstance(decoded, dict) or not isinstance(decoded.get("data"), list):
        raise ValueError('expected an object with a "data" list')


def balances_path(iban: str) -> str:
    return f"{ACCOUNTS}/{quote(iban)}/balances"


def transactions_path(iban: str) -> str:
    return f"{ACCOUNTS}/{quote(iban)}/transactions"


@dataclass(frozen=True)
class PaymentStatus:
    payment_id: str
    status: str  # RCVD | ACCP | PART | RJCT
    pain002: str = ""
    replayed: bool = False  # the bank answered an Idempotency-Key it had seen with its first answer


class BankClient:
    def __init__(self, http: HttpClient) -> None:
        self.http = http

    @classmethod
    def for_connector(cls, connector: Connector) -> BankClient:
        return cls(client_for(connector))

    def accounts(self) -> list[dict[str, Any]]:
        return list(self.http.get_json(ACCOUNTS, envelope=data_envelope)["data"])

    def balances(self, iban: str) -> list[dict[str, Any]]:
        return list(self.http.get_json(balances_path(iban), envelope=data_envelope)["data"])

    def submit_payment(self, pain001: bytes, idempotency_key: str) -> PaymentStatus:
        """POST a pain.001 document; safe to retry (Idempotency-Key). 422 (invalid XML or XSD) is
        raised as HttpRefused naming the element."""
        response, answer = self.http.request(
            "POST",
            PAYMENTS,
            body=pain001,
            content_type="application/xml",
            headers={"Idempotency-Key": idempotency_key},
        )
        if not isinstance(answer, dict) or "payment_id" not in answer:
            raise ConnectorError("POST /bank/v1/payments: the answer has no payment_id.")
        return PaymentStatus(
            payment_id=str(answer["payment_id"]),
            status=str(answer.get("status", "")),
            replayed=response.headers.get("idempotent-replayed", "").lower() == "true",
        )

    def payment_status(self, payment_id: str) -> PaymentStatus:
        answer = self.http.get_json(f"{PAYMENTS}/{quote(payment_id)}")
        if not isinstance(answer, dict) or "status" not in answer:
            raise ConnectorError(f"GET {PAYMENTS}/{payment_id}: the answer has no status.")
        return PaymentStatus(
            payment_id=str(answer.get("payment_id", payment_id)),
            status=str(answer["status"]),
            pain002=str(answer.get("pain002", "")),
        )
