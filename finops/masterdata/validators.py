"""Bank identifier checks done on entry (schwifty for IBAN/BIC, the ABA checksum for US routing)."""

from django.core.exceptions import ValidationError
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException


def normalize_iban(value: str) -> str:
    return "".join(value.split()).upper()


def validate_iban(value: str) -> None:
    try:
        IBAN(value)
    except SchwiftyException as exc:
        raise ValidationError(f"{value} is not a valid IBAN: {exc}") from exc


def validate_bic(value: str) -> None:
    try:
        BIC(value)
    except SchwiftyException as exc:
        raise ValidationError(f"{value} is not a valid BIC: {exc}") from exc


def aba_check_digit_ok(routing: str) -> bool:
    if len(routing) != 9 or not (routing.isascii() and routing.isdigit()):
        return False
    weights = (3, 7, 1) * 3
    return sum(int(d) * w for d, w in zip(routing, weights, strict=True)) % 10 == 0


def validate_routing_number(value: str) -> None:
    """Kept for migration 0001; ABA codes are checked in bank_identifiers.bank_code_clean."""
    if not aba_check_digit_ok(value):
        raise ValidationError(f"{value} is not a valid ABA routing number (nine digits, check digit).")
