"""The state of one run while it works: counts, cursors, high-water marks and the lease.

Counts and cursors are written to the SyncRun at least once a second and after every page, in
one UPDATE that also extends the lease and checks the lease token: a worker whose run was handed
to another (the sweeper found its lease expired) learns it there and stops (LeaseLost).
"""

from __future__ import annotations

import time as clock
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from typing import Any

import structlog
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from integrations.connectors import apply_context, spec_for
from integrations.connectors.base import Resource
from integrations.credentials import decrypt
from integrations.models import Connector, SyncFailure, SyncRun
from integrations.retry import RetryPolicy
from integrations.states import UNRESOLVED_FAILURE_STATES, ApplyOutcome, FailureKind, SyncState
from integrations.sync.failures import failure_record
from integrations.sync.http import HttpClient, RetryNotice
from integrations.sync.ledger import RECORD_ERRORS, RecordConflict, content_hash, record_apply

log = structlog.get_logger(__name__)
COUNTERS = ("received", "created", "updated", "unchanged", "duplicates", "stale", "skipped", "failed", "retries")
FLUSH_EVERY_SECONDS = 1.0


def _moment(value: Any) -> datetime | None:
    """A high-water mark as a comparable instant: an ISO date-time, or a date (its midnight UTC)."""
    if not isinstance(value, str):
        return None
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        return datetime.combine(day, time.min, tzinfo=UTC) if day else None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def lease_seconds() -> int:
    return int(getattr(settings, "FCT_SYNC_LEASE_SECONDS", 120))


class LeaseLost(Exception):
    """The run is no longer ours: the sweeper requeued it, or it was finished elsewhere."""


def error_text(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
        return " ".join(exc.messages)
    return str(exc) or type(exc).__name__


def credentials_of(connector: Connector) -> dict[str, str]:
    return decrypt(connector.credentials_encrypted)


def client_for(connector: Connector, **kwargs: Any) -> HttpClient:
    return HttpClient(
        connector.base_url,
        policy=RetryPolicy.of(connector),
        token=credentials_of(connector).get("token", ""),
        **kwargs,
    )


class RunContext:
    def __init__(self, run: SyncRun, connector: Connector, lease_token: str) -> None:
        self.run = run
        self.connector = connector
        self.lease_token = lease_token
        self.spec = spec_for(connector.kind)
        self.apply_ctx = apply_context(connector, run=run)
        self.apply_ctx.failing_keys = set(
            SyncFailure.objects.filter(
                connector=connector, kind=FailureKind.RECORD, state__in=UNRESOLVED_FAILURE_STATES
            ).values_list("resource", "key")
        )
        self.progress: dict[str, dict[str, Any]] = dict(run.progress or {})
        self.marks: dict[str, str] = dict(run.high_water_marks or {})
        self.page_failures = 0
        self._pending: Counter[str] = Counter()
        self._flushed_at = clock.monotonic()

    # -- what the pull asks ----------------------------------------------------------------

    @property
    def mapping(self) -> dict[str, Any]:
        return self.apply_ctx.mapping

    def client(self) -> HttpClient:
        return client_for(self.connector, on_retry=self._on_retry)

    def wanted(self, resources: tuple[Resource, ...]) -> list[Resource]:
        names = self.mapping.get("resources") or [r.name for r in resources]
        return [r for r in resources if r.name in names]

    def resource_state(self, name: str) -> dict[str, Any]:
        """The resource's progress in this run; a fresh resource starts from the connector's mark."""
        if name not in self.progress:
            self.progress[name] = {"since": (self.connector.high_water_marks or {}).get(name), "cursor": None}
        return self.progress[name]

    # -- what the pull reports -------------------------------------------------------------

    def apply_records(self, resource: Resource, records: list[Any], *, mark_field: str = "updated_at") -> None:
        for payload in records:
            outcome = self._apply_one(resource, payload)
            self._pending["received"] += 1
            self._pending[str(outcome)] += 1
            if outcome != ApplyOutcome.FAILED and isinstance(payload, dict):
                self._mark(resource.name, payload.get(mark_field))
            if clock.monotonic() - self._flushed_at >= FLUSH_EVERY_SECONDS:
                self.flush()

    def page_done(self, name: str, *, cursor: str | None, total: int | None = None) -> None:
        state = self.resource_state(name)
        state["cursor"] = cursor
        state["done"] = cursor is None
        if total is not None:
            state["total"] = total
        self.flush()

    def page_failed(self, name: str, *, request: dict[str, Any], raw: str, error: str, attempts: int) -> None:
        """A page that every attempt got wrong: dead-lettered at once with what was asked and
        what came back; the rest of that resource waits for the next run."""
        self.page_failures += 1
        key = "page:" + content_hash(request)[:16]
        failure_record(
            ctx=self.apply_ctx,
            kind=FailureKind.PAGE,
            resource=name,
            key=key,
            error=error,
            raw=raw,
            request=request,
            attempts=attempts,
            dead_now=True,
        )
        self._pending["failed"] += 1
        state = self.resource_state(name)
        state["done"] = True
        state["failed_page"] = key
        self.flush()

    def set_mark(self, name: str, value: str) -> None:
        self._mark(name, value)

    def retry_noted(self, notice: RetryNotice) -> None:
        """A transport other than the HTTP client (SFTP) announces a retry before it sleeps:
        counted on the run, and the lease is extended by the wait."""
        self._on_retry(notice)

    # -- internals ---------------------------------------------------------------------------

    def _apply_one(self, resource: Resource, payload: Any) -> str:
        try:
            return record_apply(self.apply_ctx, resource, payload)
        except RECORD_ERRORS as exc:
            is_dict = isinstance(payload, dict)
            external_id = str(payload.get(resource.id_field) or "") if is_dict else ""
            version = payload.get("version") if is_dict else None
            key = external_id or "no-id:" + content_hash(payload)[:16]
            if self.apply_ctx.failing_keys is not None:
                self.apply_ctx.failing_keys.add((resource.name, key))
            failure_record(
                ctx=self.apply_ctx,
                kind=FailureKind.RECORD,
                resource=resource.name,
                key=key,
                error=error_text(exc),
                version=version if isinstance(version, int) and not isinstance(version, bool) else None,
                payload=payload if is_dict else {"value": payload},
                dead_now=isinstance(exc, RecordConflict),
            )
            log.info("sync.record_failed", resource=resource.name, external_id=external_id, error=error_text(exc))
            return ApplyOutcome.FAILED

    def _mark(self, name: str, value: Any) -> None:
        moment = _moment(value)
        if moment is None:
            return
        current = _moment(self.marks.get(name))
        if current is None or moment > current:
            self.marks[name] = value

    def _on_retry(self, notice: RetryNotice) -> None:
        self._pending["retries"] += 1
        self.flush(extra_seconds=notice.wait_seconds)

    def _expected_total(self) -> int | None:
        totals = [state.get("total") for state in self.progress.values()]
        if not totals or any(not isinstance(t, int) for t in totals):
            return None
        return sum(totals)  # type: ignore[arg-type]

    def flush(self, *, extra_seconds: float = 0.0) -> None:
        """Write counts and cursors, extend the lease; LeaseLost when the run is not ours any more."""
        now = timezone.now()
        values: dict[str, Any] = {name: F(name) + n for name, n in self._pending.items() if n and name in COUNTERS}
        updated = SyncRun.objects.filter(pk=self.run.pk, state=SyncState.RUNNING, lease_token=self.lease_token).update(
            **values,
            progress=self.progress,
            high_water_marks=self.marks,
            expected_total=self._expected_total(),
            lease_expires_at=now + timedelta(seconds=lease_seconds() + extra_seconds),
            updated_at=now,
        )
        if updated != 1:
            raise LeaseLost(f"Run {self.run.pk} is no longer held by this worker.")
        self._pending.clear()
        self._flushed_at = clock.monotonic()
