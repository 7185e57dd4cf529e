"""Telegram Bot API webhooks.

There is no GET handshake: the webhook is registered with ``setWebhook(secret_token=...)`` and
Telegram then sends that value in ``X-Telegram-Bot-Api-Secret-Token`` with every update, one
update per request. Replies go to ``POST /bot<token>/sendMessage``; the token sits in the URL, so
it is scrubbed from every error this module raises.

Docs: core.telegram.org/bots/api (Update, Message, setWebhook, sendMessage, ResponseParameters)
and core.telegram.org/bots/webhooks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import requests

from .base import (
    ALWAYS_OPEN,
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
    SendError,
    SendResult,
    TransientSendError,
    as_text,
    constant_time_equals,
    from_epoch,
    get_header,
    get_json,
    gettext_noop,
    load_json,
    member,
    optional_dict,
    post_json,
    require_dict,
    send_chunks,
    split_text,
    to_float,
    utf16_length,
)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

# Service messages: something happened in the chat, nobody wrote to us.
_SERVICE_KEYS = frozenset(
    {
        "new_chat_members",
        "left_chat_member",
        "new_chat_title",
        "new_chat_photo",
        "delete_chat_photo",
        "group_chat_created",
        "supergroup_chat_created",
        "channel_chat_created",
        "message_auto_delete_timer_changed",
        "migrate_to_chat_id",
        "migrate_from_chat_id",
        "pinned_message",
        "successful_payment",
        "users_shared",
        "chat_shared",
        "write_access_allowed",
        "proximity_alert_triggered",
        "boost_added",
        "chat_background_set",
        "forum_topic_created",
        "forum_topic_edited",
        "forum_topic_closed",
        "forum_topic_reopened",
        "general_forum_topic_hidden",
        "general_forum_topic_unhidden",
        "video_chat_scheduled",
        "video_chat_started",
        "video_chat_ended",
        "video_chat_participants_invited",
        "web_app_data",
    }
)

_FILE_KINDS = (
    ("animation", "video"),
    ("video", "video"),
    ("video_note", "video"),
    ("voice", "audio"),
    ("audio", "audio"),
    ("document", "file"),
    ("sticker", "sticker"),
)


class TelegramAdapter:
    kind = "telegram"
    label = gettext_noop("Telegram")
    channels = ("telegram",)
    text_limit = 4096  # UTF-16 code units, which is how Telegram counts
    receives_webhooks = True
    required_credentials = ("secret", "access_token")
    base_url_setting = "TELEGRAM_API_URL"
    default_base_url = "https://api.telegram.org"
    reply_rule = ALWAYS_OPEN

    def handshake(self, creds: Credentials, query: Mapping[str, str]) -> HandshakeResponse | None:
        return None

    def verify_signature(self, creds: Credentials, headers: Mapping[str, str], body: bytes) -> bool:
        return constant_time_equals(get_header(headers, SECRET_HEADER), creds.secret)

    def parse(self, body: bytes) -> ParseResult:
        update = require_dict(load_json(body), "update")
        update_id = update.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            raise PayloadError("update without an integer update_id")
        if "message" not in update:
            kinds = sorted(set(update) - {"update_id"})
            return ParseResult(ignored=(kinds[0] if kinds else "empty",))
        message = require_dict(update["message"], "message")
        sender = message.get("from")
        if not isinstance(sender, dict):
            return ParseResult(ignored=("anonymous",))  # sent on behalf of a chat, no user to answer
        if sender.get("is_bot"):
            return ParseResult(ignored=("bot",))
        if _SERVICE_KEYS & set(message):
            return ParseResult(ignored=("service",))
        chat = optional_dict(message, "chat", "message.chat")

        text = as_text(message.get("text")) or as_text(message.get("caption"))
        attachments = _attachments(message)
        if not text and not attachments:
            attachments = (Attachment(kind="other"),)
        sender_id = as_text(sender.get("id"))
        if not sender_id:
            raise PayloadError("message.from without id")
        chat_id = as_text(chat.get("id"))
        return ParseResult(
            messages=(
                InboundMessage(
                    dedupe_key=str(update_id),
                    sender_id=sender_id,
                    sender_name=_display_name(sender),
                    text=text,
                    sent_at=from_epoch(message.get("date")),
                    recipient_id="",  # the update does not name the bot; the webhook URL does
                    channel="telegram",
                    attachments=attachments,
                    reply_to_id=chat_id if chat_id and chat_id != sender_id else "",
                    language=as_text(sender.get("language_code"))[:16],
                ),
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
        url = f"{base_url.rstrip('/')}/bot{quote(creds.access_token, safe=':')}/sendMessage"

        def send_one(chunk: str, markup: dict | None = None) -> str:
            payload: dict[str, Any] = {"chat_id": recipient_id, "text": chunk}
            if markup:
                payload["reply_markup"] = markup
            data = post_json(
                url,
                payload,
                timeout=timeout,
                error_reason=_error_reason,
                error_code=_error_code,
                retry_after=_retry_after,
                secrets=(creds.access_token, quote(creds.access_token, safe=":")),
            )
            if isinstance(data, dict) and data.get("ok") is False:
                # Telegram pairs error_code with the HTTP status, but do not trust a 200 blindly.
                raise _error_from_body(data)
            result = data.get("result") if isinstance(data, dict) else None
            return as_text(result.get("message_id")) if isinstance(result, dict) else ""

        # A one-time reply keyboard: a press sends the button's text as the requester's ordinary message.
        keyboard = {
            "keyboard": [[{"text": choice.title}] for choice in choices],
            "one_time_keyboard": True,
            "resize_keyboard": True,
        }
        return send_chunks(
            split_text(text, self.text_limit, length=utf16_length)[skip:],
            send_one,
            with_last=(lambda chunk: send_one(chunk, keyboard)) if choices else None,
        )

    def media_source(
        self, creds: Credentials, attachment: Attachment, *, base_url: str, timeout: float = 10.0
    ) -> MediaSource:
        """``getFile`` turns the message's file_id into a file_path, downloaded from ``/file/bot<token>/<path>``
        (the token is in both URLs: scrubbed from every error)."""
        if not attachment.platform_id:
            raise MediaFetchError("the Telegram attachment has no file_id")
        token = quote(creds.access_token, safe=":")
        secrets = (creds.access_token, token)
        data = get_json(
            f"{base_url.rstrip('/')}/bot{token}/getFile",
            params={"file_id": attachment.platform_id},
            timeout=timeout,
            secrets=secrets,
        )
        result = data.get("result") if data.get("ok") is not False else None
        file_path = as_text(result.get("file_path")) if isinstance(result, dict) else ""
        if not file_path or ".." in file_path.split("/"):
            raise MediaFetchError(as_text(data.get("description")) or "getFile gave no file_path")
        return MediaSource(
            url=f"{base_url.rstrip('/')}/file/bot{token}/{quote(file_path, safe='/')}",
            secrets=secrets,
            name=file_path.rsplit("/", 1)[-1],
        )

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
        """One file as multipart: a JPEG or PNG with ``sendPhoto`` (shown as a photo), anything else with
        ``sendDocument``. Returns the platform's message id."""
        photo = mime_type in ("image/jpeg", "image/png")
        method, field = ("sendPhoto", "photo") if photo else ("sendDocument", "document")
        token = quote(creds.access_token, safe=":")
        data = post_json(
            f"{base_url.rstrip('/')}/bot{token}/{method}",
            {"chat_id": recipient_id},
            files={field: (name, content, mime_type)},
            timeout=timeout,
            error_reason=_error_reason,
            error_code=_error_code,
            retry_after=_retry_after,
            secrets=(creds.access_token, token),
        )
        if isinstance(data, dict) and data.get("ok") is False:
            raise _error_from_body(data)
        result = data.get("result") if isinstance(data, dict) else None
        return as_text(result.get("message_id")) if isinstance(result, dict) else ""


def _display_name(user: dict[str, Any]) -> str:
    return _full_name(user) or as_text(user.get("username"))


def _full_name(person: dict[str, Any]) -> str:
    parts = (as_text(person.get("first_name")), as_text(person.get("last_name")))
    return " ".join(part for part in parts if part)


def _attachments(message: dict[str, Any]) -> tuple[Attachment, ...]:
    caption = as_text(message.get("caption"))
    found: list[Attachment] = []
    photo = message.get("photo")
    if isinstance(photo, list) and photo:
        sizes = [size for size in photo if isinstance(size, dict)]
        if sizes:
            largest = max(sizes, key=_photo_size)
            file_id = as_text(largest.get("file_id"))
            found.append(Attachment(kind="image", platform_id=file_id, caption=caption))
    for key, kind in _FILE_KINDS:
        item = message.get(key)
        if isinstance(item, dict):
            file_id = as_text(item.get("file_id"))
            name = as_text(item.get("file_name")) or as_text(item.get("title")) or as_text(item.get("emoji"))
            found.append(Attachment(kind=kind, platform_id=file_id, caption=caption, name=name))
            if key == "animation":
                break  # an animation message repeats itself as a document
    venue, location = member(message, "venue"), member(message, "location")
    if venue or location:
        place = member(venue, "location") or location
        found.append(
            Attachment(
                kind="location",
                latitude=to_float(place.get("latitude")),
                longitude=to_float(place.get("longitude")),
                name=as_text(venue.get("title")),
                caption=as_text(venue.get("address")),
            )
        )
    contact = message.get("contact")
    if isinstance(contact, dict):
        found.append(Attachment(kind="other", name=_full_name(contact) or "contact"))
    for key in ("poll", "dice", "game", "invoice", "story", "paid_media", "giveaway"):
        if key in message:
            found.append(Attachment(kind="other", name=key))
    return tuple(found)


def _photo_size(size: dict[str, Any]) -> tuple[float, float]:
    area = (to_float(size.get("width")) or 0) * (to_float(size.get("height")) or 0)
    return (to_float(size.get("file_size")) or 0, area)


def _error_reason(data: Any, response: requests.Response) -> str:
    if isinstance(data, dict) and isinstance(data.get("description"), str):
        return data["description"]
    return f"HTTP {response.status_code}"


def _error_code(data: Any, response: requests.Response) -> str:
    return as_text(data.get("error_code")) if isinstance(data, dict) else ""


def _retry_after(data: Any, response: requests.Response | None = None) -> float | None:
    parameters = data.get("parameters") if isinstance(data, dict) else None
    if isinstance(parameters, dict):
        return to_float(parameters.get("retry_after"))
    return None


def _error_from_body(data: dict[str, Any]) -> SendError:
    reason = as_text(data.get("description")) or "Telegram answered ok: false"
    code = data.get("error_code")
    status = code if isinstance(code, int) and not isinstance(code, bool) else None
    if status is not None and (status == 429 or status >= 500):
        return TransientSendError(reason, retry_after=_retry_after(data), status=status, code=as_text(code))
    return PermanentSendError(reason, status=status, code=as_text(code))


adapter = TelegramAdapter()
