"""A small JSON-over-HTTP client with timeouts and retries (standard library only).

Retried: connection errors, timeouts, 5xx, 429 (waiting what Retry-After says, up to the
connector's limit) and 200 answers whose body is not the documented JSON. Not retried: other
4xx, which are answers. Each wait is announced to `on_retry` first, so the sync engine can count
it and extend its lease before sleeping. The bearer token is sent, never logged.
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import structlog

from integrations.egress import EgressRefused, egress_check_host
from integrations.retry import RETRYABLE_STATUSES, RetryPolicy, retry_after_seconds

log = structlog.get_logger(__name__)
MAX_BODY_BYTES = 20 * 1024 * 1024
RAW_KEEP_CHARS = 64 * 1024


class ConnectorError(Exception):
    """The external system could not give us what we asked for; the message says why."""


class ConnectorUnavailable(ConnectorError):
    """Every attempt failed with a timeout, a connection error or a 5xx."""


class RateLimited(ConnectorUnavailable):
    """429 with a Retry-After longer than we are willing to wait, or on every attempt."""


class HttpRefused(ConnectorError):
    """A 4xx answer (other than 429): retrying would give the same answer."""

    def __init__(self, message: str, *, status: int, body: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class MalformedResponse(ConnectorError):
    """A 2xx answer whose body is not the documented JSON, on every attempt."""

    def __init__(self, message: str, *, raw: str, attempts: int) -> None:
        super().__init__(message)
        self.raw = raw
        self.attempts = attempts


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed_ms: int

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class RetryNotice:
    attempt: int
    wait_seconds: float
    reason: str
    path: str


Envelope = Callable[[Any], None]  # raises ValueError when a decoded body is not the documented shape


class HttpClient:
    def __init__(
        self,
        base_url: str,
        *,
        policy: RetryPolicy,
        token: str = "",
        on_retry: Callable[[RetryNotice], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        parts = urlsplit(base_url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConnectorError(f"The connector's base URL {base_url!r} is not an http(s) URL.")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path
        self.policy = policy
        self._token = token
        self._on_retry = on_retry
        self._sleep = sleep

    # -- one attempt -----------------------------------------------------------------------

    def _send(self, method: str, target: str, body: bytes | None, headers: Mapping[str, str]) -> Response:
        try:
            egress_check_host(self._host, self._port)
        except EgressRefused as exc:
            raise ConnectorError(str(exc)) from None
        connection_class = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        connection = connection_class(self._host, self._port, timeout=self.policy.timeout_seconds)
        started = time.monotonic()
        try:
            connection.request(method, target, body=body, headers=dict(headers))
            answer = connection.getresponse()
            data = answer.read(MAX_BODY_BYTES + 1)
        finally:
            connection.close()
        if len(data) > MAX_BODY_BYTES:
            raise ConnectorError(f"{method} {target}: the answer is larger than {MAX_BODY_BYTES} bytes.")
        return Response(
            status=answer.status,
            headers={k.lower(): v for k, v in answer.getheaders()},
            body=data,
            elapsed_ms=int((time.monotonic() - started) * 1000),
        )

    def _headers(self, extra: Mapping[str, str] | None, content_type: str | None) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": "FinanceControlTower/0.1"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        if content_type:
            headers["Content-Type"] = content_type
        headers.update(extra or {})
        return headers

    # -- with retries ----------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
        envelope: Envelope | None = None,
    ) -> tuple[Response, Any]:
        """(response, decoded JSON or None). 2xx only; raises a ConnectorError otherwise."""
        query = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        target = self._prefix + path + (f"?{urlencode(query)}" if query else "")
        all_headers = self._headers(headers, content_type)
        last_problem = ""
        malformed_raw = ""
        for attempt in range(1, self.policy.max_attempts + 1):
            wait: float | None = None
            try:
                response = self._send(method, target, body, all_headers)
            except (OSError, http.client.HTTPException) as exc:  # timeouts, refused, reset, bad status line
                last_problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            else:
                if response.status == 429:
                    after = retry_after_seconds(response.headers.get("retry-after"))
                    if after is not None and after > self.policy.max_retry_after_seconds:
                        raise RateLimited(
                            f"{method} {path}: rate limited; Retry-After {after:.0f} s is longer than this "
                            f"connector waits ({self.policy.max_retry_after_seconds:.0f} s)."
                        )
                    last_problem = "HTTP 429 Too Many Requests"
                    wait = after
                elif response.status in RETRYABLE_STATUSES:
                    last_problem = f"HTTP {response.status}"
                elif 400 <= response.status < 500:
                    raise HttpRefused(
                        f"{method} {path}: HTTP {response.status} {_excerpt(response.text())}",
                        status=response.status,
                        body=response.text()[:RAW_KEEP_CHARS],
                    )
                elif response.status >= 300:
                    last_problem = f"HTTP {response.status}"
                else:
                    if not response.body or response.status == 204:
                        return response, None
                    try:
                        decoded = json.loads(response.body)
                        if envelope is not None:
                            envelope(decoded)
                    except ValueError as exc:
                        last_problem = f"the answer is not the documented JSON ({exc})"
                        malformed_raw = response.text()[:RAW_KEEP_CHARS]
                    else:
                        return response, decoded
            if attempt == self.policy.max_attempts:
                break
            if wait is None:
                wait = self.policy.backoff(attempt)
            if self._on_retry is not None:
                self._on_retry(RetryNotice(attempt=attempt, wait_seconds=wait, reason=last_problem, path=path))
            log.info(
                "connector.retry", method=method, path=path, attempt=attempt, wait=round(wait, 3), reason=last_problem
            )
            self._sleep(wait)
        message = f"{method} {path}: {last_problem} after {self.policy.max_attempts} attempt(s)."
        if malformed_raw and last_problem.startswith("the answer is not"):
            raise MalformedResponse(message, raw=malformed_raw, attempts=self.policy.max_attempts)
        if last_problem.startswith("HTTP 429"):
            raise RateLimited(message)
        raise ConnectorUnavailable(message)

    def get_json(self, path: str, *, params: Mapping[str, Any] | None = None, envelope: Envelope | None = None) -> Any:
        return self.request("GET", path, params=params, envelope=envelope)[1]

    def post_json(self, path: str, payload: Mapping[str, Any], *, idempotency_key: str) -> Any:
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True, default=str).encode()
        return self.request(
            "POST", path, body=body, content_type="application/json", headers={"Idempotency-Key": idempotency_key}
        )[1]


def _excerpt(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"
