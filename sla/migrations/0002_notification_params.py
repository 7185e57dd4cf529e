from django.db import migrations, models


class Migration(migrations.Migration):
    """Notifications become a kind and its parameters, rendered in the reader's language.

    Rows written before keep their finished sentence in `text` and are shown as they are: the sentence cannot be
    parsed back into a kind and parameters reliably (requester text inside was cut at 300 characters), and
    guessing would show some old notifications wrong in both languages.
    """

    dependencies = [
        ("sla", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="params",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name="notification",
            name="text",
            field=models.CharField(blank=True, default="", max_length=300),
        ),
    ]
