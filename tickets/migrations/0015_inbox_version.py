"""The inbox's change version per office, raised by database triggers (tickets/live.py explains what and why)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from tickets import live

    live.install(schema_editor.connection)


def backwards(apps, schema_editor):
    from tickets import live

    live.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0014_survey"),
        ("sla", "0002_notification_params"),
        ("offices", "0002_timezone_choices"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
