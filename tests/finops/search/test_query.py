"""How the search box reads amounts and identifiers typed the way people type them."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finops.search.query import amount_readings, search_query


@pytest.mark.parametrize(
    ("typed", "amounts", "currency"),
    [
        ("1,234.50", ["1234.50"], ""),
        ("1234.5", ["1234.5"], ""),
        ("1.234,50", ["1234.50"], ""),
        ("1 234,50", ["1234.50"], ""),
        ("1'234.50", ["1234.50"], ""),
        ("1,234,567.89", ["1234567.89"], ""),
        ("1.234.567", ["1234567"], ""),
        ("1,234", ["1234", "1.234"], ""),
        ("1.234", ["1234", "1.234"], ""),
        ("12,5", ["12.5"], ""),
        ("0,0125", ["0.0125"], ""),
        ("4711", ["4711"], ""),
        ("EUR 1,234.50", ["1234.50"], "EUR"),
        ("1.234,50 eur", ["1234.50"], "EUR"),
        ("€1.234,50", ["1234.50"], "EUR"),
        ("-7,779.08", ["7779.08"], ""),
        ("\u22127,779.08 GBP", ["7779.08"], "GBP"),
    ],
)
def test_amounts_are_read_as_people_type_them(typed, amounts, currency):
    assert amount_readings(typed) == (tuple(Decimal(a) for a in amounts), currency)


@pytest.mark.parametrize(
    "typed",
    ["", "INV-2026", "12,34,567", "1,2,3", "1.234,5.6", "Lausitz", "DE89 3704", "EUR USD 12", "1,", "1e5", ",50"],
)
def test_text_that_is_not_an_amount_gives_none(typed):
    assert amount_readings(typed) == ((), "")


def test_an_iban_typed_in_groups_is_compared_compact():
    query = search_query("  de89 3704 0044 0532 0130 00 ")

    assert query.compact == "DE89370400440532013000"
    assert query.searches_identifier
    assert query.amounts == ()


def test_short_text_is_not_searched_as_text_but_a_short_amount_is():
    assert not search_query("ab").searches_text
    assert search_query("12").amounts == (Decimal(12),)
    assert search_query("ab").is_empty
    assert not search_query("12").is_empty


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2))
def test_every_common_spelling_of_an_amount_reads_back_as_it(amount):
    whole, cents = f"{amount:.2f}".split(".")
    grouped = f"{int(whole):,}"

    for typed in (f"{whole}.{cents}", f"{grouped}.{cents}", f"{grouped.replace(',', '.')},{cents}", f"{whole},{cents}"):
        assert amount in amount_readings(typed)[0], typed
