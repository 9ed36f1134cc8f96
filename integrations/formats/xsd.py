"""Validation against the official ISO 20022 XSDs vendored under schemas/.

Each schema is compiled once per process. On import a failure is only a warning (many real
bank files fail strict validation); on export it blocks (see pain001.build_pain001).
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import Final

from lxml import etree

SCHEMA_DIR: Final = Path(__file__).resolve().parent / "schemas"
MAX_ERRORS: Final = 20

# An XMLSchema keeps the last run's error_log on itself: concurrent runs would mix errors.
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def schema_path(message: str) -> Path:
    """The vendored XSD for a message name such as "camt.053.001.02"."""
    return SCHEMA_DIR / f"{message}.xsd"


def has_schema(message: str) -> bool:
    return bool(message) and schema_path(message).is_file()


def available_schemas() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in SCHEMA_DIR.glob("*.xsd")))


@functools.cache
def load_schema(message: str) -> etree.XMLSchema:
    """Compile the vendored XSD; FileNotFoundError when it is not vendored."""
    path = schema_path(message)
    if not path.is_file():
        raise FileNotFoundError(f"no vendored XSD for {message} (looked for {path.name})")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(path), parser))


def validate(document: etree._Element | etree._ElementTree, message: str) -> list[str]:
    """Every schema error as "line N: message" (at most MAX_ERRORS, then a count)."""
    schema = load_schema(message)
    with _lock_for(message):
        schema.validate(document)
        errors = [f"line {e.line}: {e.message}" for e in schema.error_log]
    if len(errors) > MAX_ERRORS:
        extra = len(errors) - MAX_ERRORS
        errors = [*errors[:MAX_ERRORS], f"... and {extra} more schema errors"]
    return errors


def _lock_for(message: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(message, threading.Lock())
