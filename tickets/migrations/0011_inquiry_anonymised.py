from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tickets", "0010_report_columns")]

    operations = [
        migrations.AddField(
            model_name="inquiry",
            name="anonymised_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="anonymised"),
        ),
    ]
