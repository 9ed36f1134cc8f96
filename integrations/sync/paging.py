"""Paged, incremental pulls: `?updated_since=<high-water mark>&cursor=<opaque>&limit=<n>`."""

from __future__ import annotations

from typing import Any

from integrations.connectors.base import Resource
from integrations.sync.context import RunContext
from integrations.sync.http import HttpClient, MalformedResponse


def page_envelope(decoded: Any) -> None:
    """{"data": [...], "next_cursor": str | null}, or ValueError."""
    if not isinstance(decoded, dict) or not isinstance(decoded.get("data"), list):
        raise ValueError('expected an object with a "data" list')
    cursor = decoded.get("next_cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise ValueError('"next_cursor" must be a string or null')


def page_request(resource: Resource, *, limit: int, since: str | None, cursor: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": limit}
    if since:
        params["updated_since"] = since
    if cursor:
        params["cursor"] = cursor
    return {"method": "GET", "path": resource.path, "params": params}


def page_total(page: dict[str, Any]) -> int | None:
    total = page.get("total")
    return total if isinstance(total, int) and not isinstance(total, bool) and total >= 0 else None


def page_fetch(client: HttpClient, request: dict[str, Any]) -> dict[str, Any]:
    page: dict[str, Any] = client.get_json(request["path"], params=request["params"], envelope=page_envelope)
    return page


def paged_pull(ctx: RunContext, resources: tuple[Resource, ...]) -> None:
    """Pull each wanted resource in order, page by page, from where this run stopped (a run
    requeued after its worker died resumes at its last cursor)."""
    client = ctx.client()
    for resource in ctx.wanted(resources):
        state = ctx.resource_state(resource.name)
        if state.get("done"):
            continue
        cursor: str | None = state.get("cursor")
        while True:
            request = page_request(resource, limit=ctx.connector.page_size, since=state.get("since"), cursor=cursor)
            try:
                page = page_fetch(client, request)
            except MalformedResponse as exc:
                ctx.page_failed(resource.name, request=request, raw=exc.raw, error=str(exc), attempts=exc.attempts)
                break
            ctx.apply_records(resource, page["data"])
            cursor = page.get("next_cursor")
            ctx.page_done(resource.name, cursor=cursor, total=page_total(page) if "total" not in state else None)
            if cursor is None:
                break
