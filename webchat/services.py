"""The web chat: sessions for visitors who never log in, and their messages.

A visitor's message takes the same inbound path as every platform's: the web-chat adapter parses it, the
transport logs it durably (deduplicated) and the workflow files it; only it happens inside the request, so the
widget shows the message and the promise at once.
"""

import hashlib
import json
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from channels_intake.adapters import WebchatAdapter, get_adapter
from channels_intake.models import ChannelAccount
from channels_intake.services import inbound_message_file_now
from tickets.models import Message, Requester
from tickets.requesters import requester_register

from .models import WebchatSession


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def webchat_account_for_office(office_code: str) -> ChannelAccount:
    account = (
        ChannelAccount.objects.select_related("office")
        .filter(office__code=office_code, kind=WebchatAdapter.kind, is_active=True, office__is_active=True)
        .order_by("pk")
        .first()
    )
    if account is None:
        raise ValidationError({"office": _("This office has no web chat.")})
    return account


@transaction.atomic
def webchat_session_start(
    *,
    account: ChannelAccount,
    name: str = "",
    email: str = "",
    phone: str = "",
    language: str = "id",
    ip_address: str | None = None,
) -> tuple[WebchatSession, str]:
    """Open a web-chat session: a requester of its own and a token for the browser to keep."""
    token = secrets.token_urlsafe(32)
    requester = requester_register(
        account=account, channel=WebchatAdapter.kind, name=name, email=email, phone=phone, language=language
    )
    session = WebchatSession.objects.create(
        token_hash=_token_hash(token),
        account=account,
        requester=requester,
        language=requester.language,
        ip_address=ip_address,
    )
    return session, token


def webchat_language(value: str) -> str:
    """One of settings.LANGUAGES; Indonesian when unsure."""
    return value if value in {code for code, _name in settings.LANGUAGES} else "id"


@transaction.atomic
def webchat_session_language_set(*, session: WebchatSession, language: str) -> WebchatSession:
    """The visitor chose the widget's language: their session and their requester follow it, so the promise,
    the acknowledgement and every message we send them (the ticket number included) are in that language."""
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValidationError({"language": _("Choose Indonesian or English.")})
    before = session.language
    if before == language and session.requester.language == language:
        return session
    WebchatSession.objects.filter(pk=session.pk).update(language=language)
    Requester.objects.filter(pk=session.requester_id).update(language=language)
    session.language = session.requester.language = language
    audit_record(
        actor_label="requester",
        action="webchat.language",
        obj=session,
        office_code=session.account.office.code,
        changes={"before": {"language": before}, "after": {"language": language}},
    )
    return session


# A poll every few seconds must not write the row each time: last_seen_at moves at most once a minute.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


def webchat_session_for_token(token: str) -> WebchatSession | None:
    """The session of a token still in use; None for an unknown token or one idle for too long.

    A session expires after ``WEBCHAT_SESSION_IDLE_MINUTES`` without a request (a shared or lost device does not
    keep a conversation open for ever); every use moves ``last_seen_at``.
    """
    if not token:
        return None
    session = (
        WebchatSession.objects.select_related("account__office", "requester")
        .filter(token_hash=_token_hash(token))
        .first()
    )
    if session is None:
        return None
    now = timezone.now()
    if session.last_seen_at < now - timedelta(minutes=settings.WEBCHAT_SESSION_IDLE_MINUTES):
        return None
    if session.last_seen_at < now - LAST_SEEN_RESOLUTION:
        WebchatSession.objects.filter(pk=session.pk).update(last_seen_at=now)
        session.last_seen_at = now
    return session


def _filed(session: WebchatSession, key: str) -> Message | None:
    return Message.objects.filter(inquiry__account=session.account, platform_id=key).first()


@transaction.atomic
def webchat_message_post(*, session: WebchatSession, text: str, client_id: str = "") -> Message | None:
    """A visitor's message, filed now through the inbound path. `client_id` makes a retried POST a no-op.

    Returns the stored message; None when it is logged but could not be filed yet (the re-drive files it).
    """
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write a message first.")})
    limit = settings.WEBCHAT_MAX_MESSAGE_LENGTH
    if len(text) > limit:
        raise ValidationError({"text": _("A message is at most %(n)d characters.") % {"n": limit}})
    key = f"{session.pk}:{client_id[:100]}" if client_id else f"{session.pk}:{uuid.uuid4().hex}"
    body = {
        "id": key,
        "session": session.requester.external_id,
        "name": session.requester.display_name,
        "text": text,
        "sent_at": timezone.now().isoformat(),
        "office": session.account.office.code,
    }
    (message,) = get_adapter(WebchatAdapter.kind).parse(json.dumps(body).encode()).messages
    inbound_message_file_now(account=session.account, message=message)
    return _filed(session, key)
