"""`make demo`'s launcher: children in their own sessions (Ctrl-C reaches only the launcher), each
writing its own log, stopped in order; the start lists every demo login."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from finops import launcher
from finops.demo.logins import DEMO_USERS


@pytest.fixture
def logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(launcher, "LOGS", tmp_path)
    return tmp_path


def test_a_child_runs_in_its_own_session_and_writes_its_own_log(logs: Path):
    child = launcher.spawn("web", ["-c", "import time; print('serving', flush=True); time.sleep(30)"], dict(os.environ))
    try:
        deadline = time.monotonic() + 10
        while "serving" not in (logs / "web.log").read_text() and time.monotonic() < deadline:
            time.sleep(0.05)

        assert os.getsid(child.pid) != os.getsid(0), "a terminal's Ctrl-C does not reach it"
        assert "serving" in (logs / "web.log").read_text()
    finally:
        started = time.monotonic()
        launcher.stop_all({"web": child})

    assert child.returncode is not None
    assert time.monotonic() - started < launcher.STOP_SECONDS


def test_the_start_lists_every_demo_login_with_its_password():
    table = "\n".join(launcher._logins_table())

    for user in DEMO_USERS:
        assert user.username in table
        assert user.password in table
