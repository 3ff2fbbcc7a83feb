# The trust list now belongs to the exchange app (exchange 0001); the table stays as it is.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('certificates', '0002_certificates_and_revocations'),
        ('exchange', '0001_trusted_keys_from_certificates'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='TrustedKey')],
            database_operations=[],
        ),
    ]
