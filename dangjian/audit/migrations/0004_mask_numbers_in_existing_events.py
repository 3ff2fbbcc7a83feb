"""Mask the ID and mobile numbers that older events carry in clear in their summary or detail
(an export's filters held the searched number, for one).

Audit events are append-only: on PostgreSQL the trigger of 0003 is switched off for this one
update, inside the migration's transaction. What was cut cannot come back, so the reverse
does nothing.
"""

from django.db import migrations

from dangjian.core.crypto import mask_numbers_in, mask_numbers_in_text


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    AuditEvent = apps.get_model("audit", "AuditEvent")
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        schema_editor.execute(
            "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only"
        )
    for event in AuditEvent.objects.only("pk", "summary", "detail").iterator(chunk_size=2000):
        summary = mask_numbers_in_text(event.summary)
        detail = mask_numbers_in(event.detail)
        if (summary, detail) != (event.summary, event.detail):
            AuditEvent.objects.filter(pk=event.pk).update(summary=summary, detail=detail)
    if postgresql:
        schema_editor.execute(
            "ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_append_only"
        )


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_append_only_trigger")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]
