"""The table of the database cache (CACHE_URL empty), created on every `migrate`.

Django's `createcachetable` command does the work, with the table named explicitly: the table
then exists whatever CACHE_URL says when `migrate` runs, so a machine switched later from Redis
to the database cache finds it; the command is idempotent. pytest-django builds its test
database by migrating, so the tests get the table too.
"""

from django.core.management import call_command
from django.db import migrations

TABLE = "codemonitor_cache"


def create(apps, schema_editor):
    call_command("createcachetable", TABLE, database=schema_editor.connection.alias, verbosity=0)


def drop(apps, schema_editor):
    if TABLE in schema_editor.connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0002_auditentry"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
