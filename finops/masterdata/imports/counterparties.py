"""customers / suppliers: external_id,name,country[,tax_id,iban,bic,account_number,bank_code_kind,
bank_code] — through counterparty_upsert, so a CSV file obeys the same systems of record,
conflicts and bank-change checks as a connector. Bank details are an IBAN, or an account number
in the counterparty's country with its bank code (finops.masterdata.bank_identifiers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from finops.accounts.models import User
from finops.masterdata.bank_identifiers import account_identifier_clean
from finops.masterdata.imports.base import Checker, Columns, Problem, RecordsRefused, Row, Tally
from finops.masterdata.services import counterparty_upsert

COLUMNS = Columns(
    required=("external_id", "name", "country"),
    optional=("tax_id", "iban", "bic", "account_number", "bank_code_kind", "bank_code"),
)
BANK_COLUMNS = ("iban", "bic", "account_number", "bank_code_kind", "bank_code")


@dataclass(frozen=True)
class Planned:
    row: Row
    external_id: str
    data: dict[str, Any]


def plan(rows: list[Row], checker: Checker, *, source: str) -> list[Planned]:
    seen: dict[tuple[str, ...], int] = {}
    planned = []
    for row in rows:
        external_id = checker.text(row, "external_id", max_length=128)
        if external_id:
            checker.unique(row, (external_id,), "external_id", seen)
        data: dict[str, Any] = {"name": checker.text(row, "name"), "country": checker.country(row, "country")}
        if row["tax_id"]:
            data["tax_id"] = checker.text(row, "tax_id", max_length=32)
        if row["iban"] or row["account_number"]:
            given = {column: row[column] for column in BANK_COLUMNS}
            _, problems = account_identifier_clean(**given, fallback_country=data["country"])
            for column, message in problems.items():
                checker.fail(row, column, message)
            data["bank_account"] = given
        elif row["bic"] or row["bank_code"]:
            checker.fail(row, "iban", "Bank details need an IBAN or an account number.")
        planned.append(Planned(row, external_id, data))
    return planned


def writer(kind: str) -> Callable[..., None]:
    """The write step for customers or suppliers (the same columns, a different role)."""

    def write(planned: list[Planned], *, tally: Tally, source: str, actor: User | None) -> None:
        """Idempotent through counterparty_upsert: a row already applied is unchanged."""
        for item in planned:
            try:
                result = counterparty_upsert(
                    source=source, external_id=item.external_id, data=item.data, kind=kind, actor=actor
                )
            except ValidationError as exc:
                raise RecordsRefused([Problem(item.row.line, "", " ".join(exc.messages))]) from exc
            tally.count(result.outcome)

    return write
