"""Supplier invoice numbers compared the way an AP clerk reads them.

The same invoice reaches us spelt differently: typed from paper, read by OCR, sent by the
supplier's portal and by e-mail. "INV-2024-00815", "inv 2024 815", "Invoice No. 2024-00815" and
"2024/00815" are one invoice; "INV-2024-001" and "INV-2023-001" are two. So a number is read as:

- Unicode compatibility forms folded (full-width digits, "№" → "No") and case ignored;
- a leading run of *generic* words that only say "invoice" or "number" dropped: INVOICE, INV,
  BILL, RECHNUNG, RE, RG, FACTURE, FACTURA, FATTURA, FAKTURA, FACTUUR, NUMBER, NUM, NO, NR,
  NBR, N° and "#", in any order, each followed by something that is not a letter ("RE2024-1"
  loses "RE", "REF-1" does not). Only words from this list are prefixes: a supplier's own series
  letters ("SI", "CN", "AV") stay, because a credit note "CN-001" and an invoice "INV-001" are
  different documents. Digits are never a prefix, so a year stays part of the number;
- separators ignored: spaces, dashes of every kind, dots, slashes, underscores, colons.

Leading zeros are ignored in two readings, and two numbers are the same when either agrees:

- *compact*: all separators dropped, then the leading zeros of the whole ("INV-2024-00815" and
  "2024 00815" are both "202400815"; "000123" and "123" are both "123");
- *grouped*: the digit and letter groups as written, each digit group without its leading zeros
  ("INV-2024-00815" and "inv 2024 815" are both "2024|815"; "A001" and "A-1" are both "A|1").

One reading alone misses spellings the other catches: a dropped dash joins two groups ("2024-001"
against "2024001": compact agrees), a dropped zero inside a group ("2024-001" against "2024-1":
grouped agrees). Trailing zeros, digits and letters never change, so different numbers stay apart.
"""

from __future__ import annotations

import re
import unicodedata

# Words that say "invoice" or "number" and nothing about which one (after case folding).
_PREFIX_WORDS = (
    "INVOICE",
    "INV",
    "INVNO",
    "INVNR",
    "BILL",
    "RECHNUNG",
    "RECHNUNGSNR",
    "RECHNUNGSNUMMER",
    "RECHNR",
    "RE",
    "RENR",
    "RG",
    "RGNR",
    "FACTURE",
    "FACTURA",
    "FATTURA",
    "FAKTURA",
    "FACTUUR",
    "NUMBER",
    "NUMMER",
    "NUM",
    "NBR",
    "NO",
    "NR",
    "N°",
)
_SEPARATORS = r"\s.\-_/\\:#,;'‐‑‒–—―−"  # ASCII punctuation and the Unicode dashes and minus
_PREFIX_WORD = "|".join(re.escape(w) for w in sorted(_PREFIX_WORDS, key=len, reverse=True))
# One or more prefix words (each not followed by a letter) or "#", with separators around them.
_PREFIX = re.compile(rf"^(?:[{_SEPARATORS}]*(?:(?:{_PREFIX_WORD})(?![^\W\d_])|#))+[{_SEPARATORS}]*")
_GROUPS = re.compile(r"[^\W\d_]+|\d+")
_DIGIT = re.compile(r"\d")


def _groups(number: str) -> list[str]:
    """The letter and digit groups of a number after its generic prefix."""
    # NFKC turns full-width forms into ASCII and "№" / "Nº" into "No".
    folded = unicodedata.normalize("NFKC", number).upper()
    if not folded.isascii():  # digits of other scripts (Arabic-Indic, Devanagari) read as 0-9
        folded = _DIGIT.sub(lambda m: str(unicodedata.decimal(m[0])), folded)
    groups = _GROUPS.findall(_PREFIX.sub("", folded, count=1))
    # A number that is nothing but a prefix word ("INV") is kept as written rather than made empty.
    return groups or _GROUPS.findall(folded)


def _compact(groups: list[str]) -> str:
    core = "".join(groups)
    return (core.lstrip("0") or "0") if core else ""


def _grouped(groups: list[str]) -> str:
    return "|".join((g.lstrip("0") or "0") if g[0].isdigit() else g for g in groups)


def normalise_invoice_number(number: str) -> str:
    """The compact reading of a supplier invoice number: case, separators, generic prefixes and
    the leading zeros of the whole ignored. "" for a number without any letter or digit."""
    return _compact(_groups(number))


def grouped_invoice_number(number: str) -> str:
    """The grouped reading: letter and digit groups joined by "|", each digit group without its
    leading zeros. "" for a number without any letter or digit."""
    return _grouped(_groups(number))


def invoice_number_keys(number: str) -> tuple[str, ...]:
    """The keys under which two numbers count as the same invoice number: they are the same when
    they share any key. Each key is tagged with its reading, so a compact key never meets a
    grouped one. Empty for a blank number, which matches nothing."""
    groups = _groups(number)
    if not groups:
        return ()
    return (f"c:{_compact(groups)}", f"g:{_grouped(groups)}")


def same_invoice_number(first: str, second: str) -> bool:
    """Whether two spellings name the same supplier invoice number."""
    return not set(invoice_number_keys(first)).isdisjoint(invoice_number_keys(second))
