"""Suspected duplicate supplier invoices: which open invoice repeats which other, and why.

Three rules, each found through a blocking key so that no invoice is compared with every other:

- `same_number`: the same supplier and the same invoice number once case, spaces, dashes,
  generic prefixes and leading zeros are ignored (`document_numbers.invoice_number_keys`). Blocks
  of (supplier, credit note or not, number key). Amount and currency do not matter: a supplier
  numbers each document once, so a second document under one number is a copy or a correction,
  and either way a person looks before it is paid.
- `same_amount`: the same supplier, currency and amount, issued at most the policy's
  `duplicate_window_days` apart. Blocks of (supplier, credit note or not, currency, amount),
  sorted by issue date and searched by bisection within the window.
- `shared_bank_account`: the same currency, amount and issue date from two different suppliers
  paid into one bank account (a supplier entered twice, or an impostor's copy). Blocks of
  (account, credit note or not, currency, amount, issue date), over the accounts two or more
  suppliers share.

The original is the invoice received first (`ApInvoice.arrival_key`: received day, then id, the
order in which records were stored); only the later one is suspected. The issue date does not
decide: a copy keyed with an earlier date is still the copy. An invoice already committed for payment (approved,
paid) is an original whenever it matches, even if the open copy arrived first: paying the open
one as well is exactly what must not happen. Cancelled invoices take no part: an invoice re-sent
after its first copy was cancelled is not a duplicate of it. Invoices of zero amount take no part
(nothing can be paid twice), and credit notes are compared only with credit notes (a credit note
for an invoice's amount is its reversal, not its copy). A person's ruling that an invoice is not a
duplicate of another (`ApInvoice.not_duplicate_of`) is respected: that pair is never suspected
again, though another original may be.

When several earlier invoices match, the one named is the best-scored, then the earliest; the
rules that point at it are listed together. Scores are whole percentages: a number match 90 (95
with the same amount, 99 with the same amount and issue date), an amount match 70 to 85 (closer
dates score higher), a shared account 75; two rules agreeing on one original combine as
independent evidence (1 - (1 - a)(1 - b)), capped at 99.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from reconciliation.engines.ap_model import DEFAULT_POLICY, ApInvoice, ApPolicy, Standing, cyclic_gc_paused, money
from reconciliation.engines.document_numbers import invoice_number_keys

SAME_NUMBER = "same_number"
SAME_AMOUNT = "same_amount"
SHARED_BANK_ACCOUNT = "shared_bank_account"
RULES = (SAME_NUMBER, SAME_AMOUNT, SHARED_BANK_ACCOUNT)


@dataclass(frozen=True, slots=True)
class DuplicateSuspicion:
    """An open invoice suspected of repeating `original_id`."""

    invoice_id: int
    original_id: int
    rules: tuple[str, ...]
    score: int
    reason: str


def find_duplicates(
    invoices: Iterable[ApInvoice],
    *,
    policy: ApPolicy = DEFAULT_POLICY,
    supplier_accounts: Mapping[int, Collection[str]] | None = None,
) -> dict[int, DuplicateSuspicion]:
    """Every open invoice suspected of duplicating another of `invoices`, by invoice id.

    `invoices` are the open invoices to judge together with the earlier ones they may repeat
    (committed and cancelled ones included: the service passes an entity's supplier invoices of
    the look-back period). `supplier_accounts` maps a supplier id to the bank accounts it is paid
    to (IBANs, or routing and account numbers, in any spelling; compared without spaces and case).
    The result does not depend on the order of `invoices`.
    """
    given = list(invoices)
    if len({inv.invoice_id for inv in given}) != len(given):
        raise ValueError("Invoice ids must be unique.")
    with cyclic_gc_paused():
        ranked = sorted(
            (inv for inv in given if inv.standing is not Standing.CANCELLED and inv.amount != 0),
            key=_arrival_rank,
        )
        finder = _Finder(ranked, policy)
        finder.add_number_rule()
        finder.add_amount_rule()
        if supplier_accounts:
            finder.add_account_rule(supplier_accounts)
        return finder.suspicions()


def _arrival_rank(inv: ApInvoice) -> tuple[int, int]:
    """`ApInvoice.arrival_key` as integers, which sort in less than half the time dates take."""
    return (inv.received_on.toordinal(), inv.invoice_id)


@dataclass(slots=True)
class _Match:
    rules: dict[str, int]  # rule -> score
    detail: dict[str, str]  # rule -> the words of the reason that belong to it


class _Finder:
    def __init__(self, ranked: list[ApInvoice], policy: ApPolicy) -> None:
        self.ranked = ranked
        self.policy = policy
        # For each open invoice (by rank): the earlier or committed invoices it matches, by rank.
        self.matches: dict[int, dict[int, _Match]] = defaultdict(dict)

    def _may_be_original(self, rank: int, original: int) -> bool:
        """Whether the invoice at `original` may be named as the one the open invoice at `rank`
        repeats."""
        if original == rank:
            return False
        first = self.ranked[original]
        if original > rank and first.standing is not Standing.COMMITTED:
            return False
        return first.invoice_id not in self.ranked[rank].not_duplicate_of

    def _record(self, rank: int, original: int, rule: str, score: int, detail: str) -> None:
        match = self.matches[rank].setdefault(original, _Match({}, {}))
        if score > match.rules.get(rule, -1):
            match.rules[rule] = score
            match.detail[rule] = detail

    def add_number_rule(self) -> None:
        blocks: dict[tuple[int, bool, str], list[int]] = defaultdict(list)
        for rank, inv in enumerate(self.ranked):
            for key in invoice_number_keys(inv.number):
                blocks[(inv.supplier_id, inv.is_credit_note, key)].append(rank)
        for members in blocks.values():
            if len(members) < 2:
                continue
            for rank in members:
                if self.ranked[rank].standing is not Standing.OPEN:
                    continue
                # members are in arrival order: the first that may be the original is the earliest
                original = next((m for m in members if self._may_be_original(rank, m)), None)
                if original is not None:
                    self._number_match(rank, original)

    def _number_match(self, rank: int, original: int) -> None:
        inv, first = self.ranked[rank], self.ranked[original]
        same_amount = inv.amount == first.amount and inv.currency == first.currency
        score = 99 if same_amount and inv.issue_on == first.issue_on else 95 if same_amount else 90
        spelling = "the same number" if inv.number == first.number else "the same number in another spelling"
        amount = "and the same amount" if same_amount else f"for {money(first.amount, first.currency)}"
        self._record(rank, original, SAME_NUMBER, score, f"{spelling} {amount}")

    def add_amount_rule(self) -> None:
        window = self.policy.duplicate_window_days
        blocks: dict[tuple[int, bool, str, Decimal], list[int]] = defaultdict(list)
        for rank, inv in enumerate(self.ranked):
            blocks[(inv.supplier_id, inv.is_credit_note, inv.currency, inv.amount)].append(rank)
        for members in blocks.values():
            if len(members) < 2:
                continue
            by_date = sorted(members, key=lambda r: (self.ranked[r].issue_on, r))
            days = [self.ranked[r].issue_on.toordinal() for r in by_date]
            for rank in members:
                inv = self.ranked[rank]
                if inv.standing is not Standing.OPEN:
                    continue
                day = inv.issue_on.toordinal()
                low, high = bisect.bisect_left(days, day - window), bisect.bisect_right(days, day + window)
                best: int | None = None
                for original in by_date[low:high]:
                    if (best is None or original < best) and self._may_be_original(rank, original):
                        best = original
                if best is not None:
                    apart = abs(day - self.ranked[best].issue_on.toordinal())
                    score = 85 - (15 * apart) // max(window, 1)
                    when = "on the same day" if apart == 0 else f"{apart} day{'s' if apart > 1 else ''} apart"
                    detail = f"the same amount, issued {when} (window {window} days)"
                    self._record(rank, best, SAME_AMOUNT, score, detail)

    def add_account_rule(self, supplier_accounts: Mapping[int, Collection[str]]) -> None:
        suppliers_of: dict[str, set[int]] = defaultdict(set)
        for supplier_id, accounts in supplier_accounts.items():
            for account in accounts:
                key = "".join(account.split()).upper()
                if key:
                    suppliers_of[key].add(supplier_id)
        shared: dict[int, list[str]] = defaultdict(list)
        for account, suppliers in suppliers_of.items():
            if len(suppliers) > 1:
                for supplier_id in suppliers:
                    shared[supplier_id].append(account)
        if not shared:
            return
        blocks: dict[tuple[str, bool, str, Decimal, int], list[int]] = defaultdict(list)
        for rank, inv in enumerate(self.ranked):
            for account in shared.get(inv.supplier_id, ()):
                blocks[(account, inv.is_credit_note, inv.currency, inv.amount, inv.issue_on.toordinal())].append(rank)
        for (account, *_), members in blocks.items():
            suppliers = {self.ranked[m].supplier_id for m in members}
            if len(suppliers) < 2:
                continue
            for rank in members:
                inv = self.ranked[rank]
                if inv.standing is not Standing.OPEN:
                    continue
                original = next(
                    (
                        m
                        for m in members
                        if self.ranked[m].supplier_id != inv.supplier_id and self._may_be_original(rank, m)
                    ),
                    None,
                )
                if original is not None:
                    detail = (
                        f"the same amount and issue date, from {_supplier(self.ranked[original])}, "
                        f"paid to the same bank account ({_masked(account)})"
                    )
                    self._record(rank, original, SHARED_BANK_ACCOUNT, 75, detail)

    def suspicions(self) -> dict[int, DuplicateSuspicion]:
        found: dict[int, DuplicateSuspicion] = {}
        for rank, candidates in self.matches.items():
            scored = [(_combined(match.rules.values()), -original, original) for original, match in candidates.items()]
            score, _, original = max(scored)
            match = candidates[original]
            inv, first = self.ranked[rank], self.ranked[original]
            rules = tuple(rule for rule in RULES if rule in match.rules)
            found[inv.invoice_id] = DuplicateSuspicion(
                invoice_id=inv.invoice_id,
                original_id=first.invoice_id,
                rules=rules,
                score=score,
                reason=_reason(inv, first, [match.detail[rule] for rule in rules]),
            )
        return dict(sorted(found.items()))


def _combined(scores: Collection[int]) -> int:
    """Rules agreeing on one original as independent evidence: 1 - (1 - a)(1 - b)..., in whole
    percent, at most 99."""
    doubt, scale = 1, 1
    for score in scores:
        doubt *= 100 - score
        scale *= 100
    return min(99, 100 - (100 * doubt + scale // 2) // scale)


def _supplier(inv: ApInvoice) -> str:
    return inv.supplier_name or f"supplier #{inv.supplier_id}"


def _masked(account: str) -> str:
    return f"…{account[-4:]}" if len(account) > 4 else account


def _reason(inv: ApInvoice, first: ApInvoice, details: list[str]) -> str:
    kind = "Credit note" if inv.is_credit_note else "Invoice"
    state = (
        "already approved for payment"
        if first.standing is Standing.COMMITTED
        else f"received {first.received_on:%Y-%m-%d}"
    )
    return (
        f"{kind} {inv.number} from {_supplier(inv)} ({money(inv.amount, inv.currency)}, issued "
        f"{inv.issue_on:%Y-%m-%d}) may repeat invoice {first.number} from {_supplier(first)} "
        f"({money(first.amount, first.currency)}, issued {first.issue_on:%Y-%m-%d}, {state}): "
        f"{'; '.join(details)}."
    )
