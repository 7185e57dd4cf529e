"""Facebook Messenger (``object: "page"``) and Instagram messaging (``object: "instagram"``).

Both come from the same Meta webhook machinery: a GET ``hub.*`` handshake, an
``X-Hub-Signature-256`` HMAC of the raw body with the app secret, and batches of
``entry[].messaging[]`` events. Replies go through the Send API, ``POST /{id}/messages``.

Docs: developers.facebook.com/documentation/business-messaging/messenger-platform/webhooks
(webhook-events/messages, message-reads, message-deliveries, message-echoes, message-reactions,
messaging_postbacks) and /documentation/instagram-platform/webhooks/examples.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import requests

from .base import (
    FORBIDDEN,
    Attachment,
    Choice,
    Credentials,
    HandshakeResponse,
    InboundMessage,
    MediaFetchError,
    MediaSource,
    ParseResult,
    PayloadError,
    ReplyWindowRule,
    SendResult,
    as_text,
    constant_time_equals,
    from_epoch,
    get_header,
    gettext_noop,
    hex_signature,
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

CHANNEL_BY_OBJECT = {"page": "messenger", "instagram": "instagram"}

_ATTACHMENT_KIND = {
    "image": "image",
    "video": "video",
    "audio": "audio",
    "file": "file",
    "location": "location",
    "sticker": "sticker",
}

# Events in entry[].messaging[] that carry no new message from the requester.
_NON_MESSAGE_EVENTS = (
    "read",
    "delivery",
    "reaction",
    "message_edit",
    "referral",
    "optin",
    "account_linking",
    "pass_thread_control",
    "take_thread_control",
    "request_thread_control",
    "app_roles",
    "policy_enforcement",
    "game_play",
)

# Graph API error codes that mean "slow down / try later" even when the HTTP status is 400.
_TRANSIENT_GRAPH_CODES = frozenset({1, 2, 4, 17, 32, 341, 613, 80007, 130429, 131056})


def meta_handshake(creds: Credentials, query: Mapping[str, str]) -> HandshakeResponse:
    """The GET verification shared by Messenger, Instagram and WhatsApp webhooks."""
    challenge = query.get("hub.challenge") or ""
    if (
        query.get("hub.mode") == "subscribe"
        and isinstance(challenge, str)
        and challenge
        and constant_time_equals(query.get("hub.verify_token"), creds.verify_token)
    ):
        return HandshakeResponse(status=200, content_type="text/plain", body=challenge.encode("utf-8", "replace"))
    return FORBIDDEN


def meta_signature_ok(creds: Credentials, headers: Mapping[str, str], body: bytes) -> bool:
    given = get_header(headers, "X-Hub-Signature-256")
    if not isinstance(given, str) or not creds.secret:
        return False
    return constant_time_equals(given.strip().lower(), hex_signature(creds.secret, body))


def graph_error(data: Any) -> dict[str, Any]:
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        return data["error"]
    return {}


def graph_error_reason(data: Any, response: requests.Response) -> str:
    error = graph_error(data)
    message = error.get("message")
    if isinstance(message, str) and message:
        extra = member(error, "error_data").get("details")
        return f"{message} ({extra})" if isinstance(extra, str) and extra and extra != message else message
    return f"HTTP {response.status_code}"


def graph_error_code(data: Any, response: requests.Response) -> str:
    return as_text(graph_error(data).get("code"))


def graph_error_is_transient(data: Any, response: requests.Response) -> bool:
    error = graph_error(data)
    code = error.get("code")
    return error.get("is_transient") is True or (isinstance(code, int) and code in _TRANSIENT_GRAPH_CODES)


class MetaAdapter:
    kind = "meta"
    label = gettext_noop("Meta (Messenger and Instagram)")
    channels = ("messenger", "instagram")
    text_limit = 2000
    receives_webhooks = True
    required_credentials = ("secret", "verify_token", "access_token", "external_id")
    base_url_setting = "META_GRAPH_URL"
    default_base_url = "https://graph.facebook.com/v25.0"
    # Messenger and Instagram: free-form replies for 24 hours, then 7 days with the HUMAN_AGENT tag.
    reply_rule = ReplyWindowRule(
        free_form=timedelta(hours=24),
        tagged=timedelta(days=7),
        tag="HUMAN_AGENT",
        closed_reason=gettext_noop(
            "Meta accepts replies only within 7 days of the requester's last message (HUMAN_AGENT tag); "
            "that window closed on %(at)s."
        ),
    )

    def handshake(self, creds: Credentials, query: Mapping[str, str]) -> HandshakeResponse:
        return meta_handshake(creds, query)

    def verify_signature(self, creds: Credentials, headers: Mapping[str, str], body: bytes) -> bool:
        return meta_signature_ok(creds, headers, body)

    def parse(self, body: bytes) -> ParseResult:
        payload = require_dict(load_json(body), "payload")
        channel = CHANNEL_BY_OBJECT.get(as_text(payload.get("object")))
        if channel is None:
            raise PayloadError(f"unexpected object {short_repr(payload.get('object'))} for a Meta messaging webhook")
        messages: list[InboundMessage] = []
        ignored: list[str] = []
        for entry in optional_list(payload, "entry", "entry"):
            entry = require_dict(entry, "entry[]")
            for event in optional_list(entry, "messaging", "entry[].messaging"):
                self._parse_event(require_dict(event, "messaging[]"), channel, entry, messages, ignored)
            # Events delivered to an app that does not hold the thread (handover protocol).
            ignored.extend("standby" for _ in optional_list(entry, "standby", "entry[].standby"))
            for change in optional_list(entry, "changes", "entry[].changes"):
                field = as_text(change.get("field")) if isinstance(change, dict) else ""
                ignored.append(f"changes:{field}" if field else "changes")
        return ParseResult(messages=tuple(messages), ignored=tuple(ignored))

    def _parse_event(
        self,
        event: dict[str, Any],
        channel: str,
        entry: dict[str, Any],
        messages: list[InboundMessage],
        ignored: list[str],
    ) -> None:
        sender_id = as_text(optional_dict(event, "sender", "sender").get("id"))
        recipient_id = as_text(optional_dict(event, "recipient", "recipient").get("id"))
        recipient_id = recipient_id or as_text(entry.get("id"))
        sent_at = from_epoch(event.get("timestamp"))

        if "message" in event:
            message = require_dict(event["message"], "message")
            if message.get("is_echo"):
                ignored.append("echo")
                return
            if message.get("is_deleted"):
                ignored.append("deleted")
                return
            mid = as_text(message.get("mid"))
            if not mid or not sender_id:
                raise PayloadError("message without mid or sender id")
            raw_attachments = optional_list(message, "attachments", "message.attachments")
            attachments = _without_repeated_stickers(
                _attachment(require_dict(a, "attachment")) for a in raw_attachments
            )
            text = message.get("text") if isinstance(message.get("text"), str) else ""
            if not text and not attachments:
                # is_unsupported, or a shape we do not know yet: keep it visible to an agent.
                attachments = (Attachment(kind="other"),)
            messages.append(
                InboundMessage(
                    dedupe_key=mid,
                    sender_id=sender_id,
                    sender_name="",
                    text=text,
                    sent_at=sent_at,
                    recipient_id=recipient_id,
                    channel=channel,
                    attachments=attachments,
                )
            )
            return

        if "postback" in event:
            postback = require_dict(event["postback"], "postback")
            if not sender_id:
                raise PayloadError("postback without sender id")
            title = as_text(postback.get("title")) or as_text(postback.get("payload"))
            mid = as_text(postback.get("mid")) or f"postback:{sender_id}:{as_text(event.get('timestamp'))}"
            messages.append(
                InboundMessage(
                    dedupe_key=mid,
                    sender_id=sender_id,
                    sender_name="",
                    text=title,
                    sent_at=sent_at,
                    recipient_id=recipient_id,
                    channel=channel,
                    attachments=() if title else (Attachment(kind="other"),),
                )
            )
            return

        for name in _NON_MESSAGE_EVENTS:
            if name in event:
                ignored.append(name)
                return
        unknown = sorted(set(event) - {"sender", "recipient", "timestamp"})
        ignored.append(unknown[0] if unknown else "empty")

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

        def send_one(chunk: str, quick_replies: list | None = None) -> str:
            payload: dict[str, Any] = {"recipient": {"id": recipient_id}}
            if tag:
                payload["messaging_type"] = "MESSAGE_TAG"
                payload["tag"] = tag
            else:
                payload["messaging_type"] = "RESPONSE"
            payload["message"] = {"text": chunk}
            if quick_replies:
                payload["message"]["quick_replies"] = quick_replies
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
            return as_text(data.get("message_id")) if isinstance(data, dict) else ""

        # Quick replies (at most 13, titles of 20 characters): a tap sends the title as the message's text.
        quick = [
            {"content_type": "text", "title": choice.title[:20], "payload": choice.id[:1000]} for choice in choices[:13]
        ]
        return send_chunks(
            split_text(text, self.text_limit)[skip:],
            send_one,
            with_last=(lambda chunk: send_one(chunk, quick)) if quick else None,
        )

    def media_source(
        self, creds: Credentials, attachment: Attachment, *, base_url: str, timeout: float = 10.0
    ) -> MediaSource:
        """Messenger and Instagram put a signed CDN URL in the attachment's payload: it opens without a token."""
        url = web_media_url(attachment.url)
        if not url:
            raise MediaFetchError("the attachment has no http(s) URL")
        return MediaSource(url=url)


def _without_repeated_stickers(attachments: Iterable[Attachment]) -> tuple[Attachment, ...]:
    """Until Aug 2026 Meta sends one sticker twice, as "sticker" and as "image" with the same id."""
    kept: list[Attachment] = []
    seen: set[str] = set()
    for attachment in attachments:
        if attachment.kind == "sticker":
            if attachment.platform_id in seen:
                continue
            seen.add(attachment.platform_id)
        kept.append(attachment)
    return tuple(kept)


def _attachment(raw: dict[str, Any]) -> Attachment:
    kind = as_text(raw.get("type"))
    payload = member(raw, "payload")
    url = as_text(payload.get("url"))
    sticker_id = as_text(payload.get("sticker_id"))
    if sticker_id:
        # Until Aug 2026 stickers arrive both as "sticker" and as "image" with a sticker_id.
        return Attachment(kind="sticker", url=url, platform_id=sticker_id)
    if kind == "location":
        coordinates = member(payload, "coordinates")
        return Attachment(
            kind="location",
            url=url,
            latitude=to_float(coordinates.get("lat")),
            longitude=to_float(coordinates.get("long")),
            name=as_text(raw.get("title")),
        )
    mapped = _ATTACHMENT_KIND.get(kind)
    if mapped:
        return Attachment(kind=mapped, url=url, platform_id=as_text(payload.get("attachment_id")))
    # fallback (shared link), reel, ig_reel, post, ig_post, share, story_mention, template...
    return Attachment(
        kind="other",
        url=url,
        platform_id=as_text(payload.get("id") or payload.get("reel_video_id")),
        name=as_text(payload.get("title") or raw.get("title") or kind),
    )


adapter = MetaAdapter()
