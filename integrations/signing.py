"""Webhook signatures, the one HMAC scheme of the control tower, inbound and outbound:

    <System>-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}.{raw body}")>[,v1=...]

We sign every event we send to a subscriber with FCT-Signature (integrations.outbox.handlers);
billing platforms and gateways sign what they send us with their own header name
(integrations.webhooks.receive checks it). During a secret rotation a header carries one v1 entry
per secret, and any one matching is enough.

Pure functions. Every v1 entry is compared with every secret we hold (current and, during a
rotation, previous) in constant time; the timestamp must be within the tolerance window, which
refuses replays of an old, correctly signed delivery.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

SIGNATURE_HEADER = "FCT-Signature"  # on what we send
EVENT_ID_HEADER = "FCT-Event-Id"
DEFAULT_TOLERANCE_SECONDS = 300


class SignatureError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def sign(secret: str, body: bytes, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secrets: str | Sequence[str], body: bytes, timestamp: int) -> str:
    """The header signing `body` at `timestamp` with one secret, or with each of several."""
    keys = [secrets] if isinstance(secrets, str) else list(secrets)
    return ",".join([f"t={timestamp}", *(f"v1={sign(s, body, timestamp)}" for s in keys)])


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            if not value.isdigit() or timestamp is not None:
                raise SignatureError("malformed signature header")
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value.strip().lower())
    if timestamp is None or not signatures:
        raise SignatureError("malformed signature header" if header else "missing signature header")
    return timestamp, signatures


def signature_verify(
    header: str, body: bytes, secrets: Sequence[str], *, now: int, tolerance: int = DEFAULT_TOLERANCE_SECONDS
) -> int:
    """The signed timestamp, or SignatureError("forged" | "stale timestamp" | "malformed ...")."""
    timestamp, signatures = _parse(header)
    expected = [sign(secret, body, timestamp) for secret in secrets if secret]
    matched = False
    for candidate in signatures:
        for wanted in expected:
            # no early exit: the time taken does not depend on which secret matched
            matched |= hmac.compare_digest(candidate.encode(), wanted.encode())
    if not matched:
        raise SignatureError("forged signature")
    if abs(now - timestamp) > tolerance:
        raise SignatureError("stale timestamp")
    return timestamp


def signature_valid(
    header: str, body: bytes, secrets: Sequence[str], *, now: int, tolerance: int = DEFAULT_TOLERANCE_SECONDS
) -> bool:
    """signature_verify as a yes or no, for a receiver that only needs to know."""
    try:
        signature_verify(header, body, secrets, now=now, tolerance=tolerance)
    except SignatureError:
        return False
    return True
