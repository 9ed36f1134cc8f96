"""A bank-detail change from a system (import, connector) is verified and activated by two people."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('masterdata', '0004_bank_account_identifiers'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='bankaccountchange',
            constraint=models.CheckConstraint(condition=models.Q(('activated_by__isnull', True), ('source', 'manual'), models.Q(('activated_by', models.F('verified_by')), _negated=True), _connector='OR'), name='bankaccountchange_system_change_two_people'),
        ),
    ]
