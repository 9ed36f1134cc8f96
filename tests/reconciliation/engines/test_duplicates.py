"""Duplicate supplier invoices: each rule, each spelling, the original named, and what stays apart."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciliation.engines.ap_model import ApInvoice, ApPolicy, Standing
from reconciliation.engines.duplicates import (
    SAME_AMOUNT,
    SAME_NUMBER,
    SHARED_BANK_ACCOUNT,
    find_duplicates,
)
from tests.reconciliation.engines.builders import DAY, invoice

LATER = DAY + dt.timedelta(days=1)


@pytest.mark.parametrize(
    "spelling", ["inv-2024-00815", "INV 2024 00815", "INV202400815", "2024-00815", "Invoice No. 2024/815", "#2024-815"]
)
def test_same_supplier_and_number_in_another_spelling_is_a_duplicate(spelling: str) -> None:
    original = invoice(1, number="INV-2024-00815", amount="1190.00")
    copy = invoice(2, number=spelling, amount="1190.00", received_on=LATER)

    found = find_duplicates([copy, original])

    assert list(found) == [2]
    suspicion = found[2]
    assert (suspicion.original_id, suspicion.rules, suspicion.score) == (1, (SAME_NUMBER, SAME_AMOUNT), 99)
    assert "INV-2024-00815" in suspicion.reason
    assert spelling in suspicion.reason
    assert "the same number in another spelling and the same amount" in suspicion.reason


def test_same_number_with_another_amount_is_still_suspected_with_a_lower_score() -> None:
    original = invoice(1, number="RE-4711", amount="500.00")
    copy = invoice(2, number="RE 4711", amount="550.00", received_on=LATER, issue_on=DAY + dt.timedelta(days=40))

    suspicion = find_duplicates([original, copy])[2]

    assert (suspicion.original_id, suspicion.rules, suspicion.score) == (1, (SAME_NUMBER,), 90)
    assert "for EUR 500.00" in suspicion.reason


def test_the_original_is_the_invoice_received_first_whatever_its_id() -> None:
    first_received = invoice(9, number="A-1", amount="100", received_on=DAY)
    second_received = invoice(3, number="A-1", amount="100", received_on=LATER)

    found = find_duplicates([first_received, second_received])

    assert list(found) == [3]
    assert found[3].original_id == 9


def test_within_one_days_import_the_row_stored_later_is_the_copy_whatever_its_issue_date() -> None:
    original = invoice(4, number="A-1", amount="100", issue_on=DAY, received_on=LATER)
    copy_dated_earlier = invoice(5, number="A 1", amount="100", issue_on=DAY - dt.timedelta(days=3), received_on=LATER)

    found = find_duplicates([copy_dated_earlier, original])

    assert list(found) == [5]
    assert found[5].original_id == 4


def test_the_third_copy_names_the_first() -> None:
    copies = [invoice(i, number="A-1", amount="100", received_on=DAY + dt.timedelta(days=i)) for i in (1, 2, 3)]

    found = find_duplicates(copies)

    assert {i: s.original_id for i, s in found.items()} == {2: 1, 3: 1}


@pytest.mark.parametrize(("days_apart", "suspected"), [(0, True), (3, True), (7, True), (8, False), (30, False)])
def test_same_supplier_and_amount_within_the_window(days_apart: int, suspected: bool) -> None:
    original = invoice(1, number="A-100", amount="2345.67")
    other = invoice(2, number="B-200", amount="2345.67", issue_on=DAY + dt.timedelta(days=days_apart))

    found = find_duplicates([original, other], policy=ApPolicy(duplicate_window_days=7))

    assert (2 in found) is suspected
    if suspected:
        assert found[2].rules == (SAME_AMOUNT,)
        assert found[2].original_id == 1
        assert "window 7 days" in found[2].reason
        assert 70 <= found[2].score <= 85


def test_closer_dates_score_higher() -> None:
    base = invoice(1, number="A-1", amount="10.00")
    same_day = find_duplicates([base, invoice(2, number="B", amount="10.00", received_on=LATER)])[2]
    week_later = find_duplicates([base, invoice(2, number="B", amount="10.00", issue_on=DAY + dt.timedelta(days=7))])[2]

    assert same_day.score == 85
    assert week_later.score == 70
    assert "on the same day" in same_day.reason
    assert "7 days apart" in week_later.reason


@pytest.mark.parametrize(
    "other",
    [
        invoice(2, number="B-1", amount="100.01"),  # another amount
        invoice(2, number="B-1", amount="100.00", currency="USD"),  # another currency
        invoice(2, number="B-1", amount="100.00", supplier_id=11),  # another supplier, no shared account
        invoice(2, number="INV-2023-001", amount="90.00"),  # another year's number
        invoice(2, number="A-1", amount="100.00", supplier_id=11),  # the same number from another supplier
        invoice(2, number="CN-001", amount="100.00", is_credit_note=True),  # a credit note reversing it
        invoice(2, number="INV-2024-001", amount="100.00", standing=Standing.CANCELLED),  # cancelled
    ],
)
def test_invoices_that_are_not_duplicates_stay_apart(other: ApInvoice) -> None:
    original = invoice(1, number="INV-2024-001", amount="100.00", issue_on=DAY - dt.timedelta(days=1))

    assert find_duplicates([original, other]) == {}


def test_monthly_invoices_of_the_same_amount_stay_apart() -> None:
    rent = [
        invoice(i, number=f"R-{i}", amount="1500.00", issue_on=dt.date(2026, i, 1), received_on=dt.date(2026, i, 2))
        for i in range(1, 7)
    ]

    assert find_duplicates(rent) == {}


def test_an_invoice_resent_after_its_first_copy_was_cancelled_is_not_a_duplicate() -> None:
    cancelled = invoice(1, number="INV-77", amount="300.00", standing=Standing.CANCELLED)
    resent = invoice(2, number="INV-77", amount="300.00", received_on=LATER)
    third = invoice(3, number="inv 77", amount="300.00", received_on=LATER + dt.timedelta(days=1))

    found = find_duplicates([cancelled, resent, third])

    assert list(found) == [3]
    assert found[3].original_id == 2


def test_zero_amounts_are_neither_suspected_nor_originals() -> None:
    zero = invoice(1, number="INV-5", amount="0")
    zero_again = invoice(2, number="INV-5", amount="0", received_on=LATER)
    real = invoice(3, number="INV-5", amount="80.00", received_on=LATER + dt.timedelta(days=1))

    assert find_duplicates([zero, zero_again, real]) == {}


def test_a_credit_note_received_twice_is_a_duplicate_of_the_first() -> None:
    first = invoice(1, number="CN-9", amount="45.00", is_credit_note=True)
    again = invoice(2, number="CN 9", amount="45.00", is_credit_note=True, received_on=LATER)

    found = find_duplicates([first, again])

    assert found[2].original_id == 1
    assert found[2].reason.startswith("Credit note CN 9")


def test_two_suppliers_paid_to_one_account_billing_the_same_amount_on_the_same_day() -> None:
    original = invoice(1, supplier_id=10, number="X-1", amount="980.00")
    other = invoice(2, supplier_id=11, number="Y-77", amount="980.00", received_on=LATER)
    accounts = {10: ["DE89 3704 0044 0532 0130 00"], 11: ["de89370400440532013000"], 12: ["GB29NWBK60161331926819"]}

    found = find_duplicates([original, other], supplier_accounts=accounts)

    assert found[2].original_id == 1
    assert found[2].rules == (SHARED_BANK_ACCOUNT,)
    assert found[2].score == 75
    assert "paid to the same bank account (…3000)" in found[2].reason
    assert "Supplier 10" in found[2].reason


@pytest.mark.parametrize(
    ("amount", "issue_on", "accounts"),
    [
        ("980.00", LATER, {10: ["DE89370400440532013000"], 11: ["DE89370400440532013000"]}),  # another day
        ("980.01", DAY, {10: ["DE89370400440532013000"], 11: ["DE89370400440532013000"]}),  # another amount
        ("980.00", DAY, {10: ["DE89370400440532013000"], 11: ["GB29NWBK60161331926819"]}),  # accounts differ
    ],
)
def test_shared_account_rule_needs_the_same_amount_day_and_account(
    amount: str, issue_on: dt.date, accounts: dict[int, list[str]]
) -> None:
    original = invoice(1, supplier_id=10, number="X-1", amount="980.00")
    other = invoice(2, supplier_id=11, number="Y-77", amount=amount, issue_on=issue_on, received_on=LATER)

    assert find_duplicates([original, other], supplier_accounts=accounts) == {}


def test_an_open_copy_received_first_is_held_against_a_later_copy_already_approved() -> None:
    open_copy = invoice(1, number="INV-88", amount="120.00", received_on=DAY)
    approved = invoice(2, number="INV-0088", amount="120.00", received_on=LATER, standing=Standing.COMMITTED)

    found = find_duplicates([open_copy, approved])

    assert list(found) == [1]
    assert found[1].original_id == 2
    assert "already approved for payment" in found[1].reason


def test_committed_invoices_are_never_suspected() -> None:
    original = invoice(1, number="INV-1", amount="10.00", standing=Standing.COMMITTED)
    paid_copy = invoice(2, number="INV-1", amount="10.00", received_on=LATER, standing=Standing.COMMITTED)

    assert find_duplicates([original, paid_copy]) == {}


def test_a_released_hold_is_not_raised_again_but_another_original_may_be_named() -> None:
    first = invoice(1, number="INV-5", amount="70.00", received_on=DAY)
    second = invoice(2, number="INV-5", amount="70.00", received_on=LATER)
    released = invoice(
        3, number="INV-5", amount="70.00", received_on=LATER + dt.timedelta(days=1), not_duplicate_of=frozenset({1})
    )
    released_from_both = invoice(
        3, number="INV-5", amount="70.00", received_on=LATER + dt.timedelta(days=1), not_duplicate_of=frozenset({1, 2})
    )

    assert find_duplicates([first, second, released])[3].original_id == 2
    assert 3 not in find_duplicates([first, second, released_from_both])


def test_the_best_scored_original_is_named_with_every_rule_that_points_at_it() -> None:
    by_amount = invoice(1, number="Q-1", amount="64.00", received_on=DAY)
    by_number = invoice(2, number="Z-900", amount="99.00", received_on=LATER, issue_on=DAY - dt.timedelta(days=60))
    new = invoice(3, number="z 900", amount="64.00", received_on=LATER + dt.timedelta(days=1))

    suspicion = find_duplicates([by_amount, by_number, new])[3]

    assert suspicion.original_id == 2  # the number (90) outweighs the amount on the same day (85)
    assert suspicion.rules == (SAME_NUMBER,)


def test_invoice_ids_must_be_unique() -> None:
    with pytest.raises(ValueError, match="unique"):
        find_duplicates([invoice(1, amount="5"), invoice(1, amount="0", received_on=LATER)])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10**6))
def test_the_answer_does_not_depend_on_the_order_of_the_invoices(seed: int) -> None:
    rng = random.Random(seed)
    invoices = [
        invoice(
            i,
            supplier_id=rng.choice([10, 11, 12]),
            number=rng.choice(["INV-1", "inv 001", "2", "RE-2", "#3", "X"]),
            amount=rng.choice(["10.00", "20.00", "0"]),
            issue_on=DAY + dt.timedelta(days=rng.randint(0, 20)),
            received_on=DAY + dt.timedelta(days=rng.randint(0, 3)),
            standing=rng.choice(list(Standing)),
            is_credit_note=rng.random() < 0.2,
        )
        for i in range(1, 25)
    ]
    accounts = {10: ["ACC-A"], 11: ["acc-a"], 12: ["ACC-B"]}
    shuffled = invoices[:]
    rng.shuffle(shuffled)

    assert find_duplicates(shuffled, supplier_accounts=accounts) == find_duplicates(
        invoices, supplier_accounts=accounts
    )
