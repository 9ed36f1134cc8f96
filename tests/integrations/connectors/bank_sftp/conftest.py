"""A sandbox with its SFTP server for these tests (reset before each test that asks for it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from integrations.sandbox.testing import SandboxWithSftp, http_call, run_sandbox_sftp


@pytest.fixture(scope="session")
def sftp_server() -> Iterator[SandboxWithSftp]:
    with run_sandbox_sftp(timeout_hold_seconds=2.0) as sandbox:
        yield sandbox


@pytest.fixture
def bank(sftp_server: SandboxWithSftp) -> SandboxWithSftp:
    answer = http_call("POST", f"{sftp_server.base_url}/_sandbox/reset", token=None)
    assert answer.status == 200, answer.body
    return sftp_server
