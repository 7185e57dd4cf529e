"""X (Twitter) direct messages through the Account Activity API.

The webhook answers a GET Challenge-Response Check (``crc_token``) with
``sha256=<base64 HMAC-SHA256(consumer secret, crc_token)>`` and every POST carries
``x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256(consumer secret, body)>``. A POST holds
the events of one subscribed user (``for_user_id``), including the DMs that user sent, which we
drop. Replies go to ``POST /2/dm_conversations/with/{participant_id}/messages``.

Docs: docs.x.com account activity (securing webhooks, data objects) and
docs.x.com/x-api/direct-messages (manage: create by participant id); the reference CRC
implementation is xdevplatform/account-activity-dashboard, helpers/security.js.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import requests

from .base import (
    ALWAYS_OPEN,
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
    SendResult,
    as_text,
    base64_signature,
    constant_time_equals,
    from_epoch,
    get_header,
    gettext_noop,
    handshake_refusal,
    load_json,
    member,
    optional_dict,
    optional_list,
    post_json,
    require_dict,
    send_chunks,
    split_text,
    to_float,
    web_media_url,
)

SIGNATURE_HEADER = "x-twitter-webhooks-signature"

_MEDIA_KIND = {"photo": "image", "video": "video", "animated_gif": "video"}

# Top-level keys of an Account Activity body that are not direct messages (besides the DM ones).
_ENVELOPE_KEYS = frozenset({"for_user_id", "users", "apps", "user_has_blocked", "is_blocked_by"})


# The CRC answer is an HMAC under the consumer secret, the key that also signs POST bodies, so answering any
# text would sign forged bodies on request. X's crc_token is a short URL-safe base64 string: only that is
# answered (no JSON body, which starts with "{" or "[", can pass).
CRC_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]+={0,2}")
CRC_TOKEN_LENGTH = (8, 100)


def crc_token_ok(crc_token: str) -> bool:
    low, high = CRC_TOKEN_LENGTH
    return low <= len(crc_token) <= high and CRC_TOKEN_PATTERN.fullmatch(crc_token) is not None


def crc_response_token(consumer_secret: str, crc_token: str) -> str:
    return base64_signature(consumer_secret, crc_token.encode("utf-8"))


class XAdapter:
    kind = "x"
    label = gettext_noop("X")
    channels = ("x",)
    text_limit = 10000
    receives_webhooks = True
    required_credentials = ("secret", "access_token", "external_id")
    base_url_setting = "X_API_URL"
    default_base_url = "https://api.x.com"
    reply_rule = ALWAYS_OPEN

    def handshake(self, creds: Credentials, query: Mapping[str, str]) -> HandshakeResponse:
        crc_token = query.get("crc_token")
        if not crc_token or not isinstance(crc_token, str) or not creds.secret:
            return FORBIDDEN
        if not crc_token_ok(crc_token):
            return handshake_refusal(400, "bad_crc_token", "crc_token must be 8 to 100 characters of URL-safe base64.")
        body = json.dumps({"response_token": crc_response_token(creds.secret, crc_token)})
        return HandshakeResponse(status=200, content_type="application/json", body=body.encode("utf-8"))

    def verify_signature(self, creds: Credentials, headers: Mapping[str, str], body: bytes) -> bool:
        given = get_header(headers, SIGNATURE_HEADER)
        if not isinstance(given, str) or not creds.secret:
            return False
        return constant_time_equals(given.strip(), base64_signature(creds.secret, body))

    def parse(self, body: bytes) -> ParseResult:
        payload = require_dict(load_json(body), "payload")
        for_user_id = as_text(payload.get("for_user_id"))
        users = member(payload, "users")
        messages: list[InboundMessage] = []
        ignored: list[str] = []
        for event in optional_list(payload, "direct_message_events", "direct_message_events"):
            event = require_dict(event, "direct_message_events[]")
            if event.get("type") != "message_create":
                ignored.append(as_text(event.get("type")) or "unknown")
                continue
            event_id = as_text(event.get("id"))
            if not event_id:
                raise PayloadError("direct message event without id")
            create = optional_dict(event, "message_create", "message_create")
            sender_id = as_text(create.get("sender_id"))
            if not sender_id:
                raise PayloadError("direct message event without sender_id")
            if for_user_id and sender_id == for_user_id:
                ignored.append("own_message")
                continue
            target = member(create, "target")
            data = member(create, "message_data")
            text, attachments = _content(data)
            if not text and not attachments:
                attachments = (Attachment(kind="other"),)
            user = member(users, sender_id)
            messages.append(
                InboundMessage(
                    dedupe_key=event_id,
                    sender_id=sender_id,
                    sender_name=as_text(user.get("name")),
                    text=text,
                    sent_at=from_epoch(event.get("created_timestamp")),
                    recipient_id=as_text(target.get("recipient_id")) or for_user_id,
                    channel="x",
                    attachments=attachments,
                )
            )
        typing = optional_list(payload, "direct_message_indicate_typing_events", "typing events")
        ignored.extend("typing" for _ in typing)
        reads = optional_list(payload, "direct_message_mark_read_events", "read events")
        ignored.extend("read" for _ in reads)
        dm_keys = {
            "direct_message_events",
            "direct_message_indicate_typing_events",
            "direct_message_mark_read_events",
        }
        ignored.extend(sorted(set(payload) - _ENVELOPE_KEYS - dm_keys))  # tweets, follows, likes...
        return ParseResult(messages=tuple(messages), ignored=tuple(ignored))

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
        url = f"{base_url.rstrip('/')}/2/dm_conversations/with/{quote(recipient_id, safe='')}/messages"
        headers = {"Authorization": f"Bearer {creds.access_token}"}

        def send_one(chunk: str) -> str:
            data = post_json(
                url,
                {"text": chunk},
                timeout=timeout,
                headers=headers,
                error_reason=_error_reason,
                retry_after=_rate_limit_reset,
                secrets=(creds.access_token,),
            )
            result = data.get("data") if isinstance(data, dict) else None
            return as_text(result.get("dm_event_id")) if isinstance(result, dict) else ""

        return send_chunks(split_text(text, self.text_limit)[skip:], send_one)

    def media_source(
        self, creds: Credentials, attachment: Attachment, *, base_url: str, timeout: float = 10.0
    ) -> MediaSource:
        """A DM's media (``media_url_https`` on ton.twitter.com) opens only with the account's own authorisation,
        the one replies go out with."""
        url = web_media_url(attachment.url)
        if not url:
            raise MediaFetchError("the direct message's media has no http(s) URL")
        headers = {"Authorization": f"Bearer {creds.access_token}"}
        return MediaSource(url=url, headers=headers, secrets=(creds.access_token,))


def _content(data: dict[str, Any]) -> tuple[str, tuple[Attachment, ...]]:
    text = as_text(data.get("text"))
    if "attachment" not in data:
        return text, ()
    attachment = member(data, "attachment")
    if attachment.get("type") == "media" and isinstance(attachment.get("media"), dict):
        media = attachment["media"]
        short_url = as_text(media.get("url"))
        if short_url and text.endswith(short_url):
            text = text[: -len(short_url)].rstrip()  # X appends the media's t.co link to the text
        return text, (
            Attachment(
                kind=_MEDIA_KIND.get(as_text(media.get("type")), "image"),
                url=as_text(media.get("media_url_https")) or as_text(media.get("media_url")),
                platform_id=as_text(media.get("id_str")) or as_text(media.get("id")),
            ),
        )
    if attachment.get("type") == "location" and isinstance(attachment.get("location"), dict):
        location = attachment["location"]
        point = member(member(location, "shared_coordinate"), "coordinates").get("coordinates")
        longitude, latitude = point if isinstance(point, list) and len(point) == 2 else (None, None)
        place_id = as_text(member(member(location, "shared_place"), "place").get("id"))
        return text, (
            Attachment(
                kind="location",
                latitude=to_float(latitude),
                longitude=to_float(longitude),
                platform_id=place_id,
            ),
        )
    return text, (Attachment(kind="other", name=as_text(attachment.get("type"))),)


def _error_reason(data: Any, response: requests.Response) -> str:
    if isinstance(data, dict):
        for key in ("detail", "title"):
            if isinstance(data.get(key), str) and data[key]:
                return data[key]
        errors = data.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            message = errors[0].get("message") or errors[0].get("detail")
            if isinstance(message, str) and message:
                return message
    return f"HTTP {response.status_code}"


def _rate_limit_reset(data: Any, response: requests.Response) -> float | None:
    """Retry-After wins (handled by the caller); else X's x-rate-limit-reset epoch seconds."""
    if response.headers.get("Retry-After"):
        return None
    reset = to_float(response.headers.get("x-rate-limit-reset"))
    return None if reset is None else max(0.0, reset - time.time())


adapter = XAdapter()
