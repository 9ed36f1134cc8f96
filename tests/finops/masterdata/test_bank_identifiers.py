"""Bank accounts as the world names them: an IBAN, or a local account number in its country with
an optional national bank code of a stated kind (ABA routing, UK sort code, Canadian transit and
institution, ...), plus BIC. An ABA code is checked and required only in the US. The records
import, the API, the page and the database all hold the same rules."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from finops.audit.models import AuditEvent
from finops.masterdata.bank_identifiers import account_identifier_clean
from finops.masterdata.models import BankAccount, BankAccountChange, LegalEntity
from finops.masterdata.services import BankDetails, bank_change_record
from tests.factories import CounterpartyFactory, LegalEntityFactory

JSON = "application/json"
WORLD = (
    "legal_entity,iban,bic,account_number,routing_number,currency,name,country,bank_code_kind,bank_code\n"
    "HU01,,,1966315302010001,,HUF,Budapest HUF,HU,,\n"
    "CH01,,,0035-2915203-10-000,,CHF,Zurich CHF,,,\n"
    "GB01,,,55779911,,GBP,London GBP,,gb_sort_code,20-00-00\n"
    "CA01,,,1234567,,CAD,Toronto CAD,,ca_routing,12345-003\n"
    "US01,,,123456789,021000021,USD,Payroll USD,,,\n"
    "DE01,DE89 3704 0044 0532 0130 00,COBADEFFXXX,,,EUR,Operating EUR,,,\n"
)


@pytest.fixture
def group(db):
    for code, country, currency in (
        ("HU01", "HU", "HUF"),
        ("CH01", "CH", "CHF"),
        ("GB01", "GB", "GBP"),
        ("CA01", "CA", "CAD"),
        ("US01", "US", "USD"),
        ("DE01", "DE", "EUR"),
    ):
        LegalEntityFactory(code=code, country=country, base_currency=currency)


# --- the rules -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "display", "country", "code"),
    [
        ({"account_number": "1966315302010001", "country": "HU"}, "HU 1966315302010001", "HU", ""),
        ({"account_number": "0035-2915203-10-000", "country": "CH"}, "CH 0035-2915203-10-000", "CH", ""),
        (
            {"account_number": "55779911", "bank_code_kind": "gb_sort_code", "bank_code": "20 00 00"},
            "GB sort code 20-00-00 · 55779911",
            "GB",
            "200000",
        ),
        (
            {"account_number": "1234567", "bank_code_kind": "ca_routing", "bank_code": "12345-003"},
            "CA transit 12345-003 · 1234567",
            "CA",
            "000312345",
        ),
        (
            {"account_number": "1234567", "bank_code_kind": "ca_routing", "bank_code": "000312345"},
            "CA transit 12345-003 · 1234567",
            "CA",
            "000312345",
        ),
        ({"account_number": "123456789", "routing_number": "021000021"}, "US ABA 021000021 · 123456789", "US", ""),
        (
            {"account_number": "12-34", "bank_code_kind": "ch_clearing", "bank_code": "700"},
            "CH clearing 00700 · 12-34",
            "CH",
            "00700",
        ),
        ({"iban": "de89 3704 0044 0532 0130 00"}, "DE89 3704 0044 0532 0130 00", "DE", ""),
    ],
)
def test_accounts_as_the_world_names_them_are_accepted(given, display, country, code):
    account, problems = account_identifier_clean(**given)

    assert problems == {}
    assert account.display == display
    assert account.country == country
    assert account.bank_code == (code or account.routing_number)


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        ({"account_number": "123456789", "country": "US"}, "bank_code", "needs its ABA routing number"),
        ({"account_number": "1", "routing_number": "021000022"}, "routing_number", "not a valid ABA routing"),
        ({"account_number": "1", "bank_code_kind": "aba", "bank_code": "02100002"}, "bank_code", "9 digits"),
        (
            {"account_number": "1", "bank_code_kind": "aba", "bank_code": "021000021", "country": "GB"},
            "bank_code_kind",
            "for accounts in US",
        ),
        ({"account_number": "1", "bank_code_kind": "gb_sort_code", "bank_code": "2000"}, "bank_code", "6 digits"),
        ({"account_number": "1", "bank_code_kind": "ca_routing", "bank_code": "12345003"}, "bank_code", "12345-003"),
        ({"account_number": "1", "bank_code": "200000", "country": "GB"}, "bank_code_kind", "Say which kind"),
        ({"account_number": "1", "bank_code_kind": "gb_sort_code"}, "bank_code", "is needed"),
        ({"account_number": "1", "bank_code_kind": "swift", "bank_code": "1"}, "bank_code_kind", "not one of"),
        ({"account_number": "12;DROP", "country": "HU"}, "account_number", "not an account number"),
        ({"account_number": "1966315302010001"}, "country", "Say which country"),
        ({"iban": "DE89370400440532013000", "country": "FR"}, "country", "account in DE, not FR"),
        ({}, "iban", "Give an IBAN, or an account number"),
    ],
)
def test_what_is_not_an_account_is_refused_naming_the_field(given, field, message):
    _, problems = account_identifier_clean(**given)

    assert message in problems.get(field, ""), problems


# --- the records import ----------------------------------------------------------------------------


def test_the_import_accepts_every_kind_and_a_respelt_file_changes_nothing(group, run_import):
    first = run_import("bank_accounts", WORLD)
    respelt = (
        WORLD.replace("0035-2915203-10-000", "0035 2915203 10 000")
        .replace("20-00-00", "200000")
        .replace("12345-003", "000312345")
    )
    again = run_import("bank_accounts", respelt)

    assert (first["created"], again["unchanged"], again["created"]) == (6, 6, 0)
    swiss = BankAccount.objects.get(entity__code="CH01")
    assert (swiss.country, swiss.account_number, swiss.bank_code) == ("CH", "0035-2915203-10-000", "")
    uk = BankAccount.objects.get(entity__code="GB01")
    assert (uk.country, uk.bank_code_kind, uk.bank_code, uk.account_number) == (
        "GB",
        "gb_sort_code",
        "200000",
        "55779911",
    )
    us = BankAccount.objects.get(entity__code="US01")
    assert (us.routing_number, us.bank_code_kind, us.country) == ("021000021", "aba", "US")
    canada = BankAccount.objects.get(entity__code="CA01")
    assert canada.display_identifier == "CA transit 12345-003 · 1234567"


def test_the_readme_columns_alone_still_import_an_account_number_without_a_routing_number(group, run_import):
    csv = "legal_entity,iban,bic,account_number,routing_number,currency,name\nHU01,,,1966315302010001,,HUF,Budapest\n"

    result = run_import("bank_accounts", csv)

    assert result["created"] == 1
    assert BankAccount.objects.get(entity__code="HU01").country == "HU"  # the entity's


def test_the_import_names_line_and_column_of_each_bad_identifier(group, refused_import):
    csv = (
        "legal_entity,iban,bic,account_number,currency,name,bank_code_kind,bank_code\n"
        "US01,,,123456789,USD,No routing,,\n"
        "GB01,,,55779911,GBP,Short sort code,gb_sort_code,20-00\n"
        "GB01,,,55779911,GBP,Same account,gb_sort_code,200000\n"
        "GB01,,,55779911,GBP,Same again,gb_sort_code,20-00-00\n"
    )

    message = refused_import("bank_accounts", csv)

    assert "line 2, bank_code: An account in the US needs its ABA routing number." in message
    assert "line 3, bank_code: '20-00' is not a UK sort code (6 digits)." in message
    assert "line 5, account_number: Duplicate of line 4 (GB sort code 20-00-00 · 55779911)." in message
    assert not BankAccount.objects.exists()


# --- the database -----------------------------------------------------------------------------------


def _own(entity, **identifier):
    return BankAccount.objects.create(
        entity=entity, name="x", currency="EUR", external_id=str(identifier), **identifier
    )


def test_the_database_keeps_one_own_account_per_identifier_however_it_is_spelt(group):
    gb = LegalEntity.objects.get(code="GB01")
    _own(gb, country="GB", bank_code_kind="gb_sort_code", bank_code="200000", account_number="5577-9911")
    _own(gb, country="GB", bank_code_kind="gb_sort_code", bank_code="200001", account_number="55779911")
    _own(gb, country="HU", account_number="55779911")

    with pytest.raises(IntegrityError, match="bankaccount_own_local_account_uniq"), transaction.atomic():
        _own(gb, country="GB", bank_code_kind="gb_sort_code", bank_code="200000", account_number="55 77 99 11")


@pytest.mark.parametrize(
    ("identifier", "constraint"),
    [
        ({"country": "US", "account_number": "123"}, "bankaccount_us_account_has_aba"),
        ({"country": "US", "account_number": "123", "bank_code_kind": "aba", "bank_code": "21"}, "aba_nine_digits"),
        ({"country": "GB", "account_number": "123", "bank_code": "200000"}, "bankaccount_bank_code_has_kind"),
        ({"country": "FR", "iban": "DE89370400440532013000"}, "bankaccount_iban_country"),
        ({"country": "", "account_number": "123"}, "bankaccount_country_iso"),
    ],
)
def test_the_database_refuses_what_the_rules_refuse(group, identifier, constraint):
    us = LegalEntity.objects.get(code="US01")

    with pytest.raises(IntegrityError, match=constraint):
        _own(us, **identifier)


# --- the API and the page ----------------------------------------------------------------------------


@pytest.fixture
def admin_world(admin_de, entity_de):
    from finops.accounts.roles import Role
    from finops.accounts.services import user_grant_role

    for code, country, currency in (("CH01", "CH", "CHF"), ("CA01", "CA", "CAD")):
        entity = LegalEntityFactory(code=code, country=country, base_currency=currency)
        user_grant_role(user=admin_de, role=Role.ADMIN, entity=entity, granted_by=None)
    return admin_de


def test_an_admin_registers_a_swiss_and_a_canadian_account_over_the_api(client, admin_world):
    client.force_login(admin_world)
    url = reverse("api:bankaccount-list")

    swiss = client.post(
        url,
        {"entity": "CH01", "name": "Zurich CHF", "currency": "CHF", "account_number": "0035-2915203-10-000"},
        content_type=JSON,
    )
    canadian = client.post(
        url,
        {
            "entity": "CA01",
            "name": "Toronto CAD",
            "currency": "CAD",
            "account_number": "1234567",
            "bank_code_kind": "ca_routing",
            "bank_code": "12345-003",
        },
        content_type=JSON,
    )
    again = client.post(
        url,
        {"entity": "CH01", "name": "Twice", "currency": "CHF", "account_number": "0035 2915203 10 000"},
        content_type=JSON,
    )
    us_without_routing = client.post(
        url,
        {"entity": "DE01", "name": "NY", "currency": "USD", "account_number": "1234", "country": "US"},
        content_type=JSON,
    )

    assert swiss.status_code == 201, swiss.json()
    assert swiss.json()["country"] == "CH"
    assert swiss.json()["display_identifier"] == "CH 0035-2915203-10-000"
    assert canadian.status_code == 201
    assert (canadian.json()["bank_code_kind"], canadian.json()["bank_code"]) == ("ca_routing", "000312345")
    assert canadian.json()["routing_number"] == ""
    assert again.status_code == 400
    assert "already an account of CH01" in again.json()["account_number"][0]
    assert us_without_routing.status_code == 400
    assert us_without_routing.json()["bank_code"] == ["An account in the US needs its ABA routing number."]
    assert AuditEvent.objects.filter(action="bank_account.created", actor=admin_world).count() == 2


def test_registering_is_for_admins_of_the_entity(client, clerk_de, admin_de, entity_gb):
    body = {"entity": "GB01", "name": "x", "currency": "GBP", "account_number": "55779911"}
    body |= {"bank_code_kind": "gb_sort_code", "bank_code": "200000"}

    client.force_login(clerk_de)
    as_clerk = client.post(reverse("api:bankaccount-list"), body, content_type=JSON)
    page_as_clerk = client.get(reverse("masterdata:bankaccount-create"))
    client.force_login(admin_de)
    other_entity = client.post(reverse("api:bankaccount-list"), body, content_type=JSON)

    assert as_clerk.status_code == 403
    assert page_as_clerk.status_code == 403
    assert other_entity.status_code == 400
    assert "entity" in other_entity.json()
    assert not BankAccount.objects.exists()


def test_the_page_registers_a_uk_account_and_lists_and_finds_it(client, admin_de, entity_de):
    client.force_login(admin_de)
    form = {
        "entity": entity_de.pk,
        "name": "London GBP",
        "currency": "GBP",
        "account_number": "5577 9911",
        "bank_code_kind": "gb_sort_code",
        "bank_code": "20-00-00",
    }

    bad = client.post(reverse("masterdata:bankaccount-create"), {**form, "bank_code": "2000"})
    done = client.post(reverse("masterdata:bankaccount-create"), form)
    listing = client.get(reverse("masterdata:bankaccount-list"), {"q": "55779911"})
    account = BankAccount.objects.get()
    detail = client.get(reverse("masterdata:bankaccount-detail", args=[account.pk]))

    assert bad.status_code == 422
    assert "is not a UK sort code (6 digits)" in bad.content.decode()
    assert done.status_code == 302
    assert "GB sort code 20-00-00 · 5577 9911" in listing.content.decode()
    assert "Sort code (UK)" in detail.content.decode()
    assert "20-00-00" in detail.content.decode()


# --- counterparties' accounts and changes ---------------------------------------------------------------


def test_a_counterpartys_uk_account_is_requested_with_its_sort_code(entity_gb):
    supplier = CounterpartyFactory(country="GB", entities=[entity_gb])

    change = bank_change_record(
        counterparty=supplier,
        details=BankDetails(
            account_number="55779911", bank_code_kind="gb_sort_code", bank_code="20-00-00", currency="GBP"
        ),
        entity=entity_gb,
        source="procurement",
        requested_by=None,
        reason="onboarding",
    )
    again = bank_change_record(
        counterparty=supplier,
        details=BankDetails(
            account_number="5577-9911", bank_code_kind="gb_sort_code", bank_code="200000", currency="GBP"
        ),
        entity=entity_gb,
        source="procurement",
        requested_by=None,
        reason="sent again",
    )

    assert again.pk == change.pk
    assert (change.country, change.bank_code_kind, change.bank_code) == ("GB", "gb_sort_code", "200000")
    assert change.bank_account.display_identifier == "GB sort code 20-00-00 · 55779911"
    assert BankAccountChange.objects.count() == 1


def test_a_supplier_file_gives_local_bank_details_on_file_for_new_suppliers(run_import, refused_import, entity_gb):
    suppliers = (
        "external_id,name,country,account_number,bank_code_kind,bank_code\n"
        "P-1,Thames Tools Ltd,GB,55779911,gb_sort_code,20-00-00\n"
        "P-2,Budapest Kft,HU,1966315302010001,,\n"
    )

    result = run_import("suppliers", suppliers, source="procurement")
    refused = refused_import("suppliers", suppliers.replace("20-00-00", "20-00"), source="procurement")

    assert result["created"] == 2
    accounts = {a.counterparty.name: a for a in BankAccount.objects.select_related("counterparty")}
    assert accounts["Thames Tools Ltd"].display_identifier == "GB sort code 20-00-00 · 55779911"
    assert accounts["Budapest Kft"].display_identifier == "HU 1966315302010001"
    assert not BankAccountChange.objects.exists()  # first details from the system of record
    assert "line 2, bank_code: '20-00' is not a UK sort code (6 digits)." in refused
