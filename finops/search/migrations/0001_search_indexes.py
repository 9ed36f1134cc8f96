"""The indexes the global search stands on (finops.search.selectors), on the tables of the apps
whose records it finds: trigram indexes (pg_trgm) for text searched anywhere inside a number,
name, reference or IBAN (Django's icontains compares UPPER(column), so the index is on that),
b-tree indexes for amounts compared for equality.

They are built CONCURRENTLY (outside a transaction), so a production table is not locked while
its index is made. pg_trgm is a trusted extension: the database's owner may create it.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = (
    ("search_invoice_number_trgm", "invoicing_invoice", "gin (upper(number) gin_trgm_ops)"),
    ("search_invoice_amount", "invoicing_invoice", "btree (amount)"),
    ("search_invoice_open_amount", "invoicing_invoice", "btree (open_amount)"),
    ("search_payment_e2e_trgm", "payables_payment", "gin (upper(end_to_end_id) gin_trgm_ops)"),
    ("search_payment_amount", "payables_payment", "btree (amount)"),
    ("search_batch_reference_trgm", "payables_paymentbatch", "gin (upper(external_id) gin_trgm_ops)"),
    ("search_batch_control_sum", "payables_paymentbatch", "btree (control_sum)"),
    ("search_po_number_trgm", "payables_purchaseorder", "gin (upper(number) gin_trgm_ops)"),
    ("search_counterparty_name_trgm", "masterdata_counterparty", "gin (upper(name) gin_trgm_ops)"),
    ("search_counterparty_tax_id", "masterdata_counterparty", "btree (upper(tax_id))"),
    ("search_bankaccount_iban_trgm", "masterdata_bankaccount", "gin (iban gin_trgm_ops)"),
    ("search_bankaccount_number_trgm", "masterdata_bankaccount", "gin (upper(account_number) gin_trgm_ops)"),
    ("search_statement_reference_trgm", "treasury_bankstatement", "gin (upper(external_id) gin_trgm_ops)"),
    ("search_statementline_amount", "treasury_statementline", "btree (amount)"),
)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("invoicing", "0002_initial"),
        ("masterdata", "0003_default_systems_of_record"),
        ("payables", "0002_batch_bank_submission_id"),
        ("treasury", "0003_statementline_statement_no_own_index"),
    ]

    operations = [
        TrigramExtension(),
        *(
            migrations.RunSQL(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} USING {definition}",
                f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
            )
            for name, table, definition in INDEXES
        ),
    ]
