"""`python -m integrations.sandbox --port N [--host 127.0.0.1] [--seed 2026] [--token sandbox-token]
[--sftp-port M --state-dir DIR]`"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import signal
import sys
import tempfile
from pathlib import Path
from types import FrameType

from integrations.sandbox.config import (
    DEFAULT_SEED,
    DEFAULT_SFTP_PASSWORD,
    DEFAULT_SFTP_USER,
    DEFAULT_TOKEN,
    MAX_BODY_BYTES,
    SandboxOptions,
)
from integrations.sandbox.server import build_server
from integrations.sandbox.sftp import SftpServer

logger = logging.getLogger("integrations.sandbox")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m integrations.sandbox", description=__doc__)
    parser.add_argument("--port", type=int, required=True, help="port to listen on (0: any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"data seed (default {DEFAULT_SEED})")
    parser.add_argument("--token", default=DEFAULT_TOKEN, help="bearer token the business endpoints require")
    parser.add_argument("--today", type=dt.date.fromisoformat, help="date the seeded data is dated against")
    parser.add_argument("--timeout-hold", type=float, default=30.0, help="seconds the timeout fault holds a request")
    parser.add_argument("--max-body-bytes", type=int, default=MAX_BODY_BYTES)
    parser.add_argument("--bank-processing", type=float, default=0.0, help="seconds a payment stays RCVD")
    parser.add_argument(
        "--webhook-host", action="append", default=[], help="a non-loopback host webhooks may go to (repeatable)"
    )
    parser.add_argument("--sftp-port", type=int, help="also serve the bank's statement files over SFTP on this port")
    parser.add_argument(
        "--state-dir", type=Path, help="where the SFTP host key and files are kept (default: a temporary folder)"
    )
    parser.add_argument("--sftp-user", default=DEFAULT_SFTP_USER)
    parser.add_argument("--sftp-password", default=DEFAULT_SFTP_PASSWORD)
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGINT or SIGTERM; exit 0 on either."""
    args = parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr, level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    options = SandboxOptions(
        seed=args.seed,
        token=args.token,
        today=args.today,
        timeout_hold_seconds=args.timeout_hold,
        max_body_bytes=args.max_body_bytes,
        webhook_hosts=tuple(args.webhook_host),
        bank_processing_seconds=args.bank_processing,
        sftp_user=args.sftp_user,
        sftp_password=args.sftp_password,
    )
    with tempfile.TemporaryDirectory(prefix="fct-sandbox-") as scratch:
        return serve(args, options, state_dir=args.state_dir or Path(scratch))


def serve(args: argparse.Namespace, options: SandboxOptions, *, state_dir: Path) -> int:
    try:
        server = build_server(args.host, args.port, options)
    except OSError as exc:
        logger.error("cannot listen on %s:%s: %s", args.host, args.port, exc)
        return 2
    sftp: SftpServer | None = None
    if args.sftp_port is not None:
        sftp = SftpServer(server.state, state_dir=state_dir, host=args.host, port=args.sftp_port)
        try:
            sftp.start()
        except OSError as exc:
            logger.error("cannot listen for SFTP on %s:%s: %s", args.host, args.sftp_port, exc)
            server.server_close()
            return 2

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    logger.info("sandbox listening on %s (seed %s)", server.base_url, options.seed)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        logger.info("sandbox stopping")
    finally:
        server.state.stopping.set()
        server.server_close()
        if sftp is not None:
            sftp.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
