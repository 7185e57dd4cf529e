"""A web-chat visitor's photo or PDF: checked and stored first, then filed as their message on the same inbound
path as every message (the web-chat adapter parses it, the transport logs it, the workflow files it and records
the file on the message, ``tickets.attachments``)."""

import json
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from channels_intake.adapters import WebchatAdapter, get_adapter
from channels_intake.services import inbound_message_file_now
from tickets.attachments import UPLOAD_PREFIX, file_discard, file_store
from tickets.models import Attachment, Message
from tickets.selectors import public_thread

from .models import WebchatSession


class UploadRefused(Exception):
    """The file cannot be accepted; ``code`` is the API's error code (too_large, unsupported_type, invalid)."""

    def __init__(self, code: str, message: str, field: str = "file") -> None:
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


CODES = {"size": "too_large", "type": "unsupported_type", "empty": "invalid"}


def webchat_attachment_post(*, session: WebchatSession, file, text: str = "", client_id: str = "") -> Message | None:
    """A visitor's file (an upload), with an optional caption, filed now as their message. A retried POST with the
    same ``client_id`` is a no-op (the file is not kept twice). None: logged, filed later by the re-drive."""
    text = (text or "").strip()
    limit = settings.WEBCHAT_MAX_MESSAGE_LENGTH
    if len(text) > limit:
        raise UploadRefused("invalid", _("A message is at most %(n)d characters.") % {"n": limit}, field="text")
    try:
        stored = file_store(file=file, name=getattr(file, "name", "") or "")
    except ValidationError as exc:
        raise UploadRefused(CODES.get(exc.code, "invalid"), " ".join(exc.messages)) from None
    key = f"{session.pk}:{client_id[:100]}" if client_id else f"{session.pk}:{uuid.uuid4().hex}"
    body = {
        "id": key,
        "session": session.requester.external_id,
        "name": session.requester.display_name,
        "text": text,
        "sent_at": timezone.now().isoformat(),
        "office": session.account.office.code,
        "attachments": [
            {
                "kind": "image" if stored.mime_type.startswith("image/") else "file",
                "platform_id": UPLOAD_PREFIX + stored.storage_name,
                "name": stored.name,
            }
        ],
    }
    (message,) = get_adapter(WebchatAdapter.kind).parse(json.dumps(body).encode()).messages
    if not inbound_message_file_now(account=session.account, message=message):
        file_discard(storage_name=stored.storage_name)  # the same POST again: its first file is the one kept
    return Message.objects.filter(inquiry__account=session.account, platform_id=key).prefetch_related("files").first()


def webchat_attachment_for(*, session: WebchatSession, attachment_id: int) -> Attachment | None:
    """A stored file of this session's own thread (its uploads, our delivered replies' files); else None."""
    return (
        Attachment.objects.filter(
            pk=attachment_id,
            status=Attachment.Status.STORED,
            message__in=public_thread(requester_id=session.requester_id),
        )
        .select_related("message")
        .first()
    )
