# The old two-factor tables, emptied into django-otp's devices by 0005 (decision 0150).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_move_two_factor_to_otp'),
    ]

    operations = [
        migrations.DeleteModel(
            name='RecoveryCode',
        ),
        migrations.DeleteModel(
            name='TwoFactorDevice',
        ),
    ]
