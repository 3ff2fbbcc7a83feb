"""Move every enrolled authenticator and unused recovery code into the django-otp devices.

The encrypted secret is copied as it is (no key needed here); the last accepted step, the count
of wrong codes and the moment of the last one carry over, so the throttle and the replay guard
go on where they were. A recovery code is stored by its SHA-256 already: its first 16 hex
digits become the django-otp token (accounts.models.recovery_code_digest).

Backwards: the authenticators go back; recovery codes cannot (only 16 of the 64 digits of each
digest are kept), so after a rollback the user gets new ones by `reset_two_factor` and enrolling
again.
"""

import datetime as dt

from django.db import migrations

# The old throttle (decision 0122): the wait after the n-th wrong code, capped at a day.
def _delay(failures):
    return dt.timedelta(seconds=min(2 ** min(max(failures, 1) - 1, 30), 86400))


def forwards(apps, schema_editor):
    OldDevice = apps.get_model("accounts", "TwoFactorDevice")
    RecoveryCode = apps.get_model("accounts", "RecoveryCode")
    TOTPDevice = apps.get_model("accounts", "TOTPDevice")
    StaticDevice = apps.get_model("otp_static", "StaticDevice")
    StaticToken = apps.get_model("otp_static", "StaticToken")
    for old in OldDevice.objects.order_by("pk").iterator():
        failed_at = None
        if old.failure_count and old.throttled_until is not None:
            failed_at = old.throttled_until - _delay(old.failure_count)
        device = TOTPDevice.objects.create(
            user_id=old.user_id,
            name="验证器",
            confirmed=True,
            secret_encrypted=old.secret_encrypted,
            last_t=old.last_used_step,
            throttling_failure_count=old.failure_count if failed_at else 0,
            throttling_failure_timestamp=failed_at,
        )
        TOTPDevice.objects.filter(pk=device.pk).update(created_at=old.created_at)
        codes = RecoveryCode.objects.filter(user_id=old.user_id, used_at__isnull=True)
        if codes.exists():
            static = StaticDevice.objects.create(
                user_id=old.user_id,
                name="恢复码",
                confirmed=True,
                throttling_failure_count=old.failure_count if failed_at else 0,
                throttling_failure_timestamp=failed_at,
            )
            StaticToken.objects.bulk_create(
                [StaticToken(device=static, token=code.code_hash[:16]) for code in codes]
            )


def backwards(apps, schema_editor):
    OldDevice = apps.get_model("accounts", "TwoFactorDevice")
    TOTPDevice = apps.get_model("accounts", "TOTPDevice")
    StaticDevice = apps.get_model("otp_static", "StaticDevice")
    for device in TOTPDevice.objects.order_by("pk").iterator():
        failures = device.throttling_failure_count
        failed_at = device.throttling_failure_timestamp
        OldDevice.objects.create(
            user_id=device.user_id,
            secret_encrypted=device.secret_encrypted,
            last_used_step=max(device.last_t, 0),
            failure_count=failures if failed_at else 0,
            throttled_until=failed_at + _delay(failures) if failed_at else None,
        )
    TOTPDevice.objects.all().delete()
    StaticDevice.objects.filter(user_id__in=OldDevice.objects.values("user_id")).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_otp_devices'),
        ('otp_static', '0003_add_timestamps'),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
