"""What every part of one import shares: the refusal, the running tally, and who may import where."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from finops.accounts.models import User
from finops.accounts.roles import IMPORT_PERMISSIONS
from finops.accounts.selectors import entities_for
from finops.masterdata.models import LegalEntity
from integrations.bankfiles.models import InboundFile

STATEMENT_FORMATS = frozenset({"camt.052", "camt.053", "camt.054", "mt940", "bai2"})


class BankFileRefused(Exception):
    """The file is refused whole; the message names the file and where in it the problem is."""

    def __init__(self, message: str, *, inbound_file_id: int | None = None, missing_account: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.inbound_file_id = inbound_file_id
        self.missing_account = missing_account  # refused for an account of ours we do not have (yet)


class Access:
    """Which entities the importing user may see and import into; the system (no user) may
    import everywhere, or, on behalf of a connector, only into the entities it serves
    (`entity_ids`). Computed once per file, not once per statement."""

    def __init__(self, user: User | None, *, entity_ids: Collection[int] | None = None) -> None:
        self.user = user
        self._visible: frozenset[int] | None = None
        self._importable: frozenset[int] | None = None
        self.scope = ""  # how a refusal names where we looked
        if user is not None:
            self._visible = frozenset(entities_for(user).values_list("pk", flat=True))
            self._importable = frozenset(
                pk for perm in IMPORT_PERMISSIONS for pk in entities_for(user, perm).values_list("pk", flat=True)
            )
            self.scope = " in your entities"
        if entity_ids is not None:
            limit = frozenset(entity_ids)
            self._visible = limit if self._visible is None else self._visible & limit
            self._importable = limit if self._importable is None else self._importable & limit
            codes = ", ".join(LegalEntity.objects.filter(pk__in=limit).order_by("code").values_list("code", flat=True))
            self.scope = f" of {codes or 'no entity'} (the entities this source serves)"

    def sees(self, entity_id: int) -> bool:
        return self._visible is None or entity_id in self._visible

    def may_import(self, entity_id: int) -> bool:
        return self._importable is None or entity_id in self._importable

    def first_entity(self) -> LegalEntity | None:
        """Where a finding about no entity in particular is filed: the first entity, by code, this
        import may write to."""
        entities = LegalEntity.objects.order_by("code")
        if self._importable is not None:
            entities = entities.filter(pk__in=self._importable)
        return entities.first()


def money(amount: Decimal) -> str:
    """A decimal string exactly as booked; never a float, never scientific notation."""
    return format(amount, "f")


@dataclass
class Outcome:
    """The running tally of one file (all members of a ZIP); becomes the JSON summary."""

    formats: list[str] = field(default_factory=list)
    statements: int = 0
    entries: int = 0
    credits: defaultdict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    debits: defaultdict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    transactions: int = 0
    accepted: int = 0
    rejected: int = 0
    unknown: int = 0
    returns: int = 0
    notifications_of_change: int = 0
    messages: int = 0  # payment-status messages recorded for the first time
    duplicates: int = 0
    documents: int = 0
    warnings: list[str] = field(default_factory=list)
    entity_ids: set[int] = field(default_factory=set)
    statement_ids: list[int] = field(default_factory=list)
    members: list[dict[str, str]] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return bool(self.statements or self.accepted or self.rejected or self.notifications_of_change or self.messages)

    def summary(self, file_format: str, status: str, inbound_file_id: int | None) -> dict[str, Any]:
        kinds = set(self.formats)
        summary: dict[str, Any] = {"format": file_format, "status": status, "inbound_file": inbound_file_id}
        if file_format == "zip":
            summary["members"] = self.members
        if kinds & STATEMENT_FORMATS:
            summary |= {
                "statements": self.statements,
                "entries": self.entries,
                "credits": {ccy: money(v) for ccy, v in sorted(self.credits.items())},
                "debits": {ccy: money(v) for ccy, v in sorted(self.debits.items())},
            }
        if "pain.002" in kinds:
            summary |= {
                "transactions": self.transactions,
                "accepted": self.accepted,
                "rejected": self.rejected,
                "unknown": self.unknown,
            }
        if "nacha" in kinds:
            summary |= {
                "returns": self.returns,
                "notifications_of_change": self.notifications_of_change,
                "rejected": self.rejected,
                "unknown": self.unknown,
            }
        summary |= {"duplicates": self.duplicates, "documents": self.documents, "warnings": self.warnings}
        return summary


_COUNT_KEYS = (
    "statements",
    "entries",
    "credits",
    "debits",
    "transactions",
    "accepted",
    "rejected",
    "unknown",
    "returns",
    "notifications_of_change",
)


def duplicate_summary(previous: InboundFile, filename: str) -> dict[str, Any]:
    """What a second delivery of the same bytes reports: every document a duplicate, nothing new."""
    earlier: dict[str, Any] = previous.summary or {}
    # jsonb does not keep key order: rebuild the summary in the contract's order.
    zeroed: dict[str, Any] = {key: ({} if key in ("credits", "debits") else 0) for key in _COUNT_KEYS if key in earlier}
    documents = int(earlier.get("documents", 1))
    return {
        "format": previous.format,
        "status": "duplicate",
        "inbound_file": previous.pk,
        **zeroed,
        "duplicates": documents,
        "documents": documents,
        "warnings": [
            f"{filename}: these exact bytes were already imported as inbound file #{previous.pk} "
            f"({previous.filename}, {previous.received_at:%Y-%m-%d %H:%M} UTC); nothing changed"
        ],
    }
