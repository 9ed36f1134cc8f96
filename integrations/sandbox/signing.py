"""Webhook signatures: `t=<unix>,v1=<hex HMAC-SHA256(secret, f"{t}.{raw body}")>`, one v1 per secret."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence


def signature(secret: str, body: bytes, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secrets: Sequence[str], body: bytes, timestamp: int) -> str:
    """The header value; during a rotation (several secrets) it carries one v1 entry per secret."""
    return ",".join([f"t={timestamp}", *(f"v1={signature(secret, body, timestamp)}" for secret in secrets)])
