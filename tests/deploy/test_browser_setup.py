"""`make test` sets up what the browser tests need: where Chromium is missing it installs Debian's
package with apt-get (as root) and says so, instead of failing later in the browser tests.

apt-get, id and sudo are the system's, not ours: stand-ins on PATH record what would be run."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _stub(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)


@pytest.fixture
def machine(tmp_path: Path):
    """A machine with only Python: no Chromium; apt-get "installs" it where the test says."""
    stubs = tmp_path / "bin"
    stubs.mkdir()
    chromium = tmp_path / "usr-bin" / "chromium"
    log = tmp_path / "apt.log"
    _stub(
        stubs,
        "apt-get",
        f'echo "$@" >> {log}\n'
        f'case "$*" in *install*chromium*) mkdir -p {chromium.parent} && touch {chromium}'
        f" && chmod +x {chromium};; esac",
    )
    return {"stubs": stubs, "chromium": chromium, "log": log}


def _make_browser(machine: dict[str, Path], uid: str) -> subprocess.CompletedProcess[str]:
    _stub(machine["stubs"], "id", f"echo {uid}")
    _stub(machine["stubs"], "sudo", "exit 1")  # no password-less sudo here
    env = {
        **os.environ,
        "PATH": f"{machine['stubs']}:{os.environ['PATH']}",
        "CHROMIUM_PATH": str(machine["chromium"]),
    }
    return subprocess.run(
        ["make", "-s", "browser"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_as_root_a_missing_chromium_is_installed_and_announced(machine):
    result = _make_browser(machine, "0")

    assert result.returncode == 0, result.stderr
    assert "Chromium is missing" in result.stdout
    assert "installing Debian's chromium fonts-dejavu-core with apt-get" in result.stdout
    assert machine["log"].read_text().splitlines() == [
        "update -qq",
        "install -y -qq --no-install-recommends chromium fonts-dejavu-core",
    ]
    assert machine["chromium"].exists()


def test_a_present_chromium_is_left_alone(machine):
    machine["chromium"].parent.mkdir()
    machine["chromium"].touch(mode=0o755)

    result = _make_browser(machine, "0")

    assert result.returncode == 0
    assert result.stdout == ""
    assert not machine["log"].exists()


def test_without_root_it_stops_and_says_what_to_run(machine):
    result = _make_browser(machine, "1000")

    assert result.returncode != 0
    assert "run as root (or with sudo): apt-get install chromium fonts-dejavu-core" in result.stderr
    assert not machine["log"].exists()


def test_the_test_target_sets_up_the_browser_and_ci_still_calls_it():
    makefile = (REPO / "Makefile").read_text()
    ci = (REPO / ".ci/run").read_text()

    assert "unit: install-dev browser" in makefile
    assert "test: lint layers typecheck migrations-check unit" in makefile
    assert ci.rstrip().endswith("make test")
