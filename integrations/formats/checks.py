"""What the readers of text formats (MT940, BAI2, NACHA, CSV) refuse wherever they meet it.

- A NUL byte: no bank file holds one, and PostgreSQL cannot store one in a text column. The XML
  parser refuses it by itself.
- Digits that are not ASCII: Python's int() and Decimal() read Arabic-Indic, Devanagari and every
  other Unicode digit, and str.isdigit() says yes to superscripts that int() then refuses. A bank
  file's numbers are ASCII, and so are the only digits we read.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["MAX_NUMBER_DIGITS", "ascii_digits", "nul_position"]

# No amount, count or total in a bank file has more digits than this (the amount column holds
# 18); more is a broken file, and int() refuses strings beyond 4,300 digits anyway.
MAX_NUMBER_DIGITS: Final = 30
_ASCII_DIGITS = re.compile(r"[0-9]+")


def ascii_digits(text: str) -> bool:
    """True when text is one to MAX_NUMBER_DIGITS ASCII digits and nothing else."""
    return len(text) <= MAX_NUMBER_DIGITS and _ASCII_DIGITS.fullmatch(text) is not None


def nul_position(data: bytes) -> tuple[int, int] | None:
    """(line, column), both counted from 1, of the first NUL byte; None when there is none.
    Lines end at LF, CR LF or a lone CR, as the readers count them."""
    index = data.find(b"\x00")
    if index < 0:
        return None
    before = data[:index]
    lines = before.splitlines()
    if not before or before.endswith((b"\n", b"\r")):
        return len(lines) + 1, 1
    return len(lines), len(lines[-1]) + 1
