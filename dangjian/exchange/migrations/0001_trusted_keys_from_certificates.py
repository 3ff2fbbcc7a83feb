# The trust list moves from the certificates app to the exchange app without touching the table:
# the state moves here, the table keeps its name (certificates_trustedkey).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('certificates', '0002_certificates_and_revocations'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='TrustedKey',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('issuer', models.CharField(max_length=64, verbose_name='签发方')),
                        ('kid', models.CharField(help_text='公钥 SHA-256 的前 8 字节（十六进制）', max_length=16, verbose_name='密钥标识')),
                        ('public_key', models.CharField(help_text='Ed25519 公钥，base64url', max_length=64, verbose_name='公钥')),
                        ('label', models.CharField(blank=True, max_length=200, verbose_name='说明')),
                        ('added_at', models.DateTimeField(auto_now_add=True, verbose_name='导入时间')),
                        ('removed_at', models.DateTimeField(blank=True, null=True, verbose_name='移除时间')),
                        ('added_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='导入人')),
                    ],
                    options={
                        'verbose_name': '受信任的公钥',
                        'verbose_name_plural': '受信任的公钥',
                        'db_table': 'certificates_trustedkey',
                        'constraints': [models.UniqueConstraint(fields=('issuer', 'kid'), name='trusted_key_once')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
