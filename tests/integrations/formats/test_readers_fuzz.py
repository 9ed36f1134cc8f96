"""Every reader, fed random bytes and mutations of real files, either returns a result or refuses
with its own FormatError; no other exception ever escapes (an uncaught ValueError, decimal
InvalidOperation or IndexError would be a crashed import).

The seeds are the shared fixtures (see shared/fixtures/MANIFEST.md), our MT940 variants and a CSV
export written here. The mutations aim at what broke readers before: NUL bytes, digits other than
ASCII (Arabic-Indic, Devanagari, a Latin-1 superscript), numbers thousands of digits long, cut
files, duplicated or dropped spans, and flipped bytes.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.formats.bai2 import parse_bai2
from integrations.formats.camt import iter_camt_entries, parse_camt
from integrations.formats.csv_statement import CsvMapping, parse_csv_statement
from integrations.formats.detect import detect_format
from integrations.formats.errors import FormatError
from integrations.formats.mt940 import parse_mt940
from integrations.formats.nacha import parse_nacha
from integrations.formats.pain002 import parse_pain002
from tests.integrations.formats.mutations import fixture_files, mutations

VARIANTS = Path(__file__).resolve().parent / "mt940_variants"
# A few hundred examples a reader keep the suite fast; FCT_FUZZ_EXAMPLES=5000 searches deeper.
EXAMPLES = int(os.environ.get("FCT_FUZZ_EXAMPLES", "150"))

_CSV = (
    b"Date;Value date;Payee;Text;Amount;Balance\n"
    b"2026-01-02;2026-01-02;Muster GmbH;Invoice 4711;1234,56;11234,56\n"
    b"2026-01-03;2026-01-04;Utility;Instalment;-89,90;11144,66\n"
)
_CSV_MAPPING = CsvMapping(
    booking_date="Date",
    value_date="Value date",
    amount="Amount",
    balance="Balance",
    counterparty_name="Payee",
    description=("Text",),
    fixed_currency="EUR",
    delimiter=";",
    decimal_separator=",",
)


def _camt_streamed(data: bytes) -> object:
    return list(iter_camt_entries(io.BytesIO(data), filename="f.xml"))


_READERS: dict[str, tuple[Callable[[bytes], Any], Callable[[], list[bytes]]]] = {
    "camt": (
        lambda data: parse_camt(data, "f.xml"),
        lambda: fixture_files("camt052", "camt053", "camt054", "generated-mockbank", suffixes=(".xml",)),
    ),
    "camt streamed": (
        _camt_streamed,
        lambda: fixture_files("camt053", "generated-mockbank", suffixes=(".xml",)),
    ),
    "pain.002": (lambda data: parse_pain002(data, "f.xml"), lambda: fixture_files("pain002", suffixes=(".xml",))),
    "mt940": (
        lambda data: parse_mt940(data, "f.sta"),
        lambda: [*fixture_files("mt940", suffixes=(".sta",)), *(p.read_bytes() for p in sorted(VARIANTS.glob("*")))],
    ),
    "bai2": (lambda data: parse_bai2(data, "f.bai2"), lambda: fixture_files("bai2", suffixes=(".bai2",))),
    "nacha": (lambda data: parse_nacha(data, "f.ach"), lambda: fixture_files("nacha", suffixes=(".ach",))),
    "csv": (lambda data: parse_csv_statement(data, _CSV_MAPPING, "f.csv"), lambda: [_CSV]),
    "detect": (
        lambda data: detect_format(data, "f"),
        lambda: fixture_files("camt053", "pain002", "mt940", suffixes=(".xml", ".sta")),
    ),
}


def _read_or_refuse(reader: Callable[[bytes], Any], data: bytes) -> None:
    """Either a result or a FormatError that says something; any other exception fails the test."""
    message = ""
    try:
        reader(data)
    except FormatError as refusal:
        message = str(refusal) or "(empty)"
    assert message != "(empty)"


@pytest.mark.parametrize("name", list(_READERS))
def test_a_reader_refuses_or_reads_mutations_of_real_files(name: str) -> None:
    reader, seeds = _READERS[name]

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(mutations(seeds()))
    def check(data: bytes) -> None:
        _read_or_refuse(reader, data)

    check()


@pytest.mark.parametrize("name", list(_READERS))
def test_a_reader_refuses_or_reads_random_bytes(name: str) -> None:
    reader, _ = _READERS[name]

    @settings(max_examples=max(EXAMPLES // 3, 20), deadline=None, database=None)
    @given(st.binary(max_size=512))
    def check(data: bytes) -> None:
        _read_or_refuse(reader, data)

    check()
