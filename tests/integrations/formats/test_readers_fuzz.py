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
from tests.conftest import FIXTURES

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

# Pieces a mutation inserts: what crashed readers before, and the format's own punctuation.
_TOKENS = [
    b"\x00",
    "٣".encode(),  # Arabic-Indic three
    "७".encode(),  # Devanagari seven
    b"\xb2",  # a superscript two in Latin-1, which str.isdigit() accepts and int() refuses
    "²".encode(),
    b"9" * 40,
    b"9" * 5000,
    b"-",
    b",",
    b".",
    b"/",
    b"\n",
    b"\r",
    b":61:",
    b":62F:",
    b"-}",
    b"88,",
    b"<",
    b"&#0;",
    b"\xff\xfe",
]


def _seeds(*folders: str, suffixes: tuple[str, ...]) -> list[bytes]:
    found = [
        path.read_bytes()
        for folder in folders
        for path in sorted((FIXTURES / folder).rglob("*"))
        if path.is_file() and path.suffix in suffixes
    ]
    assert found, f"no seed files under {folders}"
    return found


@st.composite
def _mutations(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["insert", "replace", "delete", "duplicate", "truncate", "flip"]))
        if kind == "insert":
            data[position:position] = draw(st.sampled_from(_TOKENS) | st.binary(max_size=6))
        elif kind == "replace":
            digit = data.find(b"0123456789"[draw(st.integers(0, 9)) : draw(st.integers(0, 9)) + 1], position)
            if digit >= 0:
                data[digit : digit + 1] = draw(st.sampled_from(_TOKENS[:5]))
        elif kind == "delete":
            del data[position : position + draw(st.integers(1, 64))]
        elif kind == "duplicate":
            data[position:position] = data[position : position + draw(st.integers(1, 200))]
        elif kind == "truncate":
            del data[position:]
        elif position < len(data):
            data[position] ^= draw(st.integers(1, 255))
    return bytes(data)


def _camt_streamed(data: bytes) -> object:
    return list(iter_camt_entries(io.BytesIO(data), filename="f.xml"))


_READERS: dict[str, tuple[Callable[[bytes], Any], Callable[[], list[bytes]]]] = {
    "camt": (
        lambda data: parse_camt(data, "f.xml"),
        lambda: _seeds("camt052", "camt053", "camt054", "generated-mockbank", suffixes=(".xml",)),
    ),
    "camt streamed": (
        _camt_streamed,
        lambda: _seeds("camt053", "generated-mockbank", suffixes=(".xml",)),
    ),
    "pain.002": (lambda data: parse_pain002(data, "f.xml"), lambda: _seeds("pain002", suffixes=(".xml",))),
    "mt940": (
        lambda data: parse_mt940(data, "f.sta"),
        lambda: [*_seeds("mt940", suffixes=(".sta",)), *(p.read_bytes() for p in sorted(VARIANTS.glob("*.sta")))],
    ),
    "bai2": (lambda data: parse_bai2(data, "f.bai2"), lambda: _seeds("bai2", suffixes=(".bai2",))),
    "nacha": (lambda data: parse_nacha(data, "f.ach"), lambda: _seeds("nacha", suffixes=(".ach",))),
    "csv": (lambda data: parse_csv_statement(data, _CSV_MAPPING, "f.csv"), lambda: [_CSV]),
    "detect": (
        lambda data: detect_format(data, "f"),
        lambda: _seeds("camt053", "pain002", "mt940", suffixes=(".xml", ".sta")),
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
    @given(_mutations(seeds()))
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
