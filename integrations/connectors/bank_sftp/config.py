import dataclasses
import time
from fnmatch import fnmatchcase

from integrations.connectors import mapping_of
from integrations.connectors.bank_sftp.client import SftpClient, SftpTarget
from integrations.connectors.bank_sftp.mapping import MAPPING_FIELDS, Folder
from integrations.connectors.bank_sftp.sync import RESOURCES, pull
from integrations.connectors.base import ConnectorSpec, TestResult
from integrations.models import Connector
from integrations.retry import RetryPolicy
from integrations.sync.http import ConnectorError


def test(connector: Connector) -> TestResult:
    """Connect once (the host key must be the pinned one), list the folder, count what waits."""
    started = time.monotonic()
    try:
        target = SftpTarget.of(connector)
        folder = Folder.of(mapping_of(connector))
        policy = dataclasses.replace(RetryPolicy.of(connector), max_attempts=1)
        with SftpClient(target, policy=policy) as client:
            files = client.list_files(folder.path)
    except ConnectorError as exc:
        return TestResult(False, str(exc))
    elapsed_ms = int((time.monotonic() - started) * 1000)
    waiting = [f for f in files if not f.name.startswith(".") and fnmatchcase(f.name, folder.pattern)]
    others = len(files) - len(waiting)
    return TestResult(
        True,
        f"Connected to {target.where} (host key {target.fingerprint} as pinned) in {elapsed_ms} ms: "
        f"{len(waiting)} file(s) matching {folder.pattern} wait in {folder.path}"
        + (f" ({others} other file(s) there are not taken)." if others else "."),
        elapsed_ms=elapsed_ms,
    )


SPEC = ConnectorSpec(
    kind="bank_sftp",
    default_source="bank_sftp",
    summary="Fetches the bank's statement and status files (camt, MT940, BAI2, pain.002, NACHA) from a folder "
    "on its SFTP server, imports each like an uploaded bank file, then moves it to a processed folder.",
    mapping_fields=MAPPING_FIELDS,
    resources=RESOURCES,
    pull=pull,
    test=test,
    credential_fields=("username", "password", "private_key"),
    notes="Host, port, folder and host key are in the mapping; username and password and/or private key "
    "(PEM or OpenSSH text, unencrypted: it is stored encrypted here) in the credentials. The base URL is "
    "not used.",
    uses_base_url=False,
)
