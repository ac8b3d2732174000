"""Stored stakeholder forms declare their report fields, as the `report_field` column now does.

Before this column, the entity's name, its consent and the contact address were found by the
question names `entity_name`, `publish_name` and `email`; versions stored then keep working.
"""

from django.db import migrations

IMPLIED = {"entity_name": "entity_name", "publish_name": "entity_name_consent", "email": "contact_email"}


def declare(apps, schema_editor):
    InstrumentVersion = apps.get_model("instruments", "InstrumentVersion")
    for version in InstrumentVersion.objects.filter(instrument__kind="stakeholder"):
        schema = version.schema
        changed = False

        def visit(nodes):
            nonlocal changed
            for node in nodes:
                if node.get("name") in IMPLIED and not node.get("report_field"):
                    node["report_field"] = IMPLIED[node["name"]]
                    changed = True
                visit(node.get("children", []))

        visit(schema.get("children", []))
        if changed:
            version.schema = schema
            version.save(update_fields=["schema"])


class Migration(migrations.Migration):
    dependencies = [("instruments", "0001_initial")]

    operations = [migrations.RunPython(declare, migrations.RunPython.noop)]
