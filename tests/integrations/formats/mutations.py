"""Mutations of real bank files for property tests: what broke readers and imports before (NUL
bytes, digits other than ASCII, numbers thousands of digits long), the formats' own punctuation,
cut files, dropped or duplicated spans and flipped bytes."""

from __future__ import annotations

import re

from hypothesis import strategies as st

from tests.conftest import FIXTURES

_AMOUNT = re.compile(rb"[0-9]+(?=[.,][0-9])")  # the whole digits of a decimal amount (camt, MT940, CSV)
# Pieces a mutation inserts: what crashed readers before, and the format's own punctuation.
TOKENS = [
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


def fixture_files(*folders: str, suffixes: tuple[str, ...]) -> list[bytes]:
    """The bytes of every shared fixture under folders whose name ends in one of suffixes."""
    found = [
        path.read_bytes()
        for folder in folders
        for path in sorted((FIXTURES / folder).rglob("*"))
        if path.is_file() and path.suffix in suffixes
    ]
    assert found, f"no seed files under {folders}"
    return found


@st.composite
def mutations(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """One of seeds, changed in one to four places."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["insert", "replace", "grow", "delete", "duplicate", "truncate", "flip"]))
        if kind == "insert":
            data[position:position] = draw(st.sampled_from(TOKENS) | st.binary(max_size=6))
        elif kind == "replace":
            digit = data.find(b"0123456789"[draw(st.integers(0, 9)) : draw(st.integers(0, 9)) + 1], position)
            if digit >= 0:
                data[digit : digit + 1] = draw(st.sampled_from(TOKENS[:5]))
        elif kind == "grow":  # an amount or a balance made longer than the books hold
            amounts = [match.start() for match in _AMOUNT.finditer(data)]
            if amounts:
                at = amounts[draw(st.integers(0, len(amounts) - 1))]
                data[at:at] = b"9" * draw(st.sampled_from([12, 15, 25, 40]))
        elif kind == "delete":
            del data[position : position + draw(st.integers(1, 64))]
        elif kind == "duplicate":
            data[position:position] = data[position : position + draw(st.integers(1, 200))]
        elif kind == "truncate":
            del data[position:]
        elif position < len(data):
            data[position] ^= draw(st.integers(1, 255))
    return bytes(data)
