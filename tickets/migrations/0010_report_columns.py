from django.db import migrations, models


class Migration(migrations.Migration):
    """The period reports' index (supervision.reports): an office's inquiries by receipt, covering the columns the
    aggregates read (PostgreSQL; SQLite keeps the plain two-column index)."""

    dependencies = [("tickets", "0009_attachments")]

    operations = [
        migrations.AddIndex(
            model_name="inquiry",
            index=models.Index(
                fields=["office", "received_at"],
                include=[
                    "id",
                    "account",
                    "assigned_to",
                    "late_arrival",
                    "response_status",
                    "response_due",
                    "response_met_at",
                    "response_met_by",
                    "response_working_seconds",
                    "resolution_status",
                    "resolution_due",
                ],
                name="inquiry_office_received",
            ),
        ),
    ]
