"""With CI=true a missing PostgreSQL or Redis fails the run with a message naming it."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_a_missing_service_fails_the_run_and_names_it():
    env = {
        **os.environ,
        "CI": "true",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/fct",
    }

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/deploy/test_compose_and_files.py",
            "-q",
            "-p",
            "no:xdist",
            "-p",
            "no:cacheprovider",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 3
    assert "PostgreSQL is not reachable at 127.0.0.1:1" in result.stdout + result.stderr
    assert "Redis is not reachable at 127.0.0.1:1" in result.stdout + result.stderr
    assert "passed" not in result.stdout
