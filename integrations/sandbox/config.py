"""What a sandbox is started with (the command line and `run_sandbox` take the same options)."""

from __future__ import annotations

import dataclasses
import datetime as dt

DEFAULT_SEED = 2026
DEFAULT_TOKEN = "sandbox-token"  # noqa: S105 - a published test credential, not a secret
DEFAULT_SFTP_USER = "sandbox"
DEFAULT_SFTP_PASSWORD = "sandbox-sftp"  # noqa: S105 - a published test credential, not a secret
MAX_BODY_BYTES = 5 * 1024 * 1024


@dataclasses.dataclass(frozen=True)
class SandboxOptions:
    seed: int = DEFAULT_SEED
    token: str = DEFAULT_TOKEN
    today: dt.date | None = None  # the day the seeded data is dated against; None = today in UTC
    timeout_hold_seconds: float = 30.0  # how long the `timeout` fault holds a request before dropping it
    max_body_bytes: int = MAX_BODY_BYTES
    webhook_hosts: tuple[str, ...] = ()  # hosts besides loopback that webhooks may be sent to
    webhook_timeout_seconds: float = 10.0
    bank_processing_seconds: float = 0.0  # how long a payment file stays RCVD before its pain.002 is final
    request_log_size: int = 1000
    sftp_user: str = DEFAULT_SFTP_USER
    sftp_password: str = DEFAULT_SFTP_PASSWORD

    def seed_day(self) -> dt.date:
        return self.today or dt.datetime.now(dt.UTC).date()
