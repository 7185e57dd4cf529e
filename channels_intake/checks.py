"""System checks: channel accounts missing what their kind needs (stable ids channels_intake.E00x).

What a kind needs is declared by its adapter (``required_credentials``).
"""

from django.core.checks import Error, Tags, register
from django.db import DatabaseError

from .adapters import get_adapter, registry
from .models import ChannelAccount


def missing_credentials(account: ChannelAccount) -> list[str]:
    """The fields this account's platform needs that are still empty."""
    if account.kind not in registry:
        return []
    return [name for name in get_adapter(account.kind).required_credentials if not getattr(account, name)]


@register(Tags.database)
def check_channel_accounts(app_configs=None, databases=None, **kwargs):
    if not databases or "default" not in databases:  # only `check --database default` reads the accounts
        return []
    errors = []
    try:
        accounts = list(ChannelAccount.objects.filter(is_active=True).select_related("office"))
    except DatabaseError:  # tables not migrated yet
        return errors
    for account in accounts:
        missing = missing_credentials(account)
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
