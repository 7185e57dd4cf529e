from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0013_inquiry_rating"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="inquiry",
            index=models.Index(
                condition=models.Q(("survey_status", "sent")),
                fields=["requester", "survey_sent_at"],
                name="inquiry_survey_sent",
            ),
        ),
        migrations.AddIndex(
            model_name="inquiry",
            index=models.Index(
                condition=models.Q(("status", "closed"), ("survey_status", "")),
                fields=["closed_at"],
                name="inquiry_survey_unasked",
            ),
        ),
    ]
