"""mock-bank as a real subprocess on a free port on 127.0.0.1.

mock-bank (the `mock-bank` package, installed in the venv) is an independent counterpart: a
third-party mock bank that takes a pain.001 over HTTP and answers with a pain.002, camt.054
notifications and camt.053 statements. None of its code is ours, so what it sends is a check on
our writer and our importer from outside.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from integrations.sandbox.testing import HttpAnswer, http_call

# Bank time starts here, so settlement and statement dates are reproducible.
BANK_CLOCK = "2026-11-02T09:00"
STARTUP_SECONDS = 15.0
STOP_SECONDS = 5.0


@dataclass(frozen=True)
class MockBank:
    """A running mock-bank: its base URL and plain HTTP calls to it."""

    url: str
    process: subprocess.Popen[bytes]

    def call(
        self, method: str, path: str, *, body: bytes | None = None, content_type: str = "", timeout: float = 10.0
    ) -> HttpAnswer:
        headers = {"Content-Type": content_type} if content_type else {}
        return http_call(method, self.url + path, body=body, headers=headers, token=None, timeout=timeout)

    def json(self, method: str, path: str, *, expect: int = 200, **kwargs: Any) -> Any:
        answer = self.call(method, path, **kwargs)
        assert answer.status == expect, f"mock-bank {method} {path}: {answer.status} {answer.body[:500]!r}"
        return json.loads(answer.body)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_SECONDS)


def _wait_until_ready(bank: MockBank, log: Path) -> None:
    """Poll GET /_mock/health until it answers 200; fail clearly if the process dies or hangs."""
    deadline = time.monotonic() + STARTUP_SECONDS
    last_error = ""
    while time.monotonic() < deadline:
        if bank.process.poll() is not None:
            _stop(bank.process)
            pytest.fail(
                f"mock-bank exited with code {bank.process.returncode} before it was ready:\n"
                f"{log.read_text(errors='replace')[-2000:]}"
            )
        try:
            answer = bank.call("GET", "/_mock/health", timeout=1.0)
        except OSError as exc:  # not listening yet
            last_error = str(exc)
        else:
            if answer.status == 200 and json.loads(answer.body).get("status") == "ok":
                return
            last_error = f"HTTP {answer.status}: {answer.body[:200]!r}"
        time.sleep(0.05)
    _stop(bank.process)
    pytest.fail(
        f"mock-bank did not answer GET {bank.url}/_mock/health within {STARTUP_SECONDS:.0f} s "
        f"(last: {last_error}):\n{log.read_text(errors='replace')[-2000:]}"
    )


@pytest.fixture(scope="session")
def mock_bank(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockBank]:
    """A fresh mock-bank process (in-memory SQLite, bank clock at BANK_CLOCK), stopped afterwards."""
    executable = Path(sys.executable).with_name("mock-bank")
    if not executable.is_file():
        pytest.fail(f"mock-bank is not installed in this venv: {executable} does not exist")
    port = _free_port()
    log = tmp_path_factory.mktemp("mockbank") / "mock-bank.log"
    command = [str(executable), "--host", "127.0.0.1", "--port", str(port), "--clock", BANK_CLOCK, "-q"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    bank = MockBank(url=f"http://127.0.0.1:{port}", process=process)
    try:
        _wait_until_ready(bank, log)
        yield bank
    finally:
        _stop(process)
