"""3-way match: each reason code with its figures and sentence, tolerances, and invoices judged together."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciliation.engines.ap_model import ApInvoice, ApPolicy, ReceiptLine, Standing
from reconciliation.engines.duplicates import find_duplicates
from reconciliation.engines.three_way import (
    DUPLICATE,
    MISSING_RECEIPT,
    NO_PO,
    OVER_BILLED,
    PRICE_VARIANCE,
    QUANTITY_VARIANCE,
    InvoiceVerdict,
    VerdictStatus,
    three_way_match,
)
from tests.reconciliation.engines.builders import DAY, d, invoice, line, order, received

LATER = DAY + dt.timedelta(days=1)


def one(verdicts: list[InvoiceVerdict], invoice_id: int) -> InvoiceVerdict:
    return next(v for v in verdicts if v.invoice_id == invoice_id)


# -- matched ---------------------------------------------------------------------------------------


def test_an_invoice_billing_what_was_received_at_the_order_price_is_matched() -> None:
    po = order(1, (1, "10", "10.00"), (2, "4", "250.00"))
    receipts = [received(1, 1, "10"), received(1, 2, "4")]
    inv = invoice(1, line(1, "10", "10.00", 1), line(2, "4", "250.00", 2))

    (verdict,) = three_way_match([inv], [po], receipts)

    assert verdict.status is VerdictStatus.MATCHED
    assert verdict.reasons == ()
    assert verdict.findings == ()
    assert [ln.is_matched for ln in verdict.lines] == [True, True]
    assert (verdict.ordered_value, verdict.received_value, verdict.billed_value_now) == (d(1100), d(1100), d(1100))
    assert verdict.rule_version == ApPolicy().rule_version
    assert verdict.auto_approve is False
    assert "agrees" in verdict.explanation


def test_a_matched_invoice_is_approved_automatically_where_the_entity_allows_it() -> None:
    po, receipts = order(1), [received(1, 1, "10")]
    inv = invoice(1, line(1, "10", "10.00", 1))

    (verdict,) = three_way_match([inv], [po], receipts, policy=ApPolicy(auto_approve_matched=True))

    assert verdict.auto_approve is True
    assert "auto on" in verdict.rule_version


def test_billing_part_of_a_receipt_is_fine() -> None:
    po = order(1, (1, "100", "2.00"))
    (verdict,) = three_way_match([invoice(1, line(1, "30", "2.00", 1))], [po], [received(1, 1, "40")])

    assert verdict.status is VerdictStatus.MATCHED
    (result,) = verdict.lines
    assert (result.ordered, result.received, result.billed_before, result.quantity) == (d(100), d(40), d(0), d(30))


def test_receipts_in_several_deliveries_add_up() -> None:
    po = order(1, (1, "10", "5.00"))
    receipts = [received(1, 1, "4"), received(1, 1, "6")]

    (verdict,) = three_way_match([invoice(1, line(1, "10", "5.00", 1))], [po], receipts)

    assert verdict.status is VerdictStatus.MATCHED
    assert verdict.lines[0].received == d(10)


# -- price_variance ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "within"),
    [("101.00", True), ("99.00", True), ("101.01", False), ("98.99", False), ("100.50", True)],
)
def test_a_unit_price_within_one_percent_is_within_tolerance_exactly_one_percent_included(
    price: str, within: bool
) -> None:
    po = order(1, (1, "5", "100.00"))

    (verdict,) = three_way_match([invoice(1, line(1, "5", price, 1))], [po], [received(1, 1, "5")])

    assert (verdict.status is VerdictStatus.MATCHED) is within
    assert verdict.lines[0].price_tolerance == d("1.0000")
    assert verdict.lines[0].price_variance == d(price) - d(100)


def test_price_variance_names_the_line_the_prices_and_the_tolerance() -> None:
    po = order(1, (1, "10", "10.00"), (2, "5", "100.00"))
    receipts = [received(1, 1, "10"), received(1, 2, "5")]
    inv = invoice(1, line(1, "10", "10.00", 1), line(2, "5", "105.00", 2))

    (verdict,) = three_way_match([inv], [po], receipts)

    assert verdict.status is VerdictStatus.EXCEPTION
    assert verdict.reasons == (PRICE_VARIANCE,)
    (finding,) = verdict.findings
    assert (finding.check, finding.line_no) == ("unit_price", 2)
    assert (finding.expected, finding.actual, finding.tolerance) == (d("100.00"), d("105.00"), d("1.0000"))
    assert finding.message == (
        "Line 2 (Item 2, order line 2): unit price 105.00 against 100.00 on the order, 5% above it; "
        "the tolerance is 1% (1.00 a unit)."
    )
    assert [ln.reasons for ln in verdict.lines] == [(), (PRICE_VARIANCE,)]
    assert verdict.lines[1].price_variance_pct == d("5.00")


def test_a_price_variance_percentage_is_given_to_two_places() -> None:
    po = order(1, (1, "3", "3.00"))

    (verdict,) = three_way_match([invoice(1, line(1, "3", "3.10", 1))], [po], [received(1, 1, "3")])

    assert "3.33% above it" in verdict.findings[0].message
    assert verdict.lines[0].price_variance_pct == d("3.33")


def test_an_absolute_cap_holds_a_large_line_within_its_percentage() -> None:
    po = order(1, (1, "1000", "100.00"))
    inv = invoice(1, line(1, "1000", "100.90", 1))  # 0.9% a unit, 900.00 on the line

    (loose,) = three_way_match([inv], [po], [received(1, 1, "1000")])
    (capped,) = three_way_match(
        [inv], [po], [received(1, 1, "1000")], policy=ApPolicy(price_tolerance_amount=Decimal("500"))
    )

    assert loose.status is VerdictStatus.MATCHED
    assert capped.reasons == (PRICE_VARIANCE,)
    assert "900.00 on the line" in capped.findings[0].message
    assert "1%, at most 500.00 a line" in capped.findings[0].message


def test_an_invoice_in_another_currency_than_its_order_is_a_price_variance() -> None:
    po = order(1, currency="EUR")
    inv = invoice(1, line(1, "10", "10.00", 1), currency="USD")

    (verdict,) = three_way_match([inv], [po], [received(1, 1, "10")])

    assert verdict.reasons == (PRICE_VARIANCE,)
    assert verdict.findings[0].check == "currency"
    assert "is in USD but purchase order PO-1 is in EUR" in verdict.findings[0].message
    assert verdict.lines[0].price_variance is None  # prices in two currencies are not compared


# -- quantity_variance, missing_receipt, over_billed -----------------------------------------------


def test_billing_more_than_was_received_is_a_quantity_variance() -> None:
    po = order(1, (1, "10", "10.00"))

    (verdict,) = three_way_match([invoice(1, line(1, "8", "10.00", 1))], [po], [received(1, 1, "6")])

    assert verdict.reasons == (QUANTITY_VARIANCE,)
    (finding,) = verdict.findings
    assert (finding.check, finding.expected, finding.actual, finding.tolerance) == (
        "received_quantity",
        d(6),
        d(8),
        d(0),
    )
    assert finding.message == "Line 1 (Item 1, order line 1): bills 8, but 6 were received (no quantity tolerance)."


def test_a_quantity_tolerance_allows_billing_slightly_more_than_received() -> None:
    po = order(1, (1, "100", "1.00"))
    policy = ApPolicy(quantity_tolerance_pct=Decimal(5))

    (within,) = three_way_match([invoice(1, line(1, "105", "1.00", 1))], [po], [received(1, 1, "100")], policy=policy)
    (beyond,) = three_way_match([invoice(1, line(1, "106", "1.00", 1))], [po], [received(1, 1, "100")], policy=policy)

    assert within.status is VerdictStatus.MATCHED
    assert beyond.reasons == (QUANTITY_VARIANCE, OVER_BILLED)
    assert "(tolerance 5%, 5 more)" in beyond.findings[0].message


def test_billing_a_line_of_which_nothing_was_received_is_a_missing_receipt() -> None:
    po = order(1, (1, "10", "10.00"), (2, "3", "50.00"))
    inv = invoice(1, line(1, "10", "10.00", 1), line(2, "3", "50.00", 2))

    (verdict,) = three_way_match([inv], [po], [received(1, 1, "10")])

    assert verdict.reasons == (MISSING_RECEIPT,)
    (finding,) = verdict.findings
    assert (finding.line_no, finding.expected, finding.actual) == (2, d(0), d(3))
    assert finding.message == "Line 2 (Item 2, order line 2): bills 3 but nothing has been received of it."


def test_an_order_without_any_receipt_holds_every_line_it_bills() -> None:
    (verdict,) = three_way_match([invoice(1, line(1, "1", "10.00", 1))], [order(1)], [])

    assert verdict.reasons == (MISSING_RECEIPT,)


def test_billing_more_than_was_ordered_and_received_is_over_billed_too() -> None:
    po = order(1, (1, "10", "10.00"))

    (verdict,) = three_way_match([invoice(1, line(1, "12", "10.00", 1))], [po], [received(1, 1, "10")])

    assert verdict.reasons == (QUANTITY_VARIANCE, OVER_BILLED)
    over = next(f for f in verdict.findings if f.code == OVER_BILLED)
    assert (over.expected, over.actual) == (d(10), d(12))
    assert "bill 12, but 10 were ordered" in over.message


def test_billing_an_over_delivery_is_over_billed_but_not_a_quantity_variance() -> None:
    po = order(1, (1, "10", "10.00"))

    (verdict,) = three_way_match([invoice(1, line(1, "12", "10.00", 1))], [po], [received(1, 1, "12")])

    assert verdict.reasons == (OVER_BILLED,)


# -- invoices on one order judged together -----------------------------------------------------------


def test_split_billing_across_invoices_within_the_receipts_is_matched() -> None:
    po = order(1, (1, "10", "10.00"))
    first = invoice(1, line(1, "4", "10.00", 1), issue_on=DAY)
    second = invoice(2, line(1, "6", "10.00", 1), issue_on=LATER)

    verdicts = three_way_match([second, first], [po], [received(1, 1, "10")])

    assert [v.status for v in verdicts] == [VerdictStatus.MATCHED, VerdictStatus.MATCHED]
    assert one(verdicts, 2).lines[0].billed_before == d(4)
    assert one(verdicts, 2).billed_value_before == d(40)


def test_two_invoices_on_one_order_together_over_billing_hold_the_later_one() -> None:
    po = order(1, (1, "10", "10.00"))
    first = invoice(1, line(1, "6", "10.00", 1), issue_on=DAY)
    second = invoice(2, line(1, "6", "10.00", 1), issue_on=LATER)

    verdicts = three_way_match([first, second], [po], [received(1, 1, "10")])

    assert one(verdicts, 1).status is VerdictStatus.MATCHED
    later = one(verdicts, 2)
    assert later.reasons == (QUANTITY_VARIANCE, OVER_BILLED)
    over = next(f for f in later.findings if f.code == OVER_BILLED)
    assert over.message == (
        "Line 1 (Item 1, order line 1): the invoices on purchase order PO-1 bill 6 now and 6 before, 12 in all, "
        "but 10 were ordered (no quantity tolerance)."
    )
    assert later.lines[0].billed_before == d(6)


def test_an_earlier_committed_invoice_counts_as_billed_whatever_it_billed() -> None:
    po = order(1, (1, "10", "10.00"))
    paid = invoice(1, line(1, "9", "10.40", 1), standing=Standing.COMMITTED, received_on=LATER)
    new = invoice(2, line(1, "2", "10.00", 1), received_on=DAY)

    verdicts = three_way_match([new, paid], [po], [received(1, 1, "10")])

    assert [v.invoice_id for v in verdicts] == [2]  # a committed invoice gets no verdict
    assert verdicts[0].reasons == (QUANTITY_VARIANCE, OVER_BILLED)
    assert verdicts[0].billed_value_before == d("93.60")


def test_an_earlier_invoice_held_for_its_price_still_bills_its_quantities() -> None:
    po = order(1, (1, "10", "10.00"))
    held = invoice(1, line(1, "6", "12.00", 1), issue_on=DAY)
    later = invoice(2, line(1, "6", "10.00", 1), issue_on=LATER)

    verdicts = three_way_match([held, later], [po], [received(1, 1, "10")])

    assert one(verdicts, 1).reasons == (PRICE_VARIANCE,)
    assert one(verdicts, 2).reasons == (QUANTITY_VARIANCE, OVER_BILLED)


def test_an_earlier_invoice_that_itself_over_bills_leaves_the_goods_for_the_next() -> None:
    po = order(1, (1, "10", "10.00"))
    too_much = invoice(1, line(1, "14", "10.00", 1), issue_on=DAY)
    right = invoice(2, line(1, "10", "10.00", 1), issue_on=LATER)

    verdicts = three_way_match([too_much, right], [po], [received(1, 1, "10")])

    assert one(verdicts, 1).reasons == (QUANTITY_VARIANCE, OVER_BILLED)
    assert one(verdicts, 2).status is VerdictStatus.MATCHED


def test_a_cancelled_invoice_bills_nothing() -> None:
    po = order(1, (1, "10", "10.00"))
    cancelled = invoice(1, line(1, "10", "10.00", 1), standing=Standing.CANCELLED)
    resent = invoice(2, line(1, "10", "10.00", 1), issue_on=LATER)

    verdicts = three_way_match([cancelled, resent], [po], [received(1, 1, "10")])

    assert [(v.invoice_id, v.status) for v in verdicts] == [(2, VerdictStatus.MATCHED)]


def test_a_later_arrival_with_an_earlier_issue_date_does_not_push_out_an_invoice_received_before_it() -> None:
    po = order(1, (1, "10", "10.00"))
    first_in = invoice(1, line(1, "10", "10.00", 1), issue_on=LATER, received_on=LATER)
    backdated = invoice(2, line(1, "10", "10.00", 1), issue_on=DAY, received_on=LATER + dt.timedelta(days=3))

    verdicts = three_way_match([backdated, first_in], [po], [received(1, 1, "10")])

    assert one(verdicts, 1).status is VerdictStatus.MATCHED
    assert one(verdicts, 2).reasons == (QUANTITY_VARIANCE, OVER_BILLED)


def test_invoices_received_the_same_day_are_taken_by_issue_date() -> None:
    po = order(1, (1, "10", "10.00"))
    issued_later = invoice(1, line(1, "10", "10.00", 1), issue_on=LATER, received_on=LATER)
    issued_first = invoice(2, line(1, "10", "10.00", 1), issue_on=DAY, received_on=LATER)

    verdicts = three_way_match([issued_later, issued_first], [po], [received(1, 1, "10")])

    assert one(verdicts, 2).status is VerdictStatus.MATCHED
    assert one(verdicts, 1).reasons == (QUANTITY_VARIANCE, OVER_BILLED)


def test_two_lines_of_one_invoice_on_one_order_line_are_added_up() -> None:
    po = order(1, (1, "10", "10.00"))
    inv = invoice(1, line(1, "6", "10.00", 1), line(2, "6", "10.00", 1))

    (verdict,) = three_way_match([inv], [po], [received(1, 1, "10")])

    assert [ln.reasons for ln in verdict.lines] == [(), (QUANTITY_VARIANCE, OVER_BILLED)]
    assert verdict.lines[1].billed_before == d(6)


# -- no_po ---------------------------------------------------------------------------------------------


def test_an_invoice_quoting_an_order_we_do_not_hold_is_no_po() -> None:
    inv = invoice(1, line(1, "1", "5.00", 1), po_id=None, po_number="4500099", number="INV-9")

    (verdict,) = three_way_match([inv], [order(1)], [])

    assert verdict.reasons == (NO_PO,)
    assert verdict.findings[0].check == "po_unknown"
    assert verdict.findings[0].message == "Invoice INV-9 quotes purchase order 4500099, which we do not hold."


def test_a_line_pointing_at_an_order_line_that_does_not_exist_is_no_po() -> None:
    po = order(1, (1, "10", "10.00"), (2, "10", "10.00"))
    inv = invoice(1, line(1, "10", "10.00", 1), line(2, "1", "10.00", 7))

    (verdict,) = three_way_match([inv], [po], [received(1, 1, "10")])

    assert verdict.reasons == (NO_PO,)
    (finding,) = verdict.findings
    assert (finding.check, finding.line_no) == ("po_line_unknown", 2)
    assert finding.message == (
        "Line 2 points at line 7 of purchase order PO-1, which has no such line (it has lines 1, 2)."
    )
    assert verdict.lines[1].ordered is None


def test_a_line_naming_no_order_line_on_an_invoice_with_lines_that_do_is_no_po() -> None:
    inv = invoice(1, line(1, "10", "10.00", 1), line(2, "1", "25.00", None))

    (verdict,) = three_way_match([inv], [order(1)], [received(1, 1, "10")])

    assert verdict.reasons == (NO_PO,)
    assert verdict.findings[0].check == "po_line_missing"


def test_an_invoice_on_another_suppliers_order_is_no_po() -> None:
    po = order(1, supplier_id=10)
    inv = invoice(1, line(1, "10", "10.00", 1), supplier_id=11, number="B-1")

    (verdict,) = three_way_match([inv], [po], [received(1, 1, "10")])

    assert verdict.reasons == (NO_PO,)
    assert verdict.findings[0].check == "supplier"
    assert verdict.findings[0].message == (
        "Purchase order PO-1 belongs to Supplier 10, not to Supplier 11 who sent invoice B-1."
    )


def test_an_invoice_on_another_suppliers_order_bills_nothing_for_the_order() -> None:
    po = order(1, supplier_id=10)
    stranger = invoice(1, line(1, "10", "10.00", 1), supplier_id=11, issue_on=DAY)
    own = invoice(2, line(1, "10", "10.00", 1), supplier_id=10, issue_on=LATER)

    verdicts = three_way_match([stranger, own], [po], [received(1, 1, "10")])

    assert one(verdicts, 2).status is VerdictStatus.MATCHED


# -- invoices without an order -------------------------------------------------------------------------


def test_an_invoice_without_an_order_needs_an_approver() -> None:
    inv = invoice(1, line(1, "1", "99.00"), po_id=None, po_number="")

    (verdict,) = three_way_match([inv], [], [])

    assert verdict.status is VerdictStatus.NEEDS_APPROVAL
    assert verdict.reasons == ()
    assert verdict.auto_approve is False
    assert verdict.explanation == "The invoice quotes no purchase order: a person approves it."


def test_an_invoice_without_an_order_whose_lines_point_at_order_lines_is_no_po() -> None:
    inv = invoice(1, line(1, "1", "99.00", 3), po_id=None, po_number="")

    (verdict,) = three_way_match([inv], [], [])

    assert verdict.reasons == (NO_PO,)
    assert verdict.findings[0].check == "po_line_without_po"


# -- header-only invoices --------------------------------------------------------------------------------


def test_a_header_only_invoice_is_matched_on_its_net_amount_against_the_unbilled_received_value() -> None:
    po = order(1, (1, "10", "10.00"), (2, "10", "5.00"))
    receipts = [received(1, 1, "10"), received(1, 2, "4")]  # worth 120.00
    inv = invoice(1, po_id=1, amount="142.80", tax="22.80")  # 120.00 net

    (verdict,) = three_way_match([inv], [po], receipts)

    assert verdict.status is VerdictStatus.MATCHED
    assert (verdict.received_value, verdict.ordered_value, verdict.billed_value_now) == (d(120), d(150), d(120))


def test_header_only_invoices_together_beyond_the_received_value_are_a_quantity_variance() -> None:
    po = order(1, (1, "10", "10.00"))
    receipts = [received(1, 1, "8")]  # worth 80.00, tolerance 0.80
    first = invoice(1, po_id=1, amount="50.00", issue_on=DAY)
    second = invoice(2, po_id=1, amount="31.00", issue_on=LATER)

    verdicts = three_way_match([first, second], [po], receipts)

    assert one(verdicts, 1).status is VerdictStatus.MATCHED
    assert one(verdicts, 2).reasons == (QUANTITY_VARIANCE,)
    (finding,) = one(verdicts, 2).findings
    assert finding.check == "received_value"
    assert (finding.expected, finding.actual, finding.tolerance) == (d(80), d(81), d("0.80"))
    assert finding.message == (
        "Invoice INV-0002 bills EUR 31.00 net on purchase order PO-1, EUR 81.00 in all with the EUR 50.00 billed "
        "before, but the goods received are worth EUR 80.00 at order prices; the tolerance is 1% (EUR 0.80)."
    )


def test_a_header_only_invoice_within_the_price_tolerance_of_the_received_value_is_matched() -> None:
    (verdict,) = three_way_match([invoice(1, po_id=1, amount="100.99")], [order(1)], [received(1, 1, "10")])

    assert verdict.status is VerdictStatus.MATCHED


def test_a_header_only_invoice_beyond_the_ordered_value_is_over_billed() -> None:
    (verdict,) = three_way_match([invoice(1, po_id=1, amount="120.00")], [order(1)], [received(1, 1, "12")])

    assert verdict.reasons == (OVER_BILLED,)
    assert verdict.findings[0].check == "ordered_value"


def test_a_header_only_invoice_on_an_order_with_nothing_received_is_a_missing_receipt() -> None:
    (verdict,) = three_way_match([invoice(1, po_id=1, amount="10.00", number="H-1")], [order(1)], [])

    assert verdict.reasons == (MISSING_RECEIPT,)
    assert verdict.findings[0].message == (
        "Invoice H-1 bills EUR 10.00 net on purchase order PO-1, but nothing has been received on the order."
    )


def test_a_line_invoice_after_a_header_only_one_is_checked_against_the_orders_value() -> None:
    po = order(1, (1, "10", "10.00"))
    header = invoice(1, po_id=1, amount="60.00", issue_on=DAY)
    lines = invoice(2, line(1, "6", "10.00", 1), issue_on=LATER)

    verdicts = three_way_match([header, lines], [po], [received(1, 1, "10")])

    assert one(verdicts, 1).status is VerdictStatus.MATCHED
    assert one(verdicts, 2).reasons == (QUANTITY_VARIANCE, OVER_BILLED)
    assert {f.check for f in one(verdicts, 2).findings} == {"received_value", "ordered_value"}


# -- duplicates in the verdict ------------------------------------------------------------------------------


def test_a_suspected_duplicate_is_held_for_being_a_duplicate_not_for_what_its_original_billed() -> None:
    po = order(1, (1, "10", "10.00"))
    original = invoice(1, line(1, "10", "10.00", 1), number="INV-2024-0815", issue_on=DAY)
    copy = invoice(2, line(1, "10", "10.00", 1), number="inv 2024 815", received_on=LATER, issue_on=DAY)
    invoices = [original, copy]

    verdicts = three_way_match(invoices, [po], [received(1, 1, "10")], duplicates=find_duplicates(invoices))

    assert one(verdicts, 1).status is VerdictStatus.MATCHED
    held = one(verdicts, 2)
    assert held.reasons == (DUPLICATE,)
    assert held.duplicate is not None
    assert held.duplicate.original_id == 1
    assert held.findings[-1].message == held.duplicate.reason
    assert held.lines[0].billed_before == d(10)  # the figures still show what the original billed


def test_a_duplicate_bills_nothing_for_the_invoices_after_it() -> None:
    po = order(1, (1, "10", "10.00"))
    original = invoice(1, line(1, "5", "10.00", 1), number="A-1", issue_on=DAY)
    copy = invoice(2, line(1, "5", "10.00", 1), number="A-01", received_on=LATER)
    rest = invoice(3, line(1, "5", "9.99", 1), number="A-2", received_on=LATER + dt.timedelta(days=1))
    invoices = [original, copy, rest]

    verdicts = three_way_match(invoices, [po], [received(1, 1, "10")], duplicates=find_duplicates(invoices))

    assert [v.reasons for v in verdicts] == [(), (DUPLICATE,), ()]


def test_equal_split_billing_on_one_order_is_not_a_duplicate_while_the_receipts_cover_both() -> None:
    po = order(1, (1, "10", "10.00"))
    first = invoice(1, line(1, "5", "10.00", 1), number="A-1", issue_on=DAY)
    second = invoice(2, line(1, "5", "10.00", 1), number="A-2", issue_on=LATER)
    invoices = [first, second]
    suspicions = find_duplicates(invoices)

    covered = three_way_match(invoices, [po], [received(1, 1, "10")], duplicates=suspicions)
    not_covered = three_way_match(invoices, [po], [received(1, 1, "5")], duplicates=suspicions)

    assert 2 in suspicions  # same supplier, amount and window
    assert [v.status for v in covered] == [VerdictStatus.MATCHED, VerdictStatus.MATCHED]
    assert one(covered, 2).duplicate is None
    assert one(not_covered, 2).reasons == (DUPLICATE,)


def test_equal_amounts_on_one_order_stay_suspected_when_the_receipts_cannot_tell() -> None:
    po = order(1, (1, "10", "10.00"))
    first = invoice(1, po_id=1, amount="50.00", number="H-1", currency="USD")
    second = invoice(2, po_id=1, amount="50.00", number="H-2", currency="USD", issue_on=LATER)
    invoices = [first, second]

    verdicts = three_way_match(invoices, [po], [received(1, 1, "10")], duplicates=find_duplicates(invoices))

    assert one(verdicts, 2).reasons == (PRICE_VARIANCE, DUPLICATE)  # in another currency: nothing compared


def test_a_copy_dated_before_its_original_is_judged_after_it() -> None:
    po = order(1, (1, "10", "10.00"))
    original = invoice(1, line(1, "10", "10.00", 1), number="A-1", issue_on=LATER, received_on=LATER)
    copy = invoice(2, line(1, "10", "10.00", 1), number="B-7", issue_on=DAY, received_on=LATER)
    invoices = [copy, original]
    suspicions = find_duplicates(invoices)

    verdicts = three_way_match(invoices, [po], [received(1, 1, "10")], duplicates=suspicions)

    assert suspicions[2].original_id == 1  # stored later, so the copy, though dated earlier
    assert one(verdicts, 1).status is VerdictStatus.MATCHED
    assert one(verdicts, 2).reasons == (DUPLICATE,)


def test_a_non_po_duplicate_is_an_exception() -> None:
    first = invoice(1, line(1, "1", "50.00"), po_id=None, number="S-1")
    again = invoice(2, line(1, "1", "50.00"), po_id=None, number="S 1", received_on=LATER)
    invoices = [first, again]

    verdicts = three_way_match(invoices, [], [], duplicates=find_duplicates(invoices))

    assert [(v.status, v.reasons) for v in verdicts] == [
        (VerdictStatus.NEEDS_APPROVAL, ()),
        (VerdictStatus.EXCEPTION, (DUPLICATE,)),
    ]


# -- input checks ---------------------------------------------------------------------------------------------


def test_an_invoice_given_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="Invoice id 1 is given twice"):
        three_way_match([invoice(1), invoice(1)], [order(1)], [])


def test_an_order_given_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="Purchase order id 1 is given twice"):
        three_way_match([], [order(1), order(1)], [])


# -- properties ---------------------------------------------------------------------------------------------------


def _random_case(rng: random.Random) -> tuple[list[ApInvoice], list, list[ReceiptLine]]:
    orders, receipts, invoices = [], [], []
    for po_id in range(1, 5):
        lines = [(no, str(rng.randint(1, 20)), f"{rng.randint(100, 5000) / 100:.2f}") for no in range(1, 4)]
        orders.append(order(po_id, *lines, supplier_id=10 + po_id % 2))
        receipts += [received(po_id, no, str(rng.randint(0, int(q)))) for no, q, _ in lines]
    for invoice_id in range(1, 13):
        po_id = rng.randint(1, 5)  # 5 is an order we do not hold
        invoices.append(
            invoice(
                invoice_id,
                *(
                    line(no, str(rng.randint(1, 8)), f"{rng.randint(100, 5000) / 100:.2f}", rng.randint(1, 4))
                    for no in range(1, rng.randint(1, 3) + 1)
                ),
                po_id=po_id,
                supplier_id=10 + po_id % 2,
                issue_on=DAY + dt.timedelta(days=rng.randint(0, 5)),
                received_on=DAY + dt.timedelta(days=rng.randint(0, 2)),
                standing=rng.choice([Standing.OPEN, Standing.OPEN, Standing.COMMITTED, Standing.CANCELLED]),
            )
        )
    return invoices, orders, receipts


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10**6))
def test_verdicts_do_not_depend_on_the_order_of_the_inputs(seed: int) -> None:
    rng = random.Random(seed)
    invoices, orders, receipts = _random_case(rng)
    expected = three_way_match(invoices, orders, receipts, duplicates=find_duplicates(invoices))
    for shuffled in (invoices, orders, receipts):
        rng.shuffle(shuffled)

    assert three_way_match(invoices, orders, receipts, duplicates=find_duplicates(invoices)) == expected


@settings(max_examples=100, deadline=None)
@given(
    ordered=st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=4),
    data=st.data(),
)
def test_an_invoice_billing_within_the_receipts_and_the_price_tolerance_is_never_held(
    ordered: list[int], data: st.DataObject
) -> None:
    prices = [Decimal(data.draw(st.integers(min_value=1, max_value=10**6))) / 100 for _ in ordered]
    receipts_of = [data.draw(st.integers(min_value=1, max_value=q)) for q in ordered]
    billed_of = [data.draw(st.integers(min_value=1, max_value=r)) for r in receipts_of]
    po = order(1, *((no, str(q), str(p)) for no, (q, p) in enumerate(zip(ordered, prices, strict=True), start=1)))
    lines = []
    for no, (price, billed) in enumerate(zip(prices, billed_of, strict=True), start=1):
        drift = Decimal(data.draw(st.integers(min_value=-100, max_value=100))) / 10_000  # within ±1%
        lines.append(line(no, str(billed), str(price * (1 + drift)), no))
    receipts = [received(1, no, str(r)) for no, r in enumerate(receipts_of, start=1)]

    (verdict,) = three_way_match([invoice(1, *lines)], [po], receipts)

    assert verdict.status is VerdictStatus.MATCHED, verdict.explanation
