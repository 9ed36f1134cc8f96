"""SFTP connectors pointed at the sandbox's server, and files placed there as the bank would."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from integrations.models import Connector
from integrations.sandbox.testing import SandboxWithSftp, http_call
from integrations.services import connector_create, connector_credentials_set, connector_mapping_set
from tests.integrations.connectors.support import FAST

FOLDER = "/INBOX"


def sftp_connector(
    admin: Any, entity: Any, bank: SandboxWithSftp, *, credentials: dict[str, str] | None = None, **mapping: Any
) -> Connector:
    connector = connector_create(
        actor=admin, kind="bank_sftp", entity=entity, settings={"name": f"SFTP {entity.code}", **FAST}
    )
    connector_mapping_set(
        connector_id=connector.pk,
        actor=admin,
        mapping={
            "host": bank.sftp_host,
            "port": bank.sftp_port,
            "host_key_fingerprint": bank.host_key_fingerprint,
            "remote_folder": FOLDER,
            "settle_seconds": 30,
            **mapping,
        },
    )
    secrets = credentials if credentials is not None else {"username": bank.username, "password": bank.password}
    connector_credentials_set(connector_id=connector.pk, actor=admin, values=secrets)
    return Connector.objects.get(pk=connector.pk)


def put_file(bank: SandboxWithSftp, path: str, data: bytes, *, age_seconds: int = 120) -> None:
    """A file as the bank drops it; by default finished two minutes ago (settled)."""
    body = {"path": path, "content_base64": base64.b64encode(data).decode(), "age_seconds": age_seconds}
    answer = http_call("POST", f"{bank.base_url}/_sandbox/sftp/files", json_body=body, token=None)
    assert answer.status == 201, answer.body


def put_fixture(bank: SandboxWithSftp, fixture: Path, name: str = "", *, folder: str = FOLDER) -> None:
    put_file(bank, f"{folder}/{name or fixture.name}", fixture.read_bytes())


def remote_files(bank: SandboxWithSftp, prefix: str = FOLDER) -> list[str]:
    answer = http_call("GET", f"{bank.base_url}/_sandbox/sftp/files?path_prefix={prefix}", token=None)
    assert answer.status == 200, answer.body
    return [f["path"] for f in answer.json()]
