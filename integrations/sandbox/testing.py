"""Helpers for tests in any package: a sandbox on a free port (with its SFTP server if asked), a
tiny webhook receiver, and a plain HTTP call that ignores proxy settings (everything here is on
127.0.0.1)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from integrations.sandbox.config import DEFAULT_TOKEN, SandboxOptions
from integrations.sandbox.server import SandboxHTTPServer, build_server
from integrations.sandbox.sftp import SftpServer

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@contextlib.contextmanager
def _serving(server: SandboxHTTPServer) -> Iterator[None]:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.name = f"sandbox-{server.server_address[1]}"
    thread.start()
    try:
        yield
    finally:
        server.stop()
        thread.join(timeout=5)


@contextlib.contextmanager
def run_sandbox(port: int = 0, *, host: str = "127.0.0.1", **options: Any) -> Iterator[str]:
    """Serve a sandbox in a background thread; yields its base URL ("http://127.0.0.1:54321").

    options are SandboxOptions fields: seed, token, today, timeout_hold_seconds, max_body_bytes,
    webhook_hosts, webhook_timeout_seconds, bank_processing_seconds, request_log_size,
    sftp_user, sftp_password.
    """
    server = build_server(host, port, SandboxOptions(**options))
    with _serving(server):
        yield server.base_url


@dataclasses.dataclass(frozen=True)
class SandboxWithSftp:
    """Where a sandbox with its SFTP server answers, and how to log in there."""

    base_url: str
    sftp_host: str
    sftp_port: int
    host_key_fingerprint: str
    username: str
    password: str
    root: Path  # the local folder the SFTP server serves


@contextlib.contextmanager
def run_sandbox_sftp(
    *, host: str = "127.0.0.1", state_dir: Path | None = None, **options: Any
) -> Iterator[SandboxWithSftp]:
    """run_sandbox plus the bank's SFTP server, both on free ports; the host key and the files are
    kept in state_dir (default: a temporary folder removed afterwards)."""
    with contextlib.ExitStack() as stack:
        folder = state_dir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fct-sandbox-")))
        server = build_server(host, 0, SandboxOptions(**options))
        sftp = SftpServer(server.state, state_dir=folder, host=host, port=0)
        sftp.start()
        stack.callback(sftp.stop)
        stack.enter_context(_serving(server))
        yield SandboxWithSftp(
            base_url=server.base_url,
            sftp_host=host,
            sftp_port=sftp.port,
            host_key_fingerprint=sftp.fingerprint,
            username=server.state.options.sftp_user,
            password=server.state.options.sftp_password,
            root=sftp.box.root,
        )


@dataclasses.dataclass
class HttpAnswer:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def http_call(
    method: str,
    url: str,
    *,
    json_body: Any = None,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    token: str | None = DEFAULT_TOKEN,
    timeout: float = 10.0,
) -> HttpAnswer:
    """One request; any status comes back as an HttpAnswer (only network failures raise)."""
    sent = dict(headers or {})
    if token is not None:
        sent.setdefault("Authorization", f"Bearer {token}")
    if json_body is not None:
        body = json.dumps(json_body).encode()
        sent.setdefault("Content-Type", "application/json")
    outgoing = urllib.request.Request(url, data=body, headers=sent, method=method)  # noqa: S310 - test URLs
    try:
        with _OPENER.open(outgoing, timeout=timeout) as answer:
            return HttpAnswer(answer.status, dict(answer.headers.items()), answer.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return HttpAnswer(exc.code, dict(exc.headers.items()), exc.read())


@dataclasses.dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclasses.dataclass
class WebhookReceiver:
    url: str
    deliveries: list[Delivery]
    status: int = 200  # what the receiver answers; a test may change it


@contextlib.contextmanager
def run_webhook_receiver() -> Iterator[WebhookReceiver]:
    """A receiver on a free loopback port that records every POST and answers `status`."""
    receiver = WebhookReceiver(url="", deliveries=[])
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                receiver.deliveries.append(Delivery(self.path, dict(self.headers.items()), body))
            self.send_response(receiver.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
