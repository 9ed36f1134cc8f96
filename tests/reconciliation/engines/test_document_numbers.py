"""Supplier invoice numbers: the spellings of one number agree, different numbers stay apart."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciliation.engines.document_numbers import (
    grouped_invoice_number,
    invoice_number_keys,
    normalise_invoice_number,
    same_invoice_number,
)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("INV-2024-00815", "inv-2024-00815"),  # case
        ("INV-2024-00815", "INV 2024 00815"),  # spaces
        ("INV-2024-00815", "INV202400815"),  # dashes dropped
        ("INV-2024-00815", "INV–2024—00815"),  # en and em dashes
        ("INV-2024-00815", "2024-00815"),  # prefix dropped
        ("INV-2024-00815", "Invoice No. 2024-00815"),  # longer prefix
        ("RE-2024-00815", "Rechnung Nr. 2024/00815"),  # German prefix, slash
        ("RE2024-00815", "2024-00815"),  # prefix without a separator
        ("#4711", "4711"),
        ("No. 4711", "4711"),
        ("№ 4711", "N° 4711"),
        ("INV#4711", "4711"),
        ("0004711", "4711"),  # leading zeros of the whole
        ("INV-2024-00815", "inv 2024 815"),  # leading zeros inside a group
        ("2024-001", "2024001"),  # a group joined to its neighbour
        ("SI05123", "SI-5123"),  # the supplier's series letters kept, zeros of the group dropped
        ("ＩＮＶ－００１２", "INV-12"),  # full-width forms
        ("  inv 12 ", "INV-12"),
        ("INV-٠٠١٢", "INV-12"),  # Arabic-Indic digits
    ],
)
def test_spellings_of_one_number_are_the_same(first: str, second: str) -> None:
    assert same_invoice_number(first, second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("INV-2024-001", "INV-2023-001"),  # the year is part of the number, never a prefix
        ("INV-001", "CN-001"),  # an invoice and a credit note of the same series number
        ("SI-100", "100"),  # a supplier's own series letters are not a generic prefix
        ("REF-100", "100"),  # "RE" is a prefix only when no letter follows it
        ("NOV-12", "12"),
        ("INV-10", "INV-100"),  # trailing zeros count
        ("INV-100", "INV-1000"),
        ("2024-0001", "2024-1000"),
        ("A-12", "B-12"),
        ("12", "21"),
    ],
)
def test_different_numbers_stay_apart(first: str, second: str) -> None:
    assert not same_invoice_number(first, second)


def test_normalised_number_keeps_digits_and_letters_only() -> None:
    assert normalise_invoice_number("Invoice No. 2024-00815") == "202400815"
    assert normalise_invoice_number("RE-NR. 0099") == "99"
    assert normalise_invoice_number("CN-001") == "CN001"
    assert normalise_invoice_number("000") == "0"


def test_grouped_reading_drops_zeros_per_group() -> None:
    assert grouped_invoice_number("INV-2024-00815") == "2024|815"
    assert grouped_invoice_number("A001") == "A|1"


def test_a_number_that_is_only_a_prefix_word_is_kept() -> None:
    assert normalise_invoice_number("INV") == "INV"
    assert not same_invoice_number("INV", "")


def test_a_blank_number_matches_nothing() -> None:
    assert invoice_number_keys("") == ()
    assert invoice_number_keys(" - / ") == ()
    assert not same_invoice_number("", "")


_GROUPS = st.lists(st.integers(min_value=0, max_value=99999), min_size=1, max_size=3)
_SERIES = st.sampled_from(["", "SI", "CN", "A"])
_PREFIX = st.sampled_from(["", "INV-", "inv ", "Invoice No. ", "#", "RE ", "Rechnung Nr. ", "No.", "№"])


def _joined(prefix: str, rest: str) -> str:
    """A prefix word glued to a series of letters reads as one word ("NoSI"): a space between."""
    glue = " " if prefix and rest[:1].isalpha() and prefix[-1] not in ".#- " else ""
    return prefix + glue + rest


def _written(series: str, groups: list[int]) -> str:
    return "-".join([series, *(f"{g:05d}" for g in groups)] if series else [f"{g:05d}" for g in groups])


@settings(max_examples=200, deadline=None)
@given(
    series=_SERIES,
    groups=_GROUPS,
    prefix=_PREFIX,
    separator=st.sampled_from(["-", " ", "/", "–", ".", " - "]),
    zeros=st.integers(min_value=0, max_value=3),
    upper=st.booleans(),
)
def test_respelling_the_groups_keeps_the_number(
    series: str, groups: list[int], prefix: str, separator: str, zeros: int, upper: bool
) -> None:
    """Another prefix, case, separator, or number of leading zeros in each group."""
    padded = ["0" * zeros + str(g) for g in groups]
    respelt = _joined(prefix, separator.join([series, *padded] if series else padded))

    assert same_invoice_number(_written(series, groups), respelt.upper() if upper else respelt.lower())


@settings(max_examples=200, deadline=None)
@given(series=_SERIES, groups=_GROUPS, prefix=_PREFIX, zeros=st.integers(min_value=0, max_value=3))
def test_dropping_the_separators_keeps_the_number(series: str, groups: list[int], prefix: str, zeros: int) -> None:
    """The separators left out, and leading zeros added or dropped before the whole."""
    written = _written(series, groups)
    respelt = _joined(prefix, ("0" * zeros if not series else "") + written.replace("-", ""))

    assert same_invoice_number(written, respelt)


@settings(max_examples=200, deadline=None)
@given(first=st.integers(min_value=1, max_value=10**6), second=st.integers(min_value=1, max_value=10**6))
def test_different_sequence_numbers_never_agree(first: int, second: int) -> None:
    assert same_invoice_number(f"INV-2024-{first:06d}", f"INV-2024-{second:06d}") == (first == second)
