"""SFTP calls to the bank: list a folder, read a file, move it. asyncssh underneath, behind a
small synchronous client for the worker.

The client runs its own event loop in a helper thread, so one SSH session serves a whole run
while the calling thread does database work in between (Django refuses ORM calls from a thread
with a running loop). Connection failures and timeouts are retried with the connector's backoff
and announced to `on_retry` first, like the HTTP client; a host key other than the pinned one,
refused credentials and SFTP errors (no such file, permission) are answers, not retried.
Neither the password nor the private key reaches a log line or an error message.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hmac
import posixpath
import stat
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, TypeVar

import asyncssh
import structlog

from integrations.connectors import mapping_of
from integrations.credentials import CredentialsUnreadable
from integrations.egress import EgressRefused, egress_check_host
from integrations.models import Connector
from integrations.retry import RetryPolicy
from integrations.sync.context import credentials_of
from integrations.sync.http import ConnectorError, ConnectorUnavailable, RetryNotice

log = structlog.get_logger(__name__)
T = TypeVar("T")
READ_BYTES_PER_SECOND = 1_000_000  # the slowest link a read's timeout allows for
LOOP_MARGIN_SECONDS = 5.0
# What a retry may cure: the network, the server going away, a timeout.
TRANSIENT = (OSError, TimeoutError, asyncssh.ConnectionLost, asyncssh.DisconnectError)


class SftpRefused(ConnectorError):
    """The server answered, and retrying would get the same answer."""


class HostKeyMismatch(SftpRefused):
    """The server's host key is not the pinned one (or none is pinned yet)."""

    def __init__(self, message: str, *, presented: str) -> None:
        super().__init__(message)
        self.presented = presented


@dataclass(frozen=True)
class SftpTarget:
    """Where to connect and as whom; the secrets are never part of repr()."""

    host: str
    port: int
    fingerprint: str
    username: str
    password: str = field(default="", repr=False)
    private_key: str = field(default="", repr=False)

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    @classmethod
    def of(cls, connector: Connector) -> SftpTarget:
        mapping = mapping_of(connector)
        if not mapping["host"]:
            raise SftpRefused(f"{connector.name}: set the SFTP host in the mapping first.")
        try:
            secrets = credentials_of(connector)
        except CredentialsUnreadable as exc:
            raise SftpRefused(str(exc)) from exc
        if not secrets.get("username"):
            raise SftpRefused(f"{connector.name}: set the SFTP username in the credentials first.")
        if not secrets.get("password") and not secrets.get("private_key"):
            raise SftpRefused(f"{connector.name}: set a password or a private key in the credentials first.")
        return cls(
            host=mapping["host"],
            port=int(mapping["port"]),
            fingerprint=(mapping["host_key_fingerprint"] or "").strip(),
            username=secrets["username"],
            password=secrets.get("password", ""),
            private_key=secrets.get("private_key", ""),
        )


@dataclass(frozen=True)
class RemoteFile:
    name: str
    path: str
    size: int
    modified_at: float  # POSIX seconds


def same_fingerprint(presented: str, pinned: str) -> bool:
    def bare(text: str) -> str:
        return text.strip().rstrip("=")

    return bool(pinned) and hmac.compare_digest(bare(presented), bare(pinned))


class _PinnedHostKey(asyncssh.SSHClient):
    """Trusts exactly one host key: the one whose fingerprint is pinned."""

    def __init__(self, pinned: str) -> None:
        self.pinned = pinned
        self.presented = ""

    def validate_host_public_key(self, host: str, addr: str, port: int, key: asyncssh.SSHKey) -> bool:
        self.presented = key.get_fingerprint("sha256")
        return same_fingerprint(self.presented, self.pinned)


class SftpClient:
    """One SFTP session, opened on first use; use as a context manager so it is closed."""

    def __init__(
        self,
        target: SftpTarget,
        *,
        policy: RetryPolicy,
        on_retry: Callable[[RetryNotice], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.target = target
        self.policy = policy
        self._on_retry = on_retry
        self._sleep = sleep
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="sftp-client")
        self._thread.start()
        self._connection: asyncssh.SSHClientConnection | None = None
        self._sftp: asyncssh.SFTPClient | None = None

    def __enter__(self) -> SftpClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- what a pull asks ----------------------------------------------------------------------

    def list_files(self, folder: str) -> list[RemoteFile]:
        """The regular files of a folder (not its sub-folders), by name."""

        async def listing(sftp: asyncssh.SFTPClient) -> list[RemoteFile]:
            files = []
            for entry in await sftp.readdir(folder):
                attrs = entry.attrs
                is_file = attrs.type == asyncssh.FILEXFER_TYPE_REGULAR or (
                    attrs.permissions is not None and stat.S_ISREG(attrs.permissions)
                )
                if is_file and isinstance(entry.filename, str):
                    files.append(
                        RemoteFile(
                            name=entry.filename,
                            path=posixpath.join(folder, entry.filename),
                            size=int(attrs.size or 0),
                            modified_at=float(attrs.mtime or 0),
                        )
                    )
            return sorted(files, key=lambda f: f.name)

        return self._call(f"list {folder}", listing)

    def read(self, path: str, *, size: int) -> bytes:
        """The file's bytes, at most size + 1 (a file that grew shows it by its length)."""

        async def read(sftp: asyncssh.SFTPClient) -> bytes:
            async with sftp.open(path, "rb") as remote:
                data = await remote.read(size + 1)
            return data if isinstance(data, bytes) else data.encode()

        return self._call(f"read {path}", read, timeout=self.policy.timeout_seconds + size / READ_BYTES_PER_SECOND)

    def move(self, path: str, folder: str, name: str) -> str:
        """Move a file into folder (created if missing) under name; the new path. A file already
        gone (another worker moved it) is not an error."""
        target = posixpath.join(folder, name)

        async def move(sftp: asyncssh.SFTPClient) -> str:
            await sftp.makedirs(folder, exist_ok=True)
            try:
                await sftp.rename(path, target)
            except asyncssh.SFTPNoSuchFile:
                if await sftp.exists(path):
                    raise
            return target

        return self._call(f"move {path} to {folder}", move)

    def close(self) -> None:
        async def shut() -> None:
            if self._sftp is not None:
                self._sftp.exit()
            if self._connection is not None:
                self._connection.close()
                await self._connection.wait_closed()

        if self._loop.is_closed():
            return
        try:
            asyncio.run_coroutine_threadsafe(shut(), self._loop).result(timeout=self.policy.timeout_seconds)
        except (concurrent.futures.TimeoutError, *TRANSIENT, asyncssh.Error):
            pass  # closing a dead session: nothing left to tidy
        self._connection = self._sftp = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    # -- one operation, with retries -------------------------------------------------------------

    def _call(self, what: str, operation: Callable[[asyncssh.SFTPClient], Awaitable[T]], *, timeout: float = 0) -> T:
        timeout = timeout or self.policy.timeout_seconds
        last_problem = ""
        for attempt in range(1, self.policy.max_attempts + 1):
            try:
                return self._run(self._session_call(operation, timeout), timeout)
            except HostKeyMismatch:
                raise
            except asyncssh.PermissionDenied as exc:
                reason = exc.reason or "permission denied"
                raise SftpRefused(
                    f"{self.target.where} refused the login of {self.target.username!r} ({reason}): "
                    "check the username, password and private key."
                ) from None
            except asyncssh.SFTPError as exc:
                raise SftpRefused(f"SFTP {what} on {self.target.where}: {exc.reason or type(exc).__name__}.") from None
            except asyncssh.KeyImportError:
                raise SftpRefused("The private key in the credentials cannot be read (PEM or OpenSSH text).") from None
            except TRANSIENT as exc:
                last_problem = _describe(exc)
                self._forget_session()
            if attempt == self.policy.max_attempts:
                break
            wait = self.policy.backoff(attempt)
            if self._on_retry is not None:
                self._on_retry(RetryNotice(attempt=attempt, wait_seconds=wait, reason=last_problem, path=what))
            log.info("sftp.retry", where=self.target.where, what=what, attempt=attempt, wait=round(wait, 3))
            self._sleep(wait)
        raise ConnectorUnavailable(
            f"SFTP {what} on {self.target.where}: {last_problem} after {self.policy.max_attempts} attempt(s)."
        )

    def _run(self, coroutine: Awaitable[T], timeout: float) -> T:
        future = asyncio.run_coroutine_threadsafe(_awaited(coroutine), self._loop)
        try:
            return future.result(timeout=timeout + self.policy.timeout_seconds + LOOP_MARGIN_SECONDS)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"no answer within {timeout:.0f} s") from None

    async def _session_call(self, operation: Callable[[asyncssh.SFTPClient], Awaitable[T]], timeout: float) -> T:
        sftp = self._sftp or await self._open()
        return await asyncio.wait_for(operation(sftp), timeout)

    async def _open(self) -> asyncssh.SFTPClient:
        target = self.target
        try:
            egress_check_host(target.host, target.port)
        except EgressRefused as exc:
            raise SftpRefused(str(exc)) from None
        keys = [asyncssh.import_private_key(target.private_key.strip() + "\n")] if target.private_key else None
        gate = _PinnedHostKey(target.fingerprint)
        try:
            connection = await asyncssh.connect(
                target.host,
                target.port,
                username=target.username,
                password=target.password or None,
                client_keys=keys,
                client_factory=lambda: gate,
                known_hosts=([], [], []),  # nothing trusted up front: _PinnedHostKey decides
                agent_path=None,
                config=[],
                preferred_auth="publickey,keyboard-interactive,password",
                connect_timeout=self.policy.timeout_seconds,
            )
        except asyncssh.HostKeyNotVerifiable:
            raise _mismatch(target, gate.presented) from None
        try:
            sftp = await connection.start_sftp_client()
        except BaseException:
            connection.close()
            raise
        self._connection, self._sftp = connection, sftp
        log.info("sftp.connected", where=target.where, host_key=gate.presented)
        return sftp

    def _forget_session(self) -> None:
        connection = self._connection
        self._connection = self._sftp = None
        if connection is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(connection.abort)


async def _awaited(awaitable: Awaitable[T]) -> T:
    return await awaitable


def _mismatch(target: SftpTarget, presented: str) -> HostKeyMismatch:
    if not target.fingerprint:
        return HostKeyMismatch(
            f"{target.where} presented host key {presented}, and no host key is pinned yet: set host_key_fingerprint "
            "in the mapping to the fingerprint the bank gave you (compare it with this one first).",
            presented=presented,
        )
    return HostKeyMismatch(
        f"{target.where} presented host key {presented}, not the pinned {target.fingerprint}: refusing to connect. "
        "Either the bank changed its key (ask them for the new fingerprint) or someone is in between.",
        presented=presented,
    )


def _describe(exc: BaseException) -> str:
    if isinstance(exc, asyncssh.DisconnectError):
        return f"{type(exc).__name__}: {exc.reason}" if exc.reason else type(exc).__name__
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def sftp_client_for(connector: Connector, **kwargs: Any) -> SftpClient:
    return SftpClient(SftpTarget.of(connector), policy=RetryPolicy.of(connector), **kwargs)
