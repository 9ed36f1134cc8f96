"""Bank accounts as the world names them: an IBAN, or a local account number in its country with
an optional national bank code of a stated kind (finops/masterdata/bank_identifiers.py).

routing_number becomes bank_code of kind "aba"; every account and bank-detail change gets a
country; uniqueness is per identifier kind, for our own accounts and per counterparty.
"""

import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Left

ACCOUNT_MODELS = ("BankAccount", "BankAccountChange")
IMMEDIATE = "SET CONSTRAINTS ALL IMMEDIATE"


def routing_number_to_bank_code(apps, schema_editor):
    """routing_number becomes a bank code of kind ABA; every account gets its country: the IBAN's,
    else the US for an ABA account, else its entity's or counterparty's. Refuses, naming the rows,
    where no country can be told or a US account has no routing number."""
    LegalEntity = apps.get_model("masterdata", "LegalEntity")
    Counterparty = apps.get_model("masterdata", "Counterparty")
    for name in ACCOUNT_MODELS:
        model = apps.get_model("masterdata", name)
        rows = model.objects.all()
        rows.exclude(routing_number="").update(bank_code_kind="aba", bank_code=F("routing_number"))
        rows.exclude(iban="").update(country=Left("iban", 2))
        rows.filter(country="", bank_code_kind="aba").update(country="US")
        owners = [("entity_id", LegalEntity), ("counterparty_id", Counterparty)]
        for column, owner in owners:
            if column == "entity_id" and name == "BankAccountChange":
                continue  # a change is about the counterparty's account, not the entity's
            country = Subquery(owner.objects.filter(pk=OuterRef(column)).exclude(country="").values("country")[:1])
            rows.filter(country="").exclude(**{f"{column}__isnull": True}).update(country=country)
        unknown = list(rows.filter(Q(country="") | Q(country__isnull=True)).values_list("pk", flat=True)[:20])
        if unknown:
            raise RuntimeError(f"{name} {unknown}: neither an IBAN nor a country; set their country first.")
        without_aba = list(
            rows.filter(iban="", country="US").exclude(bank_code_kind="aba").values_list("pk", flat=True)[:20]
        )
        if without_aba:
            raise RuntimeError(f"{name} {without_aba}: US accounts without an ABA routing number; add it first.")


def bank_code_to_routing_number(apps, schema_editor):
    """Back: an ABA code returns to routing_number; other kinds of bank code have nowhere to go."""
    for name in ACCOUNT_MODELS:
        apps.get_model("masterdata", name).objects.filter(bank_code_kind="aba").update(routing_number=F("bank_code"))


class Migration(migrations.Migration):
    dependencies = [
        ("masterdata", "0003_default_systems_of_record"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="bankaccount",
            name="bank_code",
            field=models.CharField(blank=True, help_text="National bank code, canonical form.", max_length=11),
        ),
        migrations.AddField(
            model_name="bankaccount",
            name="bank_code_kind",
            field=models.CharField(
                blank=True,
                choices=[
                    ("aba", "ABA routing number (US)"),
                    ("gb_sort_code", "Sort code (UK)"),
                    ("ca_routing", "Transit and institution number (Canada)"),
                    ("ch_clearing", "Clearing number / IID (Switzerland)"),
                    ("au_bsb", "BSB (Australia)"),
                    ("in_ifsc", "IFSC (India)"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="bankaccount",
            name="country",
            field=models.CharField(
                blank=True, help_text="Where the account is held (the IBAN's country).", max_length=2
            ),
        ),
        migrations.AddField(
            model_name="bankaccountchange",
            name="bank_code",
            field=models.CharField(blank=True, help_text="National bank code, canonical form.", max_length=11),
        ),
        migrations.AddField(
            model_name="bankaccountchange",
            name="bank_code_kind",
            field=models.CharField(
                blank=True,
                choices=[
                    ("aba", "ABA routing number (US)"),
                    ("gb_sort_code", "Sort code (UK)"),
                    ("ca_routing", "Transit and institution number (Canada)"),
                    ("ch_clearing", "Clearing number / IID (Switzerland)"),
                    ("au_bsb", "BSB (Australia)"),
                    ("in_ifsc", "IFSC (India)"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="bankaccountchange",
            name="country",
            field=models.CharField(
                blank=True, help_text="Where the account is held (the IBAN's country).", max_length=2
            ),
        ),
        migrations.AlterField(
            model_name="bankaccount",
            name="account_number",
            field=models.CharField(blank=True, help_text="As written; compared normalised.", max_length=34),
        ),
        migrations.AlterField(
            model_name="bankaccountchange",
            name="account_number",
            field=models.CharField(blank=True, help_text="As written; compared normalised.", max_length=34),
        ),
        # The data moves between schema changes: PostgreSQL refuses an ALTER TABLE while the updates'
        # deferred foreign-key checks are pending, so they are run at once on either side.
        migrations.RunSQL(migrations.RunSQL.noop, reverse_sql=IMMEDIATE),
        migrations.RunPython(routing_number_to_bank_code, bank_code_to_routing_number),
        migrations.RunSQL(IMMEDIATE, reverse_sql=migrations.RunSQL.noop),
        migrations.RemoveConstraint(
            model_name="bankaccount",
            name="bankaccount_own_us_account_uniq",
        ),
        migrations.RemoveField(
            model_name="bankaccount",
            name="routing_number",
        ),
        migrations.RemoveField(
            model_name="bankaccountchange",
            name="routing_number",
        ),
        migrations.AddConstraint(
            model_name="bankaccount",
            constraint=models.UniqueConstraint(
                models.F("country"),
                models.F("bank_code_kind"),
                models.F("bank_code"),
                django.db.models.functions.text.Upper(
                    models.Func(
                        models.F("account_number"),
                        models.Value("[^A-Za-z0-9]"),
                        models.Value(""),
                        models.Value("g"),
                        function="REGEXP_REPLACE",
                    )
                ),
                condition=models.Q(
                    ("iban", ""), models.Q(("account_number", ""), _negated=True), ("entity__isnull", False)
                ),
                name="bankaccount_own_local_account_uniq",
            ),
        ),
        migrations.AddConstraint(
            model_name="bankaccount",
            constraint=models.UniqueConstraint(
                condition=models.Q(models.Q(("iban", ""), _negated=True), ("counterparty__isnull", False)),
                fields=("counterparty", "iban"),
                name="bankaccount_counterparty_iban_uniq",
            ),
        ),
        migrations.AddConstraint(
            model_name="bankaccount",
            constraint=models.UniqueConstraint(
                models.F("counterparty"),
                models.F("country"),
                models.F("bank_code_kind"),
                models.F("bank_code"),
                django.db.models.functions.text.Upper(
                    models.Func(
                        models.F("account_number"),
                        models.Value("[^A-Za-z0-9]"),
                        models.Value(""),
                        models.Value("g"),
                        function="REGEXP_REPLACE",
                    )
                ),
                condition=models.Q(
                    ("iban", ""), models.Q(("account_number", ""), _negated=True), ("counterparty__isnull", False)
                ),
                name="bankaccount_counterparty_local_account_uniq",
            ),
        ),
        migrations.AddConstraint(
            model_name="bankaccount",
            constraint=models.CheckConstraint(
                condition=models.Q(("country__regex", "^[A-Z]{2}$")), name="bankaccount_country_iso"
            ),
        ),
        migrations.AddConstraint(
            model_name="bankaccount",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("iban", ""), ("country", django.db.models.functions.text.Left("iban", 2)), _connector="OR"
                ),
                name="bankaccount_iban_country",
            ),
        ),
        migrations.AddConstraint(
            model_name="bankaccount",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("bank_code_kind", ""), ("bank_code", "")),
                    models.Q(
                        models.Q(("bank_code_kind", ""), _negated=True), models.Q(("bank_code", ""), _negated=True)
                    ),
                    _connector="OR",
                ),
                name="bankaccount_bank_code_has_kind",
            ),
        ),
        migrations.AddConstraint(
            model_name="bankaccount",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("iban", ""), _negated=True),
                    models.Q(("country", "US"), _negated=True),
                    ("bank_code_kind", "aba"),
                    _connector="OR",
                ),
                name="bankaccount_us_account_has_aba",
            ),
        ),
        migrations.AddConstraint(
            model_name="bankaccount",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("bank_code_kind", "aba"), _negated=True),
                    ("bank_code__regex", "^[0-9]{9}$"),
                    _connector="OR",
                ),
                name="bankaccount_aba_nine_digits",
            ),
        ),
        migrations.AddConstraint(
            model_name="bankaccountchange",
            constraint=models.CheckConstraint(
                condition=models.Q(("country__regex", "^[A-Z]{2}$")), name="bankaccountchange_country_iso"
            ),
        ),
        migrations.AddConstraint(
            model_name="bankaccountchange",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("iban", ""), ("country", django.db.models.functions.text.Left("iban", 2)), _connector="OR"
                ),
                name="bankaccountchange_iban_country",
            ),
        ),
        migrations.AddConstraint(
            model_name="bankaccountchange",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("bank_code_kind", ""), ("bank_code", "")),
                    models.Q(
                        models.Q(("bank_code_kind", ""), _negated=True), models.Q(("bank_code", ""), _negated=True)
                    ),
                    _connector="OR",
                ),
                name="bankaccountchange_bank_code_has_kind",
            ),
        ),
        migrations.AddConstraint(
            model_name="bankaccountchange",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("iban", ""), _negated=True),
                    models.Q(("country", "US"), _negated=True),
                    ("bank_code_kind", "aba"),
                    _connector="OR",
                ),
                name="bankaccountchange_us_account_has_aba",
            ),
        ),
        migrations.AddConstraint(
            model_name="bankaccountchange",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("bank_code_kind", "aba"), _negated=True),
                    ("bank_code__regex", "^[0-9]{9}$"),
                    _connector="OR",
                ),
                name="bankaccountchange_aba_nine_digits",
            ),
        ),
    ]
