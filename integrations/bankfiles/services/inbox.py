"""Polling a folder where bank files are dropped (an SFTP landing directory, an EBICS client's
download folder): each file is imported, then moved to imported/ or refused/ beside it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import structlog
from django.conf import settings
from django.utils import timezone

from integrations.bankfiles.services.common import BankFileRefused
from integrations.bankfiles.services.importer import bank_file_check_size, bank_file_import

logger = structlog.get_logger(__name__)

# A file younger than this may still be being written by the transfer client.
SETTLE_SECONDS = 30


@dataclass
class InboxPollResult:
    imported: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def bank_file_inbox_poll(*, inbox: Path | None = None, settle_seconds: int = SETTLE_SECONDS) -> InboxPollResult:
    """Import every settled file of the inbox (settings.BANK_FILE_INBOX_DIR; nothing to do when unset).

    Idempotent: a file is moved away only after its import committed, and a file found again
    (the worker died before moving it, or two workers polled at once) is a sha256 duplicate,
    so nothing is imported twice.
    """
    folder = inbox or _configured_inbox()
    result = InboxPollResult()
    if folder is None or not folder.is_dir():
        return result
    now = time.time()
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue  # another worker moved it meanwhile
        if now - stat.st_mtime < settle_seconds:
            continue
        try:
            bank_file_check_size(size=stat.st_size, filename=path.name)
            data = path.read_bytes()
        except OSError as error:
            # A file we cannot read is set aside like a refused one, so it holds up nothing behind it.
            _set_aside(path, result, f"{path.name}: cannot be read ({error.strerror or error}); nothing was imported")
            continue
        except BankFileRefused as refusal:
            _set_aside(path, result, refusal.message)
            continue
        try:
            outcome = bank_file_import(data=data, filename=path.name, source="inbox")
        except BankFileRefused as refusal:
            _set_aside(path, result, refusal.message)
            continue
        (result.duplicates if outcome.status == "duplicate" else result.imported).append(path.name)
        _move(path, folder / "imported")
    return result


def _set_aside(path: Path, result: InboxPollResult, message: str) -> None:
    logger.warning("bank_file.inbox_refused", filename=path.name, error=message)
    result.refused.append(path.name)
    _move(path, path.parent / "refused")


def _configured_inbox() -> Path | None:
    configured = getattr(settings, "BANK_FILE_INBOX_DIR", "")
    return Path(configured) if configured else None


def _move(path: Path, target_dir: Path) -> None:
    stamped = target_dir / f"{timezone.now():%Y%m%dT%H%M%S}-{path.name}"
    try:
        target_dir.mkdir(exist_ok=True)
        path.rename(stamped)
    except FileNotFoundError:
        pass  # another worker moved it first
    except OSError as error:
        # Left where it is: the next poll meets it again (an imported file as a duplicate).
        logger.warning("bank_file.inbox_not_moved", filename=path.name, to=str(target_dir), error=str(error))
