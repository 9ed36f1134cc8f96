"""The SFTP poll: list the remote folder, fetch each settled file that matches the pattern,
import it through the bank-file import, then move it to the processed folder.

Each file is one record of the resource "files", keyed by its name and applied through the sync
engine's ledger, so the run counts it (received; created when imported, duplicates when its bytes
were imported before) and a refused file is an ordinary record failure: kept with its error,
retried by the next runs (it stays on the server), dead-lettered after the connector's
record_max_attempts and left alone from then on until it changes or is replayed. The file's
writes and its ledger entry commit together, one transaction per file.

Idempotent: a file is moved only after its import committed, and a file fetched again (the worker
died before the move, or after_import is "leave") is a duplicate, by the ledger or by the
import's sha256, so nothing is imported twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from contextvars import ContextVar
from fnmatch import fnmatchcase
from typing import Any

import structlog
from django.utils import timezone

from integrations.bankfiles.models import InboundFile, InboundFileStatus
from integrations.bankfiles.services import BankFileRefused, bank_file_check_size, bank_file_import, max_file_bytes
from integrations.connectors.bank_sftp.client import RemoteFile, SftpClient, SftpTarget, sftp_client_for
from integrations.connectors.bank_sftp.mapping import MOVE, Folder
from integrations.connectors.base import Applied, ApplyContext, MappingError, Resource, VersionPolicy
from integrations.models import Connector, SyncFailure, SyncRecord
from integrations.retry import RetryPolicy
from integrations.states import ApplyOutcome, FailureKind, FailureState
from integrations.sync.context import RunContext
from integrations.sync.http import ConnectorError
from integrations.sync.ledger import content_hash, record_identity

log = structlog.get_logger(__name__)


def file_apply(ctx: ApplyContext, payload: dict[str, Any]) -> Applied:
    """Import one fetched file (its bytes are in hand during a run; a replay fetches them again).
    A refused file raises MappingError with the import's message, which names the file."""
    name = str(payload.get("name") or "")
    try:
        bank_file_check_size(size=int(payload.get("size") or 0), filename=name)
        data = _bytes_of(ctx.connector, payload)
        # the connector serves its own entity: a file about another entity's account is refused
        result = bank_file_import(data=data, filename=name, source=ctx.source, entity_ids=[ctx.entity.pk])
    except BankFileRefused as refusal:
        raise MappingError(refusal.message) from refusal
    inbound = None
    if result.inbound_file_id is not None:
        inbound = InboundFile.objects.defer("content").filter(pk=result.inbound_file_id).first()
    imported = result.status == InboundFileStatus.IMPORTED
    return Applied(inbound, ApplyOutcome.CREATED if imported else ApplyOutcome.DUPLICATE)


FILES = Resource("files", "", file_apply, policy=VersionPolicy.LATEST, id_field="name")
RESOURCES = (FILES,)

# sha256 -> bytes of the file being applied in this run; empty during a replay
_in_hand: ContextVar[dict[str, bytes] | None] = ContextVar("bank_sftp_in_hand", default=None)


def _bytes_of(connector: Connector, payload: dict[str, Any]) -> bytes:
    digest = str(payload.get("sha256") or "")
    data = (_in_hand.get() or {}).get(digest)
    if data is not None:
        return data
    # a replay from the failures page: fetch the file again
    name = payload.get("name")
    try:
        with sftp_client_for(connector) as client:
            data = client.read(str(payload.get("path")), size=int(payload.get("size") or 0))
    except ConnectorError as exc:
        raise MappingError(f"{name}: could not be fetched again: {exc}") from exc
    if hashlib.sha256(data).hexdigest() != digest:
        raise MappingError(f"{name}: changed on the server since it failed; the next run takes the new version.")
    return data


def pull(ctx: RunContext) -> None:
    folder = Folder.of(ctx.mapping)
    target = SftpTarget.of(ctx.connector)
    given_up = _dead_letters(ctx.connector)
    with SftpClient(target, policy=RetryPolicy.of(ctx.connector), on_retry=ctx.retry_noted) as client:
        now = time.time()
        for remote in client.list_files(folder.path):
            if not _wanted(remote, folder, now) or given_up.get(remote.name) == _identity(remote):
                continue
            payload = _fetch(client, remote)
            if payload is None:
                continue  # still growing: next run
            token = _in_hand.set({payload["sha256"]: payload.pop("_data")} if payload["sha256"] else {})
            try:
                ctx.apply_records(FILES, [payload], mark_field="modified_at")
            finally:
                _in_hand.reset(token)
            if folder.after_import == MOVE and _applied(ctx, payload):
                moved = client.move(remote.path, folder.processed, f"{timezone.now():%Y%m%dT%H%M%S}-{remote.name}")
                log.info("bank_sftp.moved", file=remote.path, to=moved)


def _wanted(remote: RemoteFile, folder: Folder, now: float) -> bool:
    if remote.name.startswith(".") or not fnmatchcase(remote.name, folder.pattern):
        return False
    return now - remote.modified_at >= folder.settle_seconds


def _identity(remote: RemoteFile) -> tuple[int, str]:
    return remote.size, _stamp(remote.modified_at)


def _stamp(posix: float) -> str:
    return dt.datetime.fromtimestamp(posix, tz=dt.UTC).isoformat()


def _fetch(client: SftpClient, remote: RemoteFile) -> dict[str, Any] | None:
    """The record of one file, with its bytes under "_data" (taken out before it is stored). An
    oversize file is not fetched: its record fails on the size check. None: the file grew."""
    payload: dict[str, Any] = {
        "name": remote.name,
        "path": remote.path,
        "size": remote.size,
        "modified_at": _stamp(remote.modified_at),
        "sha256": "",
    }
    if remote.size > max_file_bytes():
        return payload
    data = client.read(remote.path, size=remote.size)
    if len(data) != remote.size:
        log.info("bank_sftp.still_growing", file=remote.path, listed=remote.size, read=len(data))
        return None
    payload["sha256"] = hashlib.sha256(data).hexdigest()
    payload["_data"] = data
    return payload


def _applied(ctx: RunContext, payload: dict[str, Any]) -> bool:
    """Whether this very file went through (imported now, or before): the ledger holds it."""
    external_id, _ = record_identity(FILES, payload)
    return SyncRecord.objects.filter(
        source=ctx.apply_ctx.source,
        resource=FILES.name,
        external_id=external_id,
        content_hash=content_hash(payload),
        version__gt=0,
    ).exists()


def _dead_letters(connector: Connector) -> dict[str, tuple[int, str]]:
    """Files given up on, by name, with the size and time they had: skipped while unchanged."""
    dead = SyncFailure.objects.filter(
        connector=connector, kind=FailureKind.RECORD, resource=FILES.name, state=FailureState.DEAD
    ).values_list("key", "payload")
    return {
        key: (int(payload.get("size") or 0), str(payload.get("modified_at") or ""))
        for key, payload in dead
        if isinstance(payload, dict)
    }
