"""WhatsApp Business Cloud API (``object: "whatsapp_business_account"``).

Same handshake and signature as the other Meta webhooks. Messages arrive batched in
``entry[].changes[].value.messages[]`` next to ``contacts[]`` (profile names) and
``metadata.phone_number_id`` (the business number that received them). Users who adopt a WhatsApp
username may arrive without ``from``: their business-scoped user id (BSUID) is in ``from_user_id``
and ``contacts[].user_id``. Replies go to ``POST /{phone_number_id}/messages``; a BSUID is
addressed with ``recipient`` instead of ``to`` (when both are sent, ``to`` wins).

Docs: developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages
and /documentation/business-messaging/whatsapp/business-scoped-user-ids.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from .base import (
    Attachment,
    Choice,
    Credentials,
    HandshakeResponse,
    InboundMessage,
    MediaFetchError,
    MediaSource,
    ParseResult,
    PayloadError,
    PermanentSendError,
    ReplyWindowRule,
    SendResult,
    as_text,
    from_epoch,
    get_json,
    gettext_noop,
    load_json,
    member,
    optional_dict,
    optional_list,
    post_json,
    require_dict,
    send_chunks,
    short_repr,
    split_text,
    to_float,
    web_media_url,
)
from .meta import (
    graph_error_code,
    graph_error_is_transient,
    graph_error_reason,
    meta_handshake,
    meta_signature_ok,
)

# A BSUID is an ISO 3166 alpha-2 country code, a period, then up to 128 alphanumerics
# (a parent BSUID has ENT. after the country code), e.g. US.13491208655302741918.
BSUID_PATTERN = re.compile(r"^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$")

_MEDIA_KIND = {"image": "image", "video": "video", "audio": "audio", "document": "file", "sticker": "sticker"}

# Message types that carry nothing for an agent to answer.
_IGNORED_TYPES = {"reaction": "reaction", "system": "system"}

# Some documented examples omit "type"; the content key tells it then.
_CONTENT_KEYS = (
    "text",
    "image",
    "video",
    "audio",
    "document",
    "sticker",
    "location",
    "button",
    "interactive",
    "contacts",
    "reaction",
    "system",
)


def is_bsuid(recipient_id: str) -> bool:
    return bool(BSUID_PATTERN.match(recipient_id))


class WhatsAppAdapter:
    kind = "whatsapp"
    label = gettext_noop("WhatsApp")
    channels = ("whatsapp",)
    text_limit = 4096
    receives_webhooks = True
    required_credentials = ("secret", "verify_token", "access_token", "external_id")
    base_url_setting = "META_GRAPH_URL"
    default_base_url = "https://graph.facebook.com/v25.0"
    # Outside the customer-service window only approved templates go out; we send free text only.
    reply_rule = ReplyWindowRule(
        free_form=timedelta(hours=24),
        closed_reason=gettext_noop(
            "WhatsApp accepts free-form replies only within 24 hours of the requester's last message; "
            "that window closed on %(at)s."
        ),
    )

    def handshake(self, creds: Credentials, query: Mapping[str, str]) -> HandshakeResponse:
        return meta_handshake(creds, query)

    def verify_signature(self, creds: Credentials, headers: Mapping[str, str], body: bytes) -> bool:
        return meta_signature_ok(creds, headers, body)

    def parse(self, body: bytes) -> ParseResult:
        payload = require_dict(load_json(body), "payload")
        if payload.get("object") != "whatsapp_business_account":
            raise PayloadError(f"unexpected object {short_repr(payload.get('object'))} for a WhatsApp webhook")
        messages: list[InboundMessage] = []
        ignored: list[str] = []
        for entry in optional_list(payload, "entry", "entry"):
            entry = require_dict(entry, "entry[]")
            for change in optional_list(entry, "changes", "entry[].changes"):
                change = require_dict(change, "changes[]")
                field = change.get("field", "messages")
                value = optional_dict(change, "value", "changes[].value")
                if field != "messages":
                    ignored.append(f"field:{as_text(field)[:40]}")
                    continue
                self._parse_value(value, messages, ignored)
        return ParseResult(messages=tuple(messages), ignored=tuple(ignored))

    def _parse_value(self, value: dict[str, Any], messages: list[InboundMessage], ignored: list[str]) -> None:
        metadata = optional_dict(value, "metadata", "value.metadata")
        recipient_id = as_text(metadata.get("phone_number_id"))
        names = _profile_names(optional_list(value, "contacts", "value.contacts"))
        ignored.extend("statuses" for _ in optional_list(value, "statuses", "value.statuses"))
        ignored.extend("errors" for _ in optional_list(value, "errors", "value.errors"))
        for raw in optional_list(value, "messages", "value.messages"):
            raw = require_dict(raw, "messages[]")
            message_type = as_text(raw.get("type")) or next((k for k in _CONTENT_KEYS if k in raw), "")
            if message_type in _IGNORED_TYPES:
                ignored.append(_IGNORED_TYPES[message_type])
                continue
            sender_id = as_text(raw.get("from")) or as_text(raw.get("from_user_id"))
            message_id = as_text(raw.get("id"))
            if not message_id or not sender_id:
                raise PayloadError("message without id, or without both from and from_user_id")
            text, attachments = _content(raw, message_type)
            if not text and not attachments:
                attachments = (Attachment(kind="other", name=message_type),)
            sender_name = (
                names.get(as_text(raw.get("from")))
                or names.get(as_text(raw.get("from_user_id")))
                or (next(iter(names.values())) if len(names) == 1 else "")
            )
            messages.append(
                InboundMessage(
                    dedupe_key=message_id,
                    sender_id=sender_id,
                    sender_name=sender_name,
                    text=text,
                    sent_at=from_epoch(raw.get("timestamp")),
                    recipient_id=recipient_id,
                    channel="whatsapp",
                    attachments=attachments,
                )
            )

    def send_text(
        self,
        creds: Credentials,
        recipient_id: str,
        text: str,
        *,
        base_url: str,
        timeout: float = 10.0,
        tag: str | None = None,
        skip: int = 0,
        choices: Sequence[Choice] = (),
    ) -> SendResult:
        url = f"{base_url.rstrip('/')}/{quote(creds.external_id, safe='')}/messages"
        headers = {"Authorization": f"Bearer {creds.access_token}"}
        address = {"recipient": recipient_id} if is_bsuid(recipient_id) else {"to": recipient_id}

        def send_one(chunk: str, action: dict | None = None) -> str:
            payload = {"messaging_product": "whatsapp", "recipient_type": "individual", **address}
            if action:  # an interactive list: the body is the text (at most 1,024 characters)
                payload.update(
                    type="interactive", interactive={"type": "list", "body": {"text": chunk}, "action": action}
                )
            else:
                payload.update(type="text", text={"body": chunk})
            data = post_json(
                url,
                payload,
                timeout=timeout,
                headers=headers,
                error_reason=graph_error_reason,
                error_code=graph_error_code,
                is_transient=graph_error_is_transient,
                secrets=(creds.access_token,),
            )
            sent = data.get("messages") if isinstance(data, dict) else None
            if isinstance(sent, list) and sent and isinstance(sent[0], dict):
                return as_text(sent[0].get("id"))
            return ""

        # A list message (up to 10 rows of 24-character titles): the reply comes back as an interactive
        # list_reply, parsed as the row's title.
        action = {
            "button": choices_button_label(),
            "sections": [{"rows": [{"id": c.id[:200], "title": c.title[:24]} for c in choices[:10]]}],
        }
        chunks = split_text(text, self.text_limit if not choices else min(self.text_limit, 1024))[skip:]
        return send_chunks(chunks, send_one, with_last=(lambda chunk: send_one(chunk, action)) if choices else None)

    def send_file(
        self,
        creds: Credentials,
        recipient_id: str,
        *,
        content: bytes,
        mime_type: str,
        name: str,
        base_url: str,
        timeout: float = 10.0,
    ) -> str:
        """Upload the file (``POST /{phone_number_id}/media``, multipart), then send it by the media id it got: a
        JPEG or PNG as an image, anything else as a document with its file name. Returns the message id."""
        base = f"{base_url.rstrip('/')}/{quote(creds.external_id, safe='')}"
        headers = {"Authorization": f"Bearer {creds.access_token}"}
        errors = {
            "error_reason": graph_error_reason,
            "error_code": graph_error_code,
            "is_transient": graph_error_is_transient,
            "secrets": (creds.access_token,),
        }
        uploaded = post_json(
            f"{base}/media",
            {"messaging_product": "whatsapp", "type": mime_type},
            files={"file": (name, content, mime_type)},
            timeout=timeout,
            headers=headers,
            **errors,
        )
        media_id = as_text(uploaded.get("id")) if isinstance(uploaded, dict) else ""
        if not media_id:
            raise PermanentSendError("WhatsApp gave no media id for the uploaded file")
        kind = "image" if mime_type in ("image/jpeg", "image/png") else "document"
        media = {"id": media_id} if kind == "image" else {"id": media_id, "filename": name}
        address = {"recipient": recipient_id} if is_bsuid(recipient_id) else {"to": recipient_id}
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", **address, "type": kind}
        payload[kind] = media
        data = post_json(f"{base}/messages", payload, timeout=timeout, headers=headers, **errors)
        sent = data.get("messages") if isinstance(data, dict) else None
        if isinstance(sent, list) and sent and isinstance(sent[0], dict):
            return as_text(sent[0].get("id"))
        return ""

    def media_source(
        self, creds: Credentials, attachment: Attachment, *, base_url: str, timeout: float = 10.0
    ) -> MediaSource:
        """The Cloud API gives a media id: ``GET /{media-id}`` (with the access token) answers a short-lived URL,
        which opens with the same token."""
        headers = {"Authorization": f"Bearer {creds.access_token}"}
        url = web_media_url(attachment.url)
        if attachment.platform_id:
            data = get_json(
                f"{base_url.rstrip('/')}/{quote(attachment.platform_id, safe='')}",
                timeout=timeout,
                headers=headers,
                secrets=(creds.access_token,),
            )
            url = web_media_url(as_text(data.get("url")))
        if not url:
            raise MediaFetchError("WhatsApp gave no download URL for this media")
        return MediaSource(url=url, headers=headers, secrets=(creds.access_token,))


def _profile_names(contacts: list[Any]) -> dict[str, str]:
    """wa_id and user_id (BSUID) -> profile name."""
    names: dict[str, str] = {}
    for contact in contacts:
        if not isinstance(contact, dict):
            continue
        profile = member(contact, "profile")
        name = as_text(profile.get("name"))
        if not name:
            continue
        for key in ("wa_id", "user_id"):
            if as_text(contact.get(key)):
                names[as_text(contact.get(key))] = name
    return names


def _content(raw: dict[str, Any], message_type: str) -> tuple[str, tuple[Attachment, ...]]:
    if message_type == "text":
        body = member(raw, "text")
        return as_text(body.get("body")), ()
    if message_type in _MEDIA_KIND:
        media = member(raw, message_type)
        caption = as_text(media.get("caption"))
        attachment = Attachment(
            kind=_MEDIA_KIND[message_type],
            url=as_text(media.get("url")),
            platform_id=as_text(media.get("id")),
            caption=caption,
            name=as_text(media.get("filename")),
        )
        return caption, (attachment,)
    if message_type == "location":
        location = member(raw, "location")
        attachment = Attachment(
            kind="location",
            url=as_text(location.get("url")),
            latitude=to_float(location.get("latitude")),
            longitude=to_float(location.get("longitude")),
            name=as_text(location.get("name")),
            caption=as_text(location.get("address")),
        )
        return "", (attachment,)
    if message_type == "button":
        button = member(raw, "button")
        return as_text(button.get("text")) or as_text(button.get("payload")), ()
    if message_type == "interactive":
        interactive = member(raw, "interactive")
        for key in ("button_reply", "list_reply"):
            reply = interactive.get(key)
            if isinstance(reply, dict):
                return as_text(reply.get("title")) or as_text(reply.get("id")), ()
        return "", ()
    if message_type == "contacts":
        shared = raw.get("contacts") if isinstance(raw.get("contacts"), list) else []
        names = [
            as_text((c.get("name") or {}).get("formatted_name"))
            for c in shared
            if isinstance(c, dict) and isinstance(c.get("name"), dict)
        ]
        return "", (Attachment(kind="other", name=", ".join(n for n in names if n) or "contacts"),)
    # unknown / unsupported / order / request_welcome ...: an "other" attachment is added upstream.
    return "", ()


adapter = WhatsAppAdapter()


def choices_button_label() -> str:
    """The list's button (at most 20 characters): Indonesian, the product's first language."""
    return "Pilih"
