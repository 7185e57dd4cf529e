# Its own migration: on PostgreSQL, altering the column in the transaction that back-filled it would meet the
# back-fill's pending foreign-key trigger events.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('complaints', '0002_complaints_workspace'),
    ]

    operations = [
        migrations.AlterField(
            model_name='complaint',
            name='handling_office',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='handled_complaints', to='offices.office', verbose_name='handled by the compliance unit of'),
        ),
    ]
