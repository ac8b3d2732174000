"""Sign-in failures are counted per (account name, IP address) pair, under a keyed digest."""

from django.db import migrations, models


def forget_counts(apps, schema_editor):
    # Counts per account name cannot become counts per pair: they start again from nothing.
    apps.get_model("accounts", "SignInThrottle").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_roles_and_two_factor"),
    ]

    operations = [
        migrations.RunPython(forget_counts, migrations.RunPython.noop),
        migrations.RemoveField(model_name="signinthrottle", name="username"),
        migrations.AddField(
            model_name="signinthrottle",
            name="key",
            field=models.CharField(default="", max_length=64, unique=True),
            preserve_default=False,
        ),
        # Going back, the rows go first too (the old column has no value to give them).
        migrations.RunPython(migrations.RunPython.noop, forget_counts),
    ]
