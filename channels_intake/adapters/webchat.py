"""Our own web-chat widget.

The widget API authenticates visitors by session token before a body reaches this adapter, so
there is no handshake and no signature; and replies are not pushed anywhere, because the widget
polls our database, so sending is a no-op that succeeds.

Body: ``{"id": "<client message id>", "session": "<session id>", "text": "...", "name": "",
"sent_at": "<optional ISO 8601>", "office": "<optional office code>", "attachments": [{"kind": "image",
"platform_id": "upload:<stored name>", "name": "invoice.pdf"}]}``, built by ``webchat.services`` and
``webchat.attachments`` (a visitor's file is checked and stored before its message is built; ``attachments`` is
optional).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from .base import (
    ALWAYS_OPEN,
    Attachment,
    Choice,
    Credentials,
    HandshakeResponse,
    InboundMessage,
    ParseResult,
    PayloadError,
    SendResult,
    gettext_noop,
    load_json,
    require_dict,
    short_repr,
)


class WebchatAdapter:
    kind = "webchat"
    label = gettext_noop("Web chat")
    channels = ("webchat",)
    text_limit = 10000
    receives_webhooks = False  # the widget API (webchat/) files its messages through this adapter
    required_credentials = ()
    base_url_setting = ""
    default_base_url = ""
    reply_rule = ALWAYS_OPEN

    def handshake(self, creds: Credentials, query: Mapping[str, str]) -> HandshakeResponse | None:
        return None

    def verify_signature(self, creds: Credentials, headers: Mapping[str, str], body: bytes) -> bool:
        return True

    def parse(self, body: bytes) -> ParseResult:
        payload = require_dict(load_json(body), "payload")
        message_id, session = payload.get("id"), payload.get("session")
        if not isinstance(message_id, str) or not message_id:
            raise PayloadError("id must be a non-empty string")
        if not isinstance(session, str) or not session:
            raise PayloadError("session must be a non-empty string")
        text = payload.get("text", "")
        name = payload.get("name") or ""
        office = payload.get("office") or ""
        if not isinstance(text, str) or not isinstance(name, str) or not isinstance(office, str):
            raise PayloadError("text, name and office must be strings")
        files = _uploads(payload.get("attachments"))
        return ParseResult(
            messages=(
                InboundMessage(
                    dedupe_key=message_id,
                    sender_id=session,
                    sender_name=name.strip(),
                    text=text,
                    sent_at=_sent_at(payload.get("sent_at")),
                    recipient_id=office,
                    channel="webchat",
                    attachments=files or (() if text.strip() else (Attachment(kind="other"),)),
                ),
            )
        )

    def send_text(
        self,
        creds: Credentials,
        recipient_id: str,
        text: str,
        *,
        base_url: str = "",
        timeout: float = 10.0,
        tag: str | None = None,
        skip: int = 0,
        choices: Sequence[Choice] = (),
    ) -> SendResult:
        return SendResult(platform_ids=())

    def send_file(
        self,
        creds: Credentials,
        recipient_id: str,
        *,
        content: bytes,
        mime_type: str,
        name: str,
        base_url: str = "",
        timeout: float = 10.0,
    ) -> str:
        """Nothing to push: the visitor downloads the file from the thread the widget polls."""
        return ""


def _uploads(value: object) -> tuple[Attachment, ...]:
    """The files of a widget message (``webchat.attachments`` stored them first): image or file, by reference."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise PayloadError("attachments must be a list")
    found = []
    for item in value:
        if not isinstance(item, dict) or item.get("kind") not in ("image", "file"):
            raise PayloadError("each attachment is an object of kind image or file")
        reference, name = item.get("platform_id"), item.get("name") or ""
        if not isinstance(reference, str) or not reference or not isinstance(name, str):
            raise PayloadError("an attachment needs its platform_id and a string name")
        found.append(Attachment(kind=item["kind"], platform_id=reference, name=name))
    return tuple(found)


def _sent_at(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise PayloadError("sent_at must be an ISO 8601 string")
    try:
        when = datetime.fromisoformat(value)
        return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    except (ValueError, OverflowError):  # OverflowError: year 1 with a positive offset has no UTC
        raise PayloadError(f"sent_at is not an ISO 8601 time: {short_repr(value)}") from None


adapter = WebchatAdapter()
