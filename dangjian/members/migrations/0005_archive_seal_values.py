"""Encrypt the ID numbers, phone numbers and addresses already in the archive's before/after.

Phone numbers and addresses were stored in clear; they are sealed (Fernet, as the member's
ID number) and the reverse opens them again. ID numbers were stored masked with the old mask
(region and the last four, which with the birth date gave the whole number): they are masked
again with the current mask before sealing; what was cut cannot come back, so the reverse
leaves them masked. Runs before 0006 turns the columns into SealedJSONField, so both
directions write through a plain JSONField.
"""

from django.db import migrations

from dangjian.core import crypto
from dangjian.core.fields import seal, unseal

KEYS = ("id_number", "phone", "address")


def _sealed(data):  # type: ignore[no-untyped-def]
    if not isinstance(data, dict):
        return data
    out = {}
    for key, value in data.items():
        if key in KEYS:
            if key == "id_number" and isinstance(value, str) and "*" in value:
                value = crypto.mask_id_number(value)
            value = seal(value)
        out[key] = value
    return out


def _opened(data):  # type: ignore[no-untyped-def]
    if not isinstance(data, dict):
        return data
    return {key: unseal(value) if key in KEYS else value for key, value in data.items()}


def _convert(apps, change):  # type: ignore[no-untyped-def]
    ArchiveEntry = apps.get_model("members", "ArchiveEntry")
    rows = ArchiveEntry.objects.only("pk", "before", "after").iterator(chunk_size=2000)
    for entry in rows:
        if not any(key in entry.before or key in entry.after for key in KEYS):
            continue
        before, after = change(entry.before), change(entry.after)
        if (before, after) != (entry.before, entry.after):
            ArchiveEntry.objects.filter(pk=entry.pk).update(before=before, after=after)


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    _convert(apps, _sealed)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    _convert(apps, _opened)


class Migration(migrations.Migration):
    dependencies = [("members", "0004_archive_kinds_transfer_mobile_certificate")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
