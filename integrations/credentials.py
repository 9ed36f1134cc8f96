"""Connector credentials at rest: one MultiFernet token per connector.

Keys come from settings.FCT_CREDENTIAL_KEYS (comma-separated Fernet keys, newest first; create one
with `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`).
The newest key encrypts, every key decrypts, and `manage.py rotate_credential_keys` re-encrypts
everything with the newest one. Without configured keys, development and tests derive a key from
SECRET_KEY (that key is also kept as the last decryption key there, so adding real keys later
loses nothing); production refuses to save credentials without configured keys
(FCT_CREDENTIAL_KEYS_REQUIRED, or the production settings module).

Plaintext never leaves this module except to the HTTP client that sends it, and never reaches a
template, a log line or an audit event.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class CredentialKeysMissing(ImproperlyConfigured):
    pass


class CredentialsUnreadable(Exception):
    """The stored token was encrypted with a key that is no longer configured."""


def keys_required() -> bool:
    explicit = getattr(settings, "FCT_CREDENTIAL_KEYS_REQUIRED", None)
    if explicit is not None:
        return bool(explicit)
    return str(getattr(settings, "SETTINGS_MODULE", "")).endswith(".production")


def _derived_key() -> bytes:
    digest = hashlib.sha256(b"fct-connector-credentials:" + str(settings.SECRET_KEY).encode()).digest()
    return base64.urlsafe_b64encode(digest)


def _fernet() -> MultiFernet:
    configured = [k.strip().encode() for k in settings.FCT_CREDENTIAL_KEYS if k.strip()]
    if keys_required():
        if not configured:
            raise CredentialKeysMissing(
                "FCT_CREDENTIAL_KEYS must be set in production to store connector credentials "
                "(comma-separated Fernet keys, newest first)."
            )
        return MultiFernet([Fernet(k) for k in configured])
    derived = _derived_key()
    keys = [*configured, derived] if derived not in configured else configured
    return MultiFernet([Fernet(k) for k in keys])


def encrypt(values: dict[str, str]) -> str:
    return _fernet().encrypt(json.dumps(values, sort_keys=True).encode()).decode()


def decrypt(token: str) -> dict[str, str]:
    if not token:
        return {}
    try:
        data = json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise CredentialsUnreadable("The stored credentials cannot be decrypted with the configured keys.") from exc
    return {str(k): str(v) for k, v in data.items()}


def rotate(token: str) -> str:
    """The same secret, encrypted again with the newest key."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise CredentialsUnreadable("The stored credentials cannot be decrypted with the configured keys.") from exc
