"""The audit log moves to `core` (one log for every app): copy the entries, then drop the table."""

from django.db import migrations


def copy_entries(apps, schema_editor):
    Old = apps.get_model("reporting", "AuditEntry")
    New = apps.get_model("core", "AuditEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not Old.objects.exists():
        return
    report_type, _ = ContentType.objects.get_or_create(app_label="reporting", model="report")
    batch = []
    for old in Old.objects.order_by("pk").iterator(chunk_size=2000):
        batch.append(
            New(
                action=old.action,
                actor_id=old.actor_id,
                actor_label=old.actor_label,
                at=old.at,
                target_type=report_type if old.report_id else None,
                target_id=old.report_id,
                data=old.data,
            )
        )
        if len(batch) >= 2000:
            New.objects.bulk_create(batch)
            batch = []
    New.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0003_answer_carried_personalanswer_carried"),
        ("core", "0002_auditentry"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(copy_entries, migrations.RunPython.noop),
        migrations.DeleteModel(name="AuditEntry"),
    ]
