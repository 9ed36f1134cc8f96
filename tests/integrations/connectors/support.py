"""Helpers for the connector tests: connectors pointed at the sandbox, with short backoff."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from integrations.models import Connector, SyncRun
from integrations.sandbox.config import DEFAULT_TOKEN
from integrations.sandbox.testing import HttpAnswer, http_call
from integrations.services import connector_create, connector_credentials_set
from integrations.sync.runs import sync_run_execute, sync_run_request

# Real retries, short waits: a test never sleeps for seconds because of backoff.
FAST: dict[str, Any] = {
    "timeout_seconds": Decimal("1.00"),
    "max_attempts": 3,
    "backoff_base_seconds": Decimal("0.01"),
    "backoff_cap_seconds": Decimal("0.05"),
    "page_size": 50,
    "record_max_attempts": 1,
}


def make_connector(admin: Any, entity: Any, kind: str, base_url: str = "", **settings: Any) -> Connector:
    connector = connector_create(
        actor=admin,
        kind=kind,
        entity=entity,
        settings={"name": f"{kind} {entity.code}", "base_url": base_url, **FAST, **settings},
    )
    connector_credentials_set(connector_id=connector.pk, actor=admin, values={"token": DEFAULT_TOKEN})
    return Connector.objects.get(pk=connector.pk)


def run_once(connector: Connector, actor: Any = None) -> SyncRun:
    """Queue a run as Run now does, then execute it as the worker would."""
    run = sync_run_request(connector_id=connector.pk, actor=actor)
    sync_run_execute(sync_run_id=run.pk)
    run.refresh_from_db()
    return run


def sandbox_post(base_url: str, path: str, body: Any) -> HttpAnswer:
    answer = http_call("POST", f"{base_url}{path}", json_body=body, token=None)
    assert answer.status < 300, answer.body
    return answer


def fault(base_url: str, **body: Any) -> None:
    sandbox_post(base_url, "/_sandbox/faults", body)


def sandbox_get(base_url: str, path: str) -> Any:
    answer = http_call("GET", f"{base_url}{path}")
    assert answer.status == 200, answer.body
    return answer.json()


def sandbox_records(base_url: str, system: str, resource: str) -> list[dict[str, Any]]:
    answer = http_call("GET", f"{base_url}/_sandbox/{system}/{resource}", token=None)
    assert answer.status == 200, answer.body
    records: list[dict[str, Any]] = answer.json()
    return records


def mark_after(base_url: str, system: str, resource: str, *, keep_last: int = 0) -> str:
    """An updated_since that leaves out every record there is now except the `keep_last` newest."""
    import datetime as dt

    stamps = sorted(r["updated_at"] for r in sandbox_records(base_url, system, resource))
    if keep_last:
        return stamps[-keep_last]
    latest = dt.datetime.fromisoformat(stamps[-1].replace("Z", "+00:00")) + dt.timedelta(milliseconds=1)
    return latest.strftime("%Y-%m-%dT%H:%M:%S.") + f"{latest.microsecond // 1000:03d}Z"


def set_marks(connector: Connector, **marks: str) -> None:
    Connector.objects.filter(pk=connector.pk).update(high_water_marks={**connector.high_water_marks, **marks})
    connector.refresh_from_db()


def subscribe(base_url: str, system: str, url: str, *secrets: str) -> None:
    sandbox_post(base_url, f"/_sandbox/{system}/subscriptions", {"url": url, "secrets": list(secrets)})


def emit(base_url: str, system: str, event_type: str, **data: Any) -> list[dict[str, Any]]:
    answer = sandbox_post(base_url, f"/_sandbox/{system}/emit", {"type": event_type, "count": 1, "data": data})
    results: list[dict[str, Any]] = answer.json()
    return results
