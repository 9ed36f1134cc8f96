"""Seed the group-wide systems of record (see finops/masterdata/sor.py DEFAULT_OWNERS).

The literal is copied here on purpose: a migration must not change when the code's defaults do.
Rows an admin has already configured are left alone.
"""

from django.db import migrations

DEFAULTS = {
    ("supplier", "name"): "erp",
    ("supplier", "tax_id"): "erp",
    ("supplier", "country"): "erp",
    ("supplier", "status"): "erp",
    ("supplier", "bank_account"): "procurement",
    ("customer", "name"): "erp",
    ("customer", "tax_id"): "erp",
    ("customer", "country"): "erp",
    ("customer", "status"): "erp",
    ("customer", "bank_account"): "erp",
}


def seed(apps, schema_editor):
    FieldOwnership = apps.get_model("masterdata", "FieldOwnership")
    for (kind, field), source in DEFAULTS.items():
        FieldOwnership.objects.get_or_create(
            kind=kind, field=field, entity=None, defaults={"source": source, "note": "default"}
        )


def unseed(apps, schema_editor):
    FieldOwnership = apps.get_model("masterdata", "FieldOwnership")
    FieldOwnership.objects.filter(entity=None, note="default").delete()


class Migration(migrations.Migration):
    dependencies = [("masterdata", "0002_systems_of_record_and_bank_change_decisions")]

    operations = [migrations.RunPython(seed, unseed)]
