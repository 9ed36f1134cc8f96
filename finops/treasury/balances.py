"""The balance rule of a statement, in one place: it reconciles when its opening balance plus its
booked credits minus its booked debits is its closing balance, to within BALANCE_TOLERANCE.

Banks report balances and entries to the cent, so the tolerance is nothing: a statement whose
figures disagree by the smallest amount is a statement that does not reconcile (a fee the bank
booked but left out of the file is exactly such a difference)."""

from __future__ import annotations

from decimal import Decimal

BALANCE_TOLERANCE = Decimal("0")


def balance_expected(opening: Decimal, credits: Decimal, debits: Decimal) -> Decimal:
    """The closing balance the entries lead to."""
    return opening + credits - debits


def balance_difference(opening: Decimal, credits: Decimal, debits: Decimal, closing: Decimal) -> Decimal:
    """What the entries lead to less what the bank closed with; positive when the bank's closing
    balance is below opening + credits − debits."""
    return balance_expected(opening, credits, debits) - closing


def balances_reconcile(opening: Decimal, credits: Decimal, debits: Decimal, closing: Decimal) -> bool:
    return abs(balance_difference(opening, credits, debits, closing)) <= BALANCE_TOLERANCE
