"""Channel accounts: creation and edits (audited, secrets never logged), and the lookups every request needs."""

import time

from django.conf import settings
from django.db import transaction

from audit.services import audit_record

from .adapters import Credentials, get_adapter
from .models import ChannelAccount

SECRET_FIELDS = ("secret", "verify_token", "access_token")
EDITABLE_FIELDS = ("office", "kind", "slug", "name", "external_id", *SECRET_FIELDS, "allowed_origins", "is_active")


def base_url_for(kind: str) -> str:
    """The platform's API base URL: the setting its adapter names when set, else the adapter's default.

    Read at call time, so tests (and a sandbox) can point a platform at a local server."""
    adapter = get_adapter(kind)
    configured = getattr(settings, adapter.base_url_setting, "") if adapter.base_url_setting else ""
    return configured or adapter.default_base_url


def account_credentials(account: ChannelAccount, *, external_id: str = "") -> Credentials:
    return Credentials(
        external_id=external_id or account.external_id,
        secret=account.secret,
        verify_token=account.verify_token,
        access_token=account.access_token,
    )


def _audit_changes(before: dict, account: ChannelAccount) -> dict:
    """What changed, secrets reduced to whether they are set (a secret is never written to the log)."""
    changes = {}
    for name in EDITABLE_FIELDS:
        old, new = before.get(name), getattr(account, name + "_id" if name == "office" else name)
        if old == new:
            continue
        changes[name + "_set" if name in SECRET_FIELDS else name] = bool(new) if name in SECRET_FIELDS else new
    return changes


@transaction.atomic
def channel_account_create(
    *,
    office,
    kind: str,
    slug: str,
    name: str = "",
    secret: str = "",
    verify_token: str = "",
    access_token: str = "",
    external_id: str = "",
    allowed_origins: str = "",
    is_active: bool = True,
    actor=None,
) -> ChannelAccount:
    account = ChannelAccount(
        office=office,
        kind=kind,
        slug=slug,
        name=name or f"{kind} {office.name}"[:120],
        secret=secret,
        verify_token=verify_token,
        access_token=access_token,
        external_id=external_id,
        allowed_origins=allowed_origins,
        is_active=is_active,
    )
    account.full_clean()
    account.save()
    audit_record(
        actor=actor,
        action="channel.create",
        obj=account,
        office_code=office.code,
        # Never the secrets themselves: only whether each is set.
        changes={"kind": kind, "slug": slug, "secret_set": bool(secret), "access_token_set": bool(access_token)},
    )
    webhook_account_cache_clear()
    return account


@transaction.atomic
def channel_account_update(*, account: ChannelAccount, actor=None, **fields) -> ChannelAccount:
    """Change an account (the admin's form). An empty secret keeps the stored one."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {', '.join(sorted(unknown))}")
    account = ChannelAccount.objects.select_for_update().get(pk=account.pk)
    before = {name: getattr(account, name + "_id" if name == "office" else name) for name in EDITABLE_FIELDS}
    for name, value in fields.items():
        if name in SECRET_FIELDS and not value:
            continue
        setattr(account, name, value)
    account.full_clean()
    account.save()
    audit_record(
        actor=actor,
        action="channel.update",
        obj=account,
        office_code=account.office.code,
        changes=_audit_changes(before, account),
    )
    webhook_account_cache_clear()
    return account


# --- Webhook accounts ----------------------------------------------------------------------------------------
ACCOUNT_CACHE_SECONDS = 30
_account_cache: dict[tuple[str, str], tuple[float, ChannelAccount | None]] = {}


def webhook_account(kind: str, slug: str) -> ChannelAccount | None:
    """The active account of a webhook URL, kept per process for a few seconds (every webhook needs it)."""
    now = time.monotonic()
    cached = _account_cache.get((kind, slug))
    if cached is not None and now - cached[0] < ACCOUNT_CACHE_SECONDS:
        return cached[1]
    account = (
        ChannelAccount.objects.select_related("office")
        .filter(kind=kind, slug=slug, is_active=True)
        .order_by("pk")
        .first()
    )
    _account_cache[(kind, slug)] = (now, account)
    return account


def webhook_account_cache_clear() -> None:
    _account_cache.clear()


def email_account_for(office) -> ChannelAccount:
    """The office's e-mail "account": what the outbox sends e-mail to requesters from (made on first use)."""
    account, _created = ChannelAccount.objects.get_or_create(
        kind="email", slug=f"email-{office.code}", defaults={"office": office, "name": "E-mail"}
    )
    return account
