from django.db import migrations

from tickets.identifiers import mask_text  # a pure function: stable enough to use in a migration


def mask_previews(apps, schema_editor):
    """Previews stored before identifiers were masked in lists: mask them now."""
    Inquiry = apps.get_model("tickets", "Inquiry")
    for pk, preview in Inquiry.objects.exclude(preview="").values_list("pk", "preview").iterator(chunk_size=2000):
        masked = mask_text(preview)
        if masked != preview:
            Inquiry.objects.filter(pk=pk).update(preview=masked)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0006_message_outbound")]

    operations = [migrations.RunPython(mask_previews, migrations.RunPython.noop)]
