"""Real HTTP receivers for the outbox: a tiny webhook subscriber in a thread, and the sandbox ERP."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from integrations.sandbox.config import DEFAULT_TOKEN
from integrations.sandbox.testing import http_call, run_sandbox
from integrations.signing import SIGNATURE_HEADER, signature_valid


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str:
        return self.headers[name.lower()]


@dataclass
class Receiver:
    """Answers 200 to every POST unless told to fail the next n requests of a path."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    failures: dict[str, list[int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, path: str, *statuses: int) -> None:
        with self.lock:
            self.failures.setdefault(path, []).extend(statuses)

    def to(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def signed_correctly(self, request: Received, secret: str) -> bool:
        return signature_valid(request.header(SIGNATURE_HEADER), request.body, [secret], now=int(time.time()))


def _handler_for(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with receiver.lock:
                receiver.requests.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                planned = receiver.failures.get(self.path) or []
                status = planned.pop(0) if planned else 200
            payload = b'{"ok": true}' if status == 200 else b'{"error": "planned failure"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(receiver))
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


@dataclass
class Sandbox:
    url: str

    def call(self, method: str, path: str, body: Any = None) -> Any:
        answer = http_call(method, f"{self.url}{path}", json_body=body, token=None)
        assert 200 <= answer.status < 300, answer.body
        return answer.json() if answer.body else None

    def posts_to(self, path: str) -> list[dict[str, Any]]:
        return [r for r in self.call("GET", f"/_sandbox/requests?path_prefix={path}") if r["method"] == "POST"]

    def journal_entries(self) -> list[dict[str, Any]]:
        return list(self.call("GET", "/_sandbox/erp/journal_entries"))

    def fault(self, path_prefix: str, kind: str, times: int = 1) -> None:
        self.call("POST", "/_sandbox/faults", {"path_prefix": path_prefix, "kind": kind, "times": times})


@pytest.fixture(scope="session")
def _sandbox_server() -> Iterator[str]:
    with run_sandbox(port=0, timeout_hold_seconds=3.0) as url:
        yield url


@pytest.fixture
def sandbox(_sandbox_server: str) -> Sandbox:
    """The bundled sandbox, reset to its seeded state (data, faults, idempotency keys, request log)."""
    box = Sandbox(_sandbox_server)
    box.call("POST", "/_sandbox/reset")
    return box


@pytest.fixture
def erp_connector(sandbox: Sandbox, entity_de: Any) -> Any:
    """DE01's ERP connector pointing at the sandbox, with its bearer token encrypted at rest."""
    from integrations.credentials import encrypt
    from integrations.models import Connector, ConnectorKind

    return Connector.objects.create(
        name="ERP DE01",
        kind=ConnectorKind.ERP_REST,
        entity=entity_de,
        base_url=sandbox.url,
        credentials_encrypted=encrypt({"token": DEFAULT_TOKEN}),
    )


def header(request: dict[str, Any], name: str) -> str:
    """A header of a request logged by the sandbox, whatever case it was stored in."""
    for key, value in request["headers"].items():
        if key.lower() == name.lower():
            return str(value)
    raise KeyError(name)
