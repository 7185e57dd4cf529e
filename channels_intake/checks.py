"""System checks: channel accounts missing what their kind needs (stable ids channels_intake.E00x)."""

from django.core.checks import Error, Tags, register
from django.db import DatabaseError

REQUIRED = {
    "meta": ("secret", "verify_token", "access_token", "external_id"),
    "whatsapp": ("secret", "verify_token", "access_token", "external_id"),
    "telegram": ("secret", "access_token"),
    "x": ("secret", "access_token", "external_id"),
    "webchat": (),
}


@register(Tags.database)
def check_channel_accounts(app_configs=None, databases=None, **kwargs):
    from .models import ChannelAccount

    if not databases or "default" not in databases:  # only `check --database default` reads the accounts
        return []
    errors = []
    try:
        accounts = list(ChannelAccount.objects.filter(is_active=True).select_related("office"))
    except DatabaseError:  # tables not migrated yet
        return errors
    for account in accounts:
        missing = [field for field in REQUIRED.get(account.kind, ()) if not getattr(account, field)]
        if missing:
            errors.append(
                Error(
                    f"Channel account {account.kind}/{account.slug} lacks: {', '.join(missing)}.",
                    hint="Set them in the admin or with `manage.py channel_account_add`.",
                    obj=f"{account.kind}/{account.slug}",
                    id="channels_intake.E001",
                )
            )
    return errors
