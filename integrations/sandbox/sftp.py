"""The bank's SFTP server: where its end-of-day camt.053 files wait to be picked up.

asyncssh on its own event loop in a background thread, beside the HTTP server and sharing its
state. One user (`--sftp-user`/`--sftp-password`, by default sandbox / sandbox-sftp; public keys
registered through `POST /_sandbox/sftp/authorized_keys` are accepted too) sees one tree, chrooted
to `<state dir>/sftp`, with a folder per bank (statement_files.py). The host key is an Ed25519 key
generated once and kept in `<state dir>/ssh_host_ed25519_key`, so a restarted sandbox presents
the same key and a pinned fingerprint stays valid. SFTP only: no shell, no exec, no forwarding.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import threading
from pathlib import Path
from typing import Final

import asyncssh

from integrations.sandbox.state import SandboxState
from integrations.sandbox.statement_files import StatementBox

logger = logging.getLogger("integrations.sandbox")

HOST_KEY_FILE: Final = "ssh_host_ed25519_key"
START_TIMEOUT_SECONDS: Final = 10.0


def host_key_load(state_dir: Path) -> asyncssh.SSHKey:
    """The server's host key: the one kept in the state dir, or a new one kept there."""
    path = state_dir / HOST_KEY_FILE
    if path.is_file():
        return asyncssh.read_private_key(str(path))
    key = asyncssh.generate_private_key("ssh-ed25519", comment="fct-sandbox")
    state_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{HOST_KEY_FILE}.part")
    key.write_private_key(str(partial))
    os.chmod(partial, 0o600)
    partial.replace(path)
    return key


class _Gate(asyncssh.SSHServer):
    """Who may log in: the configured user, by password or by a registered public key."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.peer = "?"

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        peer = conn.get_extra_info("peername")
        self.peer = str(peer[0]) if peer else "?"

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        options = self.state.options
        ok = hmac.compare_digest(username.encode(), options.sftp_user.encode()) & hmac.compare_digest(
            password.encode(), options.sftp_password.encode()
        )
        logger.info("%s SFTP password login as %r -> %s", self.peer, username, "accepted" if ok else "refused")
        return ok

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        if not hmac.compare_digest(username.encode(), self.state.options.sftp_user.encode()):
            return False
        with self.state.lock:
            registered = list(self.state.sftp_authorized_keys)
        ok = any(asyncssh.import_public_key(text).public_data == key.public_data for text in registered)
        logger.info("%s SFTP key login as %r -> %s", self.peer, username, "accepted" if ok else "refused")
        return ok


class _BankFolders(asyncssh.SFTPServer):
    """The chrooted tree; the bank drops the statements of days closed since the last look first."""

    def __init__(self, chan: asyncssh.SSHServerChannel, *, state: SandboxState, box: StatementBox) -> None:
        try:
            box.drop_statements(state)
        except OSError:
            logger.exception("sandbox SFTP: dropping the statement files failed")
        super().__init__(chan, chroot=os.fsencode(box.root))


class SftpServer:
    """The SFTP server of one sandbox; start() binds and serves, stop() closes."""

    def __init__(self, state: SandboxState, *, state_dir: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = state
        self.host = host
        self.port = port
        self.box = StatementBox(state_dir)
        self.host_key = host_key_load(state_dir)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._acceptor: asyncssh.SSHAcceptor | None = None

    @property
    def fingerprint(self) -> str:
        """The host key's SHA-256 fingerprint as OpenSSH prints it (`SHA256:…`)."""
        return self.host_key.get_fingerprint("sha256")

    def start(self) -> None:
        """Bind (port 0: any free port) and serve in a background thread; OSError if the port is taken."""
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, daemon=True, name="sandbox-sftp")
        thread.start()
        try:
            self._acceptor = asyncio.run_coroutine_threadsafe(self._listen(), loop).result(START_TIMEOUT_SECONDS)
        except BaseException:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
            loop.close()
            raise
        self._loop, self._thread = loop, thread
        self.port = self._acceptor.get_port()
        self.state.statement_box = self.box
        self.state.sftp_info = {
            "host": self.host,
            "port": self.port,
            "username": self.state.options.sftp_user,
            "password": self.state.options.sftp_password,
            "host_key_fingerprint": self.fingerprint,
        }
        self.box.drop_statements(self.state)
        logger.info("sandbox SFTP listening on %s:%s (host key %s)", self.host, self.port, self.fingerprint)

    async def _listen(self) -> asyncssh.SSHAcceptor:
        return await asyncssh.listen(
            self.host,
            self.port,
            server_factory=lambda: _Gate(self.state),
            server_host_keys=[self.host_key],
            sftp_factory=lambda chan: _BankFolders(chan, state=self.state, box=self.box),
            allow_scp=False,
            agent_forwarding=False,
            x11_forwarding=False,
            login_timeout=30,
            config=[],
        )

    def stop(self) -> None:
        loop, acceptor = self._loop, self._acceptor
        if loop is None or acceptor is None:
            return

        async def close() -> None:
            acceptor.close()
            await acceptor.wait_closed()

        try:
            asyncio.run_coroutine_threadsafe(close(), loop).result(timeout=5)
        except (TimeoutError, RuntimeError):
            logger.warning("sandbox SFTP did not close in time")
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=5)
        loop.close()
        self._loop = self._acceptor = self._thread = None
        self.state.sftp_info = None
