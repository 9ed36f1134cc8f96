"""The upload page /bank-files/ and a file's detail page: who may use them, what they show, and
the htmx form that answers 422 with the error next to the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from finops.treasury.models import BankStatement
from integrations.bankfiles.models import InboundFile
from integrations.bankfiles.services import bank_file_import
from tests.integrations.bankfiles.helpers import own_account

ING = "camt053/svapnil_ing_example_camt.xml"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _upload(fixtures_dir: Path, fixture: str, name: str | None = None) -> SimpleUploadedFile:
    path = fixtures_dir / fixture
    return SimpleUploadedFile(name or path.name, path.read_bytes(), content_type="application/octet-stream")


def test_treasury_analyst_sees_the_form_and_the_latest_files(
    entity_de: Any, treasury_de: Any, fixtures_dir: Path
) -> None:
    """SVAPNIL ing/example_camt.xml imported earlier by the CLI shows in the list with its counts."""
    own_account(entity_de, iban="NL08INGB0000001234")
    bank_file_import(data=(fixtures_dir / ING).read_bytes(), filename="ing-from-cli.xml", source="cli")

    response = _client(treasury_de).get(reverse("bankfiles:upload"))

    assert response.status_code == 200
    body = response.content.decode()
    assert 'type="file"' in body
    assert 'hx-encoding="multipart/form-data"' in body
    assert "ing-from-cli.xml" in body
    assert "camt.053" in body
    assert "DE01" in body


def test_treasury_upload_imports_and_redirects_to_the_file(
    entity_de: Any, treasury_de: Any, fixtures_dir: Path
) -> None:
    """SVAPNIL ing/example_camt.xml uploaded without JavaScript: imported, then the detail page
    shows the summary and links the statement it created."""
    own_account(entity_de, iban="NL08INGB0000001234")
    client = _client(treasury_de)

    response = client.post(reverse("bankfiles:upload"), {"file": _upload(fixtures_dir, ING)})

    inbound = InboundFile.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("bankfiles:file-detail", args=[inbound.pk])
    assert (inbound.status, inbound.received_by, inbound.source) == ("imported", treasury_de, "upload")
    detail = client.get(response["Location"]).content.decode()
    statement = BankStatement.objects.get()
    assert reverse("treasury:statement-detail", args=[statement.pk]) in detail
    assert "990.00 EUR" in detail
    assert "385.00 EUR" in detail


def test_htmx_upload_renders_the_summary_in_place(entity_de: Any, admin_de: Any, fixtures_dir: Path) -> None:
    """SVAPNIL ing/example_camt.xml uploaded through htmx by DE01's admin (admins may import):
    the upload partial comes back with the summary, and the file list is swapped out of band."""
    own_account(entity_de, iban="NL08INGB0000001234")

    response = _client(admin_de).post(
        reverse("bankfiles:upload"), {"file": _upload(fixtures_dir, ING)}, headers={"HX-Request": "true"}
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'data-testid="upload-result"' in body
    assert "990.00 EUR" in body
    assert 'hx-swap-oob="true"' in body


def test_htmx_upload_of_a_broken_file_answers_422_with_the_error_by_the_field(
    treasury_de: Any, fixtures_dir: Path
) -> None:
    """WOLPH betterplace/sepa_snippet_broken.sta uploaded through htmx: 422, the partial only, the
    error naming the file and line 6 next to the field; the refused file is kept and linked."""
    response = _client(treasury_de).post(
        reverse("bankfiles:upload"),
        {"file": _upload(fixtures_dir, "mt940/malformed/wolph_betterplace_sepa_snippet_broken.sta")},
        headers={"HX-Request": "true"},
    )

    body = response.content.decode()
    assert response.status_code == 422
    assert "<html" not in body
    assert 'data-testid="upload-error"' in body
    assert "wolph_betterplace_sepa_snippet_broken.sta, line 6" in body
    refused = InboundFile.objects.get()
    assert refused.status == "refused"
    assert reverse("bankfiles:file-detail", args=[refused.pk]) in body


def test_an_empty_upload_is_a_422_next_to_the_field(treasury_de: Any) -> None:
    """No fixture: an empty file is refused by the form before any import."""
    response = _client(treasury_de).post(
        reverse("bankfiles:upload"), {"file": SimpleUploadedFile("empty.xml", b"")}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 422
    assert "The submitted file is empty." in response.content.decode()
    assert not InboundFile.objects.exists()


@pytest.mark.parametrize("persona", ["clerk_de", "controller_de", "auditor_de", "no_role_user"])
def test_other_roles_get_403_on_the_upload_page(
    persona: str, request: pytest.FixtureRequest, fixtures_dir: Path
) -> None:
    """Only treasury analysts and admins import; a POST of SVAPNIL ing/example_camt.xml is refused too."""
    user = request.getfixturevalue(persona)
    client = _client(user)

    assert client.get(reverse("bankfiles:upload")).status_code == 403
    assert client.post(reverse("bankfiles:upload"), {"file": _upload(fixtures_dir, ING)}).status_code == 403
    assert not InboundFile.objects.exists()


def test_anonymous_is_sent_to_sign_in(db: Any) -> None:
    response = Client().get(reverse("bankfiles:upload"))

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_another_entitys_file_is_404(entity_de: Any, outsider: Any, treasury_de: Any, fixtures_dir: Path) -> None:
    """SVAPNIL ing/example_camt.xml imported into DE01: GB01's user gets 404 on its page and bytes,
    and does not see it listed; DE01's analyst may download the bytes as received."""
    own_account(entity_de, iban="NL08INGB0000001234")
    result = bank_file_import(data=(fixtures_dir / ING).read_bytes(), filename="ing.xml", source="cli")
    detail = reverse("bankfiles:file-detail", args=[result.inbound_file_id])
    content = reverse("bankfiles:file-content", args=[result.inbound_file_id])

    assert _client(outsider).get(detail).status_code == 404
    assert _client(outsider).get(content).status_code in (403, 404)
    own = _client(treasury_de).get(content)
    assert own.status_code == 200
    assert own.content == (fixtures_dir / ING).read_bytes()


def test_clerk_gets_403_on_a_file_page(entity_de: Any, clerk_de: Any, fixtures_dir: Path) -> None:
    """SVAPNIL ing/example_camt.xml imported into DE01: DE01's AP clerk has no treasury role."""
    own_account(entity_de, iban="NL08INGB0000001234")
    result = bank_file_import(data=(fixtures_dir / ING).read_bytes(), filename="ing.xml", source="cli")

    response = _client(clerk_de).get(reverse("bankfiles:file-detail", args=[result.inbound_file_id]))

    assert response.status_code == 403


def test_a_refused_upload_is_visible_to_its_uploader_only(treasury_de: Any, entity_de: Any, fixtures_dir: Path) -> None:
    """GENKGO camt053.v2.wrong.xml refused for treasury_de: it touched no entity, so it is listed for
    the uploader (with the reason) and 404 for DE01's other analyst."""
    from finops.accounts.roles import Role
    from finops.accounts.services import user_grant_role
    from tests.factories import UserFactory

    other = UserFactory(username="treasury2_de")
    user_grant_role(user=other, role=Role.TREASURY_ANALYST, entity=entity_de, granted_by=None)
    _client(treasury_de).post(
        reverse("bankfiles:upload"), {"file": _upload(fixtures_dir, "camt053/malformed/genkgo_camt053.v2.wrong.xml")}
    )
    refused = InboundFile.objects.get(status="refused")

    mine = _client(treasury_de).get(reverse("bankfiles:file-detail", args=[refused.pk]))

    assert mine.status_code == 200
    assert "no Stmt in the document" in mine.content.decode()
    assert _client(other).get(reverse("bankfiles:file-detail", args=[refused.pk])).status_code == 404
