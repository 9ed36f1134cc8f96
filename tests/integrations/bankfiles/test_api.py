"""/api/bank-files/: the upload page's import over the API (the same summary as the CLI, the same
refusals, nothing half-imported), the list of received files, a file's summary and its bytes;
who may do each, as on the pages."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from finops.accounts.roles import Role
from finops.accounts.services import user_grant_role
from finops.audit.models import AuditEvent
from finops.treasury.models import BankStatement
from integrations.bankfiles.models import InboundFile
from integrations.bankfiles.services import bank_file_import
from tests.factories import UserFactory
from tests.integrations.bankfiles.helpers import own_account, row_counts

ING = "camt053/svapnil_ing_example_camt.xml"
BROKEN_MT940 = "mt940/malformed/wolph_betterplace_sepa_snippet_broken.sta"
ING_SUMMARY = {
    "format": "camt.053",
    "status": "imported",
    "statements": 1,
    "entries": 9,
    "credits": {"EUR": "990.00"},
    "debits": {"EUR": "385.00"},
    "duplicates": 0,
    "documents": 1,
}


@pytest.fixture
def ing_account(entity_de: Any) -> Any:
    return own_account(entity_de, iban="NL08INGB0000001234")


@pytest.fixture
def admin_gb(roles: None, entity_gb: Any) -> Any:
    user = UserFactory(username="admin_gb")
    user_grant_role(user=user, role=Role.ADMIN, entity=entity_gb, granted_by=None)
    return user


@pytest.fixture
def ing_file(ing_account: Any, fixtures_dir: Path) -> InboundFile:
    """SVAPNIL ing/example_camt.xml, imported into DE01 by the CLI."""
    result = bank_file_import(data=(fixtures_dir / ING).read_bytes(), filename="ing.xml", source="cli")
    return InboundFile.objects.get(pk=result.inbound_file_id)


def _as(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _file(fixtures_dir: Path, fixture: str, name: str | None = None) -> SimpleUploadedFile:
    path = fixtures_dir / fixture
    return SimpleUploadedFile(name or path.name, path.read_bytes(), content_type="application/octet-stream")


def _upload(user: Any, upload: SimpleUploadedFile) -> Any:
    return _as(user).post(reverse("api:bankfile-list"), {"file": upload})


def test_an_upload_is_imported_and_answers_the_clis_summary(
    treasury_de: Any, ing_account: Any, fixtures_dir: Path
) -> None:
    """SVAPNIL ing/example_camt.xml: one statement of 9 entries, 990.00 in and 385.00 out."""
    response = _upload(treasury_de, _file(fixtures_dir, ING))

    inbound = InboundFile.objects.get()
    summary = response.json()
    assert response.status_code == 201
    assert {key: summary[key] for key in ING_SUMMARY} == ING_SUMMARY
    assert summary["inbound_file"] == inbound.pk
    assert summary == inbound.summary  # what the import service wrote, and what the CLI prints
    assert (inbound.status, inbound.source, inbound.received_by) == ("imported", "upload", treasury_de)
    assert BankStatement.objects.get().inbound_file == inbound
    assert AuditEvent.objects.filter(action="bank_file.imported", object_id=str(inbound.pk), actor=treasury_de).exists()


def test_the_same_bytes_again_report_duplicates_and_change_nothing(
    treasury_de: Any, ing_file: InboundFile, fixtures_dir: Path
) -> None:
    """SVAPNIL ing/example_camt.xml, imported by the CLI, then uploaded under another name."""
    before = row_counts()

    response = _upload(treasury_de, _file(fixtures_dir, ING, "ing-again.xml"))

    summary = response.json()
    assert response.status_code == 200
    assert (summary["status"], summary["duplicates"], summary["inbound_file"]) == ("duplicate", 1, ing_file.pk)
    assert "ing-again.xml: these exact bytes were already imported" in summary["warnings"][0]
    assert row_counts() == before


def test_a_broken_file_is_refused_naming_the_file_and_line_and_kept(treasury_de: Any, fixtures_dir: Path) -> None:
    """WOLPH betterplace/sepa_snippet_broken.sta: refused at line 6; the bytes are kept, nothing imported."""
    before = row_counts()

    response = _upload(treasury_de, _file(fixtures_dir, BROKEN_MT940))

    refused = InboundFile.objects.get()
    assert response.status_code == 422
    assert "wolph_betterplace_sepa_snippet_broken.sta, line 6" in response.json()["detail"]
    assert response.json()["inbound_file"] == refused.pk
    assert refused.status == "refused"
    assert row_counts() == {**before, "inbound_files": 1, "audit_events": before["audit_events"] + 1}


def test_an_archive_is_imported_whole_or_not_at_all(treasury_de: Any, ing_account: Any, fixtures_dir: Path) -> None:
    """A ZIP of SVAPNIL ing/example_camt.xml (importable) then WOLPH sepa_snippet_broken.sta: the
    refusal of the second member undoes the first; the message names the member and its line."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("1-ing.xml", (fixtures_dir / ING).read_bytes())
        bundle.writestr("2-broken.sta", (fixtures_dir / BROKEN_MT940).read_bytes())
    before = row_counts()

    response = _upload(treasury_de, SimpleUploadedFile("day.zip", archive.getvalue()))

    assert response.status_code == 422
    assert "day.zip/2-broken.sta, line 6" in response.json()["detail"]
    after = row_counts()
    assert (after["statements"], after["lines"]) == (0, 0)
    assert after == {**before, "inbound_files": 1, "audit_events": before["audit_events"] + 1}


def test_an_oversize_file_is_refused_unread(treasury_de: Any, fixtures_dir: Path, settings: Any) -> None:
    """SVAPNIL ing/example_camt.xml with BANK_FILE_MAX_BYTES below its size: refused, not stored."""
    settings.BANK_FILE_MAX_BYTES = 1000

    response = _upload(treasury_de, _file(fixtures_dir, ING))

    assert response.status_code == 422
    assert "svapnil_ing_example_camt.xml: the file is" in response.json()["detail"]
    assert "above the limit of 1,000 bytes (BANK_FILE_MAX_BYTES)" in response.json()["detail"]
    assert response.json()["inbound_file"] is None
    assert not InboundFile.objects.exists()


def test_no_file_or_an_empty_one_is_a_400_on_the_field(treasury_de: Any) -> None:
    """No fixture: the upload form refuses these before any import."""
    client = _as(treasury_de)

    empty = client.post(reverse("api:bankfile-list"), {"file": SimpleUploadedFile("empty.xml", b"")})
    missing = client.post(reverse("api:bankfile-list"), {})
    as_json = client.post(reverse("api:bankfile-list"), {"file": "x"}, content_type="application/json")

    assert (empty.status_code, empty.json()) == (400, {"file": ["The submitted file is empty."]})
    assert (missing.status_code, missing.json()) == (400, {"file": ["This field is required."]})
    assert as_json.status_code == 415
    assert not InboundFile.objects.exists()


@pytest.mark.parametrize("persona", ["clerk_de", "controller_de", "auditor_de", "no_role_user"])
def test_only_treasury_analysts_and_admins_import_and_list(
    persona: str, request: pytest.FixtureRequest, fixtures_dir: Path, ing_account: Any
) -> None:
    """A POST of SVAPNIL ing/example_camt.xml by any other role is refused, as on the upload page."""
    client = _as(request.getfixturevalue(persona))

    upload = client.post(reverse("api:bankfile-list"), {"file": _file(fixtures_dir, ING)})
    listing = client.get(reverse("api:bankfile-list"))

    assert (upload.status_code, listing.status_code) == (403, 403)
    assert not InboundFile.objects.exists()


def test_admins_import_too(admin_de: Any, ing_account: Any, fixtures_dir: Path) -> None:
    """SVAPNIL ing/example_camt.xml uploaded by DE01's admin."""
    response = _upload(admin_de, _file(fixtures_dir, ING))

    assert response.status_code == 201
    assert InboundFile.objects.get().received_by == admin_de


def test_the_list_shows_the_files_of_the_users_entities(treasury_de: Any, admin_gb: Any, ing_file: InboundFile) -> None:
    """SVAPNIL ing/example_camt.xml imported into DE01: listed for DE01's analyst, not GB01's admin."""
    mine = _as(treasury_de).get(reverse("api:bankfile-list"))
    theirs = _as(admin_gb).get(reverse("api:bankfile-list"))

    (row,) = mine.json()["results"]
    assert (row["id"], row["filename"], row["format"], row["status"]) == (
        ing_file.pk,
        "ing.xml",
        "camt.053",
        "imported",
    )
    assert row["entities"] == ["DE01"]
    assert "content" not in row
    assert theirs.json()["count"] == 0


def test_a_files_detail_is_its_summary_and_statements_without_the_bytes(
    treasury_de: Any, controller_de: Any, ing_file: InboundFile
) -> None:
    """SVAPNIL ing/example_camt.xml imported into DE01; controllers see statements, so the summary too."""
    url = reverse("api:bankfile-detail", args=[ing_file.pk])

    detail = _as(treasury_de).get(url)
    for_controller = _as(controller_de).get(url)

    body = detail.json()
    assert (detail.status_code, for_controller.status_code) == (200, 200)
    assert {key: body["summary"][key] for key in ING_SUMMARY} == ING_SUMMARY
    assert [s["id"] for s in body["statements"]] == list(ing_file.statements.values_list("pk", flat=True))
    assert body["statements"][0]["bank_account"].replace(" ", "") == "NL08INGB0000001234"
    assert "content" not in body
    assert "BkToCstmrStmt" not in detail.content.decode()


def test_a_files_bytes_are_for_importers_of_its_entity(
    treasury_de: Any, controller_de: Any, admin_gb: Any, ing_file: InboundFile, fixtures_dir: Path
) -> None:
    """SVAPNIL ing/example_camt.xml imported into DE01: its bytes as received, for DE01's analyst only."""
    url = reverse("api:bankfile-content", args=[ing_file.pk])

    own = _as(treasury_de).get(url)

    assert own.status_code == 200
    assert own.content == (fixtures_dir / ING).read_bytes()
    assert own["Content-Type"] == "application/octet-stream"
    assert 'filename="ing.xml"' in own["Content-Disposition"]
    assert _as(controller_de).get(url).status_code == 403
    assert _as(admin_gb).get(url).status_code == 404


def test_a_files_detail_is_404_outside_the_users_entities_and_403_for_other_roles(
    outsider: Any, admin_gb: Any, clerk_de: Any, ing_file: InboundFile
) -> None:
    """SVAPNIL ing/example_camt.xml imported into DE01."""
    url = reverse("api:bankfile-detail", args=[ing_file.pk])

    statuses = [_as(user).get(url).status_code for user in (outsider, admin_gb, clerk_de)]

    assert statuses == [404, 404, 403]


def test_a_refused_upload_is_visible_to_its_uploader_only(treasury_de: Any, entity_de: Any, fixtures_dir: Path) -> None:
    """GENKGO camt053.v2.wrong.xml refused for treasury_de: it touched no entity, so only the uploader
    sees it (with the reason); DE01's other analyst gets 404."""
    other = UserFactory(username="treasury2_de")
    user_grant_role(user=other, role=Role.TREASURY_ANALYST, entity=entity_de, granted_by=None)
    refused = _upload(treasury_de, _file(fixtures_dir, "camt053/malformed/genkgo_camt053.v2.wrong.xml"))
    url = reverse("api:bankfile-detail", args=[refused.json()["inbound_file"]])

    mine = _as(treasury_de).get(url)

    assert refused.status_code == 422
    assert (mine.status_code, mine.json()["status"]) == (200, "refused")
    assert "no Stmt in the document" in mine.json()["error"]
    assert _as(other).get(url).status_code == 404
