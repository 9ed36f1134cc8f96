"""The mapping of an SFTP connector: where the server is, whose host key to trust, which files
to take and what to do with them after the import."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from integrations.connectors.base import MappingField
from integrations.connectors.mapping_schema import string
from integrations.egress import host_refusal

MOVE = "move"
LEAVE = "leave"
# OpenSSH prints SHA256: and the unpadded base64 of the digest (43 characters)
FINGERPRINT = re.compile(r"^SHA256:[A-Za-z0-9+/]{43}=?$")


def host(value: Any) -> str | None:
    if not isinstance(value, str) or any(c.isspace() for c in value) or "/" in value:
        return "must be a host name or IP address"
    return host_refusal(value) or None if value else None


def port(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        return "must be a whole number from 1 to 65535"
    return None


def after_import(value: Any) -> str | None:
    return None if value in (MOVE, LEAVE) else f'must be "{MOVE}" or "{LEAVE}"'


def fingerprint(value: Any) -> str | None:
    if not isinstance(value, str) or (value and not FINGERPRINT.match(value.strip())):
        return 'must be the server\'s host key fingerprint as OpenSSH prints it, e.g. "SHA256:uNiVz…"'
    return None


def seconds(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 86400:
        return "must be a whole number of seconds from 0 to 86400"
    return None


MAPPING_FIELDS: dict[str, MappingField] = {
    "host": MappingField(host, "", "The bank's SFTP server (host name or IP address)."),
    "port": MappingField(port, 22, "Its port."),
    "host_key_fingerprint": MappingField(
        fingerprint,
        "",
        "The server's host key fingerprint as OpenSSH prints it (SHA256:…), from the bank. Nothing is "
        "fetched until it is set, and a server presenting another key is refused.",
    ),
    "remote_folder": MappingField(string, ".", "Folder the bank's files wait in (. = the login folder)."),
    "filename_pattern": MappingField(string, "*", "Which files to take (glob, e.g. camt053_*.xml)."),
    "after_import": MappingField(
        after_import,
        MOVE,
        f'"{MOVE}": move each imported file to the processed folder; "{LEAVE}": leave it (a file '
        "fetched again is recognised by its sha256 and imports nothing twice).",
    ),
    "processed_folder": MappingField(
        string, "processed", "Where imported files go, inside the remote folder unless it starts with /."
    ),
    "settle_seconds": MappingField(
        seconds, 30, "A file modified more recently than this may still be being written: left for the next run."
    ),
}


@dataclass(frozen=True)
class Folder:
    """What the pull does, read from the effective mapping."""

    path: str
    pattern: str
    after_import: str
    processed: str
    settle_seconds: int

    @classmethod
    def of(cls, mapping: dict[str, Any]) -> Folder:
        path = (mapping.get("remote_folder") or ".").rstrip("/") or "/"
        processed = mapping.get("processed_folder") or "processed"
        if not processed.startswith("/"):
            processed = f"{path}/{processed}" if path != "/" else f"/{processed}"
        return cls(
            path=path,
            pattern=mapping.get("filename_pattern") or "*",
            after_import=mapping.get("after_import") or MOVE,
            processed=processed.rstrip("/"),
            settle_seconds=int(mapping.get("settle_seconds", 30)),
        )
