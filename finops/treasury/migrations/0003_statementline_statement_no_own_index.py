# The foreign-key index on statementline.statement_id duplicates the leading column of the
# (statement, line_no) unique index, and every imported line paid for its upkeep. Only the index
# goes: the foreign key stays, and is not dropped and validated again as AlterField would.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('treasury', '0002_statement_import_keys'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='statementline',
                    name='statement',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='treasury.bankstatement'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql='DROP INDEX IF EXISTS "treasury_statementline_statement_id_fc15d994"',
                    reverse_sql=(
                        'CREATE INDEX IF NOT EXISTS "treasury_statementline_statement_id_fc15d994" '
                        'ON "treasury_statementline" ("statement_id")'
                    ),
                ),
            ],
        ),
    ]
