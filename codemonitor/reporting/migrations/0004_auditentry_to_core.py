"""The audit log moves to `core` (one log for every app): copy the entries, then drop the table.

Answers to `personal_data` questions were logged in clear before: they are copied as the log
writes them now — that they changed, with keyed digests — so no personal value survives the move.
"""

import ipaddress
import json

from django.db import migrations
from django.utils.crypto import salted_hmac


def _digest(value):
    # The same digest as codemonitor.core.audit.personal_digest (kept here: a migration must not
    # change when the application code does).
    if value is None or value == "" or value == []:
        return ""
    text = json.dumps(value, sort_keys=True, default=str)
    return salted_hmac("codemonitor.audit.personal", text).hexdigest()[:20]


def _network(ip):
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    return str(ipaddress.ip_network(f"{address}/{24 if address.version == 4 else 48}", strict=False))


def _scrubbed(action, data):
    """Entries written before personal data were kept out of the log, as they are written now."""
    if not isinstance(data, dict):
        return data
    data = {key: value for key, value in data.items() if key not in {"email", "telephone"}}
    if "ip" in data:
        data["network"] = _network(str(data.pop("ip")))
    return data


def _personal_questions(schema):
    found = set()

    def visit(nodes):
        for node in nodes:
            if node.get("personal"):
                found.add(node.get("name"))
            visit(node.get("children", []))

    visit(schema.get("children", []))
    return found


def copy_entries(apps, schema_editor):
    Old = apps.get_model("reporting", "AuditEntry")
    New = apps.get_model("core", "AuditEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not Old.objects.exists():
        return
    Report = apps.get_model("reporting", "Report")
    report_type, _ = ContentType.objects.get_or_create(app_label="reporting", model="report")
    personal_by_version = {}
    version_of = dict(Report.objects.values_list("pk", "instrument_version_id"))
    InstrumentVersion = apps.get_model("instruments", "InstrumentVersion")
    for version in InstrumentVersion.objects.all():
        personal_by_version[version.pk] = _personal_questions(version.schema)
    batch = []
    for old in Old.objects.order_by("pk").iterator(chunk_size=2000):
        data = old.data
        if (
            old.action == "report.answer.changed"
            and isinstance(data, dict)
            and data.get("question")
            in personal_by_version.get(version_of.get(old.report_id), ())
        ):
            data = {
                "question": data["question"],
                "row": data.get("row", ""),
                "personal": True,
                "old_digest": _digest(data.get("old")),
                "new_digest": _digest(data.get("new")),
            }
        data = _scrubbed(old.action, data)
        batch.append(
            New(
                action=old.action,
                actor_id=old.actor_id,
                # The account identifies who acted; its name (an address) is not copied.
                actor_label="" if old.actor_id else old.actor_label,
                at=old.at,
                target_type=report_type if old.report_id else None,
                target_id=old.report_id,
                data=data,
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
