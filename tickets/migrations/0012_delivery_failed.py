from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tickets", "0011_inquiry_anonymised")]

    operations = [
        migrations.AddField(
            model_name="inquiry",
            name="delivery_failed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="reply failed"),
        ),
    ]
