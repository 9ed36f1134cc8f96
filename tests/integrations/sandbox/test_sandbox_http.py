"""The server itself: tokens, unknown paths and methods, body limits, JSON everywhere, the
command line, and no Django."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from integrations.sandbox.testing import http_call

REPO = Path(__file__).resolve().parents[3]


def test_business_endpoints_need_the_bearer_token(sandbox: str) -> None:
    missing = http_call("GET", f"{sandbox}/erp/v1/customers", token=None)
    wrong = http_call("GET", f"{sandbox}/bank/v1/accounts", token="not-the-token")
    posting = http_call("POST", f"{sandbox}/erp/v1/journal_entries", json_body={}, token=None)
    hook = http_call("GET", f"{sandbox}/_sandbox/health", token=None)

    assert (missing.status, wrong.status, posting.status) == (401, 401, 401)
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert missing.json() == {"error": "missing or wrong bearer token"}
    assert (hook.status, hook.json()) == (200, {"status": "ok"})


def test_unknown_paths_are_404_and_wrong_methods_405_in_json(sandbox: str) -> None:
    unknown = http_call("GET", f"{sandbox}/erp/v1/unicorns")
    wrong_method = http_call("DELETE", f"{sandbox}/erp/v1/customers")
    patch = http_call("PATCH", f"{sandbox}/bank/v1/payments", body=b"{}")

    assert unknown.status == 404
    assert "error" in unknown.json()
    assert wrong_method.status == 405
    assert wrong_method.headers["Allow"] == "GET"
    assert patch.status == 405
    assert patch.headers["Allow"] == "POST"
    for answer in (unknown, wrong_method, patch):
        assert answer.headers["Content-Type"] == "application/json"


def test_a_body_above_the_limit_is_413(sandbox: str) -> None:
    body = b"x" * (5 * 1024 * 1024 + 1)

    answer = http_call("POST", f"{sandbox}/erp/v1/journal_entries", body=body, headers={"Idempotency-Key": "big"})

    assert answer.status == 413
    assert answer.headers["Content-Type"] == "application/json"


def raw_exchange(base_url: str, request: bytes) -> tuple[bytes, bytes]:
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as raw:
        raw.sendall(request)
        reply = b""
        while chunk := raw.recv(4096):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    return head, body


def test_a_garbled_request_or_an_unknown_method_still_gets_a_json_answer(sandbox: str) -> None:
    garbled_head, garbled_body = raw_exchange(sandbox, b"GET /a b HTTP/1.1\r\nHost: x\r\n\r\n")
    brew_head, brew_body = raw_exchange(sandbox, b"BREW /coffee HTTP/1.1\r\nHost: x\r\n\r\n")

    assert garbled_head.startswith(b"HTTP/1.1 400")
    assert brew_head.startswith(b"HTTP/1.1 501")
    for head, body in ((garbled_head, garbled_body), (brew_head, brew_body)):
        assert b"Content-Type: application/json" in head
        assert body.startswith(b'{"error"')


def test_keep_alive_connections_serve_several_requests(sandbox: str) -> None:
    parts = urlsplit(sandbox)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    try:
        for _ in range(3):
            connection.request("GET", "/bank/v1/accounts", headers={"Authorization": "Bearer sandbox-token"})
            answer = connection.getresponse()
            assert answer.status == 200
            answer.read()
    finally:
        connection.close()


def test_the_command_line_starts_fast_without_django_and_stops_cleanly_on_sigterm() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = (
        f"import runpy, sys; sys.argv = ['sandbox', '--port', '{port}'];"
        "import atexit; atexit.register(lambda: print('DJANGO' if 'django' in sys.modules else 'NO-DJANGO'));"
        "runpy.run_module('integrations.sandbox', run_name='__main__')"
    )
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-c", code], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        while time.monotonic() - started < 10:
            try:
                if http_call("GET", f"http://127.0.0.1:{port}/_sandbox/health", token=None, timeout=1).status == 200:
                    break
            except OSError:
                time.sleep(0.05)
        ready_after = time.monotonic() - started
        http_call("GET", f"http://127.0.0.1:{port}/erp/v1/customers?limit=1")
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)

    assert ready_after < 5  # typically ~0.5 s; generous for a loaded CI machine
    assert process.returncode == 0, err
    assert out.strip() == b"NO-DJANGO"
    log = err.decode()
    assert "sandbox listening on" in log
    assert "GET /erp/v1/customers?limit=1 -> 200" in log
