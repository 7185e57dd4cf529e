"""What every platform adapter shares: the data it produces, the protocol it follows, its errors.

Pure Python plus ``requests``: nothing here may import Django or a model, so the adapters can be
tested (and reasoned about) without a database. Adapters parse and talk HTTP; they never create
inquiries.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http.cookiejar import DefaultCookiePolicy
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

import requests

# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------

ATTACHMENT_KINDS = frozenset({"image", "file", "audio", "video", "location", "sticker", "other"})
# The sub-channels messages may carry: filled by AdapterRegistry from each registered adapter's `channels`.
KNOWN_CHANNELS: set[str] = set()
# Every platform id of a message is stored in a 255-character column (the inbound log's key, the requester's
# platform id, the message's platform id); a longer one cannot be filed (see ``InboundMessage.problems``).
MAX_ID_LENGTH = 255

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def storable_text(text: str) -> str:
    """``text`` without what no database column takes: NUL characters (PostgreSQL refuses them in text and
    JSONB) are removed, lone UTF-16 surrogates (JSON may escape them, UTF-8 cannot encode them) become U+FFFD."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    return _LONE_SURROGATE.sub("\ufffd", text)


def _clean_strings(instance: Any, names: Sequence[str]) -> None:
    """Make the str fields of a frozen dataclass storable (``storable_text``), in place."""
    for name in names:
        value = getattr(instance, name)
        if isinstance(value, str):
            cleaned = storable_text(value)
            if cleaned != value:
                object.__setattr__(instance, name, cleaned)


@dataclass(frozen=True)
class Credentials:
    """Built by the caller from a ChannelAccount row.

    The secrets are left out of ``repr`` so that logging a Credentials never leaks them.
    """

    external_id: str = ""  # page id / IG account id / WhatsApp phone_number_id / X user id / bot name
    secret: str = field(default="", repr=False)  # Meta app secret / X consumer secret / Telegram secret
    verify_token: str = field(default="", repr=False)  # Meta/WhatsApp GET handshake token
    access_token: str = field(default="", repr=False)  # page / WhatsApp / Telegram bot / X user token


@dataclass(frozen=True)
class HandshakeResponse:
    status: int  # 200, 400 or 403
    content_type: str  # "text/plain" or "application/json"
    body: bytes


FORBIDDEN = HandshakeResponse(status=403, content_type="text/plain", body=b"Forbidden")


def handshake_refusal(status: int, code: str, message: str) -> HandshakeResponse:
    """A refused handshake in the webhook's JSON error shape ``{"error": {"code", "message", "fields"}}``."""
    body = json.dumps({"error": {"code": code, "message": message, "fields": {}}})
    return HandshakeResponse(status=status, content_type="application/json", body=body.encode("utf-8"))


@dataclass(frozen=True)
class Attachment:
    kind: str  # image, file, audio, video, location, sticker, other
    url: str = ""
    platform_id: str = ""
    caption: str = ""
    latitude: float | None = None
    longitude: float | None = None
    name: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ATTACHMENT_KINDS:
            raise ValueError(f"unknown attachment kind {self.kind!r}")
        _clean_strings(self, ("url", "platform_id", "caption", "name"))


@dataclass(frozen=True)
class InboundMessage:
    dedupe_key: str  # the platform's message id (Telegram: str(update_id))
    sender_id: str  # platform user id (WhatsApp: `from`, else the BSUID `from_user_id`)
    sender_name: str  # profile name when the platform gives one, else ""
    text: str  # may be "" when only attachments
    sent_at: datetime | None  # platform timestamp, aware UTC
    recipient_id: str  # page / IG account / phone_number_id / our X user id; "" when not in payload
    channel: str  # messenger, instagram, whatsapp, telegram, x, webchat
    attachments: tuple[Attachment, ...] = ()
    reply_to_id: str = ""  # chat id to reply to when it differs from sender_id (Telegram groups)
    language: str = ""  # the sender's language as the platform reports it (Telegram `language_code`), else ""

    def __post_init__(self) -> None:
        if self.channel not in KNOWN_CHANNELS:
            raise ValueError(f"unknown channel {self.channel!r}")
        if self.sent_at is not None and self.sent_at.tzinfo is None:
            raise ValueError("sent_at must be timezone-aware")
        # A NUL in a text is dropped here, whoever built the message, so it can always be stored.
        _clean_strings(
            self, ("dedupe_key", "sender_id", "sender_name", "text", "recipient_id", "reply_to_id", "language")
        )

    def problems(self) -> tuple[str, ...]:
        """Why this message cannot be filed as it is (empty when it can). Names the fields, never their content."""
        found = []
        if not self.dedupe_key:
            found.append("the message id is empty")
        if not self.sender_id:
            found.append("the sender id is empty")
        for name in ("dedupe_key", "sender_id", "recipient_id", "reply_to_id"):
            if len(getattr(self, name)) > MAX_ID_LENGTH:
                found.append(f"{name} is longer than {MAX_ID_LENGTH} characters")
        return tuple(found)

    @property
    def reply_target(self) -> str:
        """The id a reply goes to: the chat for Telegram groups, else the sender."""
        return self.reply_to_id or self.sender_id

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe; ``InboundMessage.from_dict(m.to_dict()) == m``."""
        # By hand rather than dataclasses.asdict (which deep-copies every value): one per accepted webhook message.
        return {
            "dedupe_key": self.dedupe_key,
            "sender_id": self.sender_id,
            "sender_name": self.sender_name,
            "text": self.text,
            "sent_at": self.sent_at.isoformat() if self.sent_at is not None else None,
            "recipient_id": self.recipient_id,
            "channel": self.channel,
            "attachments": tuple(asdict(attachment) for attachment in self.attachments),
            "reply_to_id": self.reply_to_id,
            "language": self.language,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> InboundMessage:
        sent_at = data.get("sent_at")
        return cls(
            dedupe_key=data["dedupe_key"],
            sender_id=data["sender_id"],
            sender_name=data.get("sender_name", ""),
            text=data.get("text", ""),
            sent_at=datetime.fromisoformat(sent_at) if sent_at else None,
            recipient_id=data.get("recipient_id", ""),
            channel=data["channel"],
            attachments=tuple(Attachment(**a) for a in data.get("attachments", ())),
            reply_to_id=data.get("reply_to_id", ""),
            language=data.get("language", ""),
        )


@dataclass(frozen=True)
class ParseResult:
    messages: tuple[InboundMessage, ...] = ()  # new messages from requesters, in payload order
    ignored: tuple[str, ...] = ()  # short labels of the events ignored ("read", "echo", "statuses"...)


class PayloadError(ValueError):
    """The body is correctly signed but cannot be parsed (not JSON, wrong shape).

    ``code`` classifies it without any content (``not_json``, ``too_deep``, ``bad_shape``), for log lines.
    """

    def __init__(self, message: str, *, code: str = "bad_shape") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class SendResult:
    platform_ids: tuple[str, ...]  # one per chunk sent, in order ("" if the platform gave none)


class SendError(Exception):
    """Sending failed. ``reason`` is safe to store and show: it never contains a token.

    ``sent_platform_ids`` lists the chunks that did go out before the failure, so a caller that
    retries can tell the agent that the beginning of a long reply was already delivered.
    """

    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        code: str = "",
        sent_platform_ids: tuple[str, ...] = (),
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.code = code
        self.sent_platform_ids = sent_platform_ids


class TransientSendError(SendError):
    """5xx, 429, timeouts, connection errors: worth retrying, after ``retry_after`` seconds if set."""

    def __init__(self, reason: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(reason, **kwargs)
        self.retry_after = retry_after


class PermanentSendError(SendError):
    """Any other 4xx: retrying will not help. ``reason`` is the platform's own error message."""


@dataclass(frozen=True)
class MediaSource:
    """Where the bytes of a platform attachment can be read: the URL and the headers that open it.

    Built by an adapter's ``media_source`` (which may ask the platform first: WhatsApp's media id, Telegram's
    getFile); ``channels_intake.media`` then streams the bytes with a size cap. ``secrets`` (tokens in the URL)
    are scrubbed from every error.
    """

    url: str
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    secrets: tuple[str, ...] = field(default=(), repr=False)
    name: str = ""  # a file name the platform gives, when the message did not carry one


class MediaFetchError(Exception):
    """The bytes of an attachment could not be had. ``reason`` is safe to store and show (never a token);
    ``transient`` (timeouts, 5xx, 429) says a later attempt may succeed."""

    def __init__(self, reason: str, *, transient: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


class MediaTooLarge(MediaFetchError):
    """The platform's file is larger than we accept (refused, not retried)."""


def web_media_url(url: str) -> str:
    """``url`` when it is an absolute http(s) URL (the only kind we ever fetch), else ""."""
    return url if url.lower().startswith(("https://", "http://")) and len(url) < 4096 else ""


def get_json(
    url: str,
    *,
    timeout: float,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    secrets: Sequence[str] = (),
) -> Any:
    """GET a platform's JSON lookup (a media id's URL, Telegram's getFile); failures are MediaFetchErrors."""
    try:
        response = requests.get(url, headers=dict(headers or {}), params=dict(params or {}), timeout=timeout)
    except requests.Timeout:
        raise MediaFetchError(f"timeout after {timeout}s", transient=True) from None
    except requests.ConnectionError as exc:
        raise MediaFetchError(f"connection error ({type(exc).__name__})", transient=True) from None
    except requests.RequestException as exc:
        raise MediaFetchError(f"request failed ({type(exc).__name__})") from None
    try:
        data = response.json()
    except ValueError:
        data = None
    status = response.status_code
    if 200 <= status < 300 and isinstance(data, dict):
        return data
    reason = _scrub(default_error_reason(data, response) if status >= 300 else "answer is not a JSON object", secrets)
    raise MediaFetchError(f"HTTP {status}: {reason[:200]}", transient=status == 429 or status >= 500)


# ---------------------------------------------------------------------------------------------
# What a platform is: facts each adapter declares
# ---------------------------------------------------------------------------------------------


def gettext_noop(message: str) -> str:
    """Mark a platform's user-facing text for the translation catalogue without importing Django.

    ``makemessages`` (xgettext) extracts calls of this name; the Django side translates the text when it
    shows it (``channels_intake.services.reply_window``).
    """
    return message


@dataclass(frozen=True)
class ReplyWindowRule:
    """How long after the requester's last message the platform still accepts a reply from us.

    ``free_form`` None: no limit. ``tagged``: a longer window that needs ``tag`` on the message (Meta's
    HUMAN_AGENT). ``closed_reason`` is the msgid shown once both have passed (``%(at)s``: when it closed).
    """

    free_form: timedelta | None = None
    tagged: timedelta | None = None
    tag: str = ""
    closed_reason: str = ""


ALWAYS_OPEN = ReplyWindowRule()


@dataclass(frozen=True)
class ReplyWindow:
    """Whether a free-form reply is still accepted now, with which tag, and until when."""

    allowed: bool
    tag: str = ""
    closes_at: datetime | None = None
    reason: str = ""  # an untranslated msgid with %(at)s; the Django side translates and fills it


def reply_window(rule: ReplyWindowRule, *, last_inbound_at: datetime | None, now: datetime) -> ReplyWindow:
    if rule.free_form is None or last_inbound_at is None:
        return ReplyWindow(allowed=True)
    free_until = last_inbound_at + rule.free_form
    if now < free_until:
        return ReplyWindow(allowed=True, closes_at=free_until)
    if rule.tagged is not None:
        tagged_until = last_inbound_at + rule.tagged
        if now < tagged_until:
            return ReplyWindow(allowed=True, tag=rule.tag, closes_at=tagged_until)
        return ReplyWindow(allowed=False, closes_at=tagged_until, reason=rule.closed_reason)
    return ReplyWindow(allowed=False, closes_at=free_until, reason=rule.closed_reason)


CREDENTIAL_FIELDS = ("secret", "verify_token", "access_token", "external_id")


# ---------------------------------------------------------------------------------------------
# Protocol and registry
# ---------------------------------------------------------------------------------------------


@runtime_checkable
class Adapter(Protocol):
    """One platform. Besides the four operations, it declares what the platform is, so nothing outside the
    adapter module lists platforms: the account kinds, the webhook URLs, the system checks, the API base URL
    and the reply windows are all read from here."""

    kind: str  # the account kind, part of the webhook URL /intake/<kind>/<slug>/webhook/
    label: str  # shown in the admin and the inbox filters (a msgid, see gettext_noop)
    channels: tuple[str, ...]  # the sub-channels its messages carry (Meta: messenger and instagram)
    text_limit: int  # longest text in one platform message; longer replies go out in chunks
    receives_webhooks: bool  # False for a channel that files its messages by its own API (the web chat)
    required_credentials: tuple[str, ...]  # ChannelAccount fields an active account must have set
    base_url_setting: str  # a Django setting that overrides the API base URL (tests point it at a local server)
    default_base_url: str  # the platform's API base URL ("" when it has no API)
    reply_rule: ReplyWindowRule  # how long after the requester's last message we may still reply

    def handshake(self, creds: Credentials, query: Mapping[str, str]) -> HandshakeResponse | None:
        """Answer the platform's GET verification; None when this kind has none (405 upstream)."""
        ...

    def verify_signature(self, creds: Credentials, headers: Mapping[str, str], body: bytes) -> bool:
        """True only when the raw body is authentic; False when the header is missing."""
        ...

    def parse(self, body: bytes) -> ParseResult:
        """Turn a verified body into messages; raises PayloadError."""
        ...

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
        """Send ``text``, split into chunks of at most ``text_limit``; raises SendError subclasses.

        ``skip`` leaves out the first chunks (they went out in an earlier attempt that then failed). ``choices``:
        answers the requester may tap, sent with the last chunk where the platform has buttons (each press comes
        back as an ordinary message whose text is the choice's title); ignored where it has none (the text
        carries the numbered choices anyway).
        """
        ...


T = TypeVar("T")


class Registry(Generic[T]):
    """A name -> object map that refuses to register a name twice (after Sentry's utils/registry)."""

    def __init__(self) -> None:
        self._items: dict[str, T] = {}

    def register(self, key: str, item: T) -> T:
        if key in self._items:
            raise ValueError(f"{key!r} is already registered ({self._items[key]!r})")
        self._items[key] = item
        return item

    def get(self, key: str) -> T:
        try:
            return self._items[key]
        except KeyError:
            known = ", ".join(self.kinds()) or "none"
            raise KeyError(f"no adapter registered for kind {key!r} (known kinds: {known})") from None

    def kinds(self) -> list[str]:
        return sorted(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.kinds())

    def __len__(self) -> int:
        return len(self._items)

    def values(self) -> list[T]:
        return [self._items[key] for key in self.kinds()]


class AdapterRegistry(Registry["Adapter"]):
    """The platforms: registering an adapter also makes its sub-channels known to ``InboundMessage``."""

    def register(self, key: str, item: Adapter) -> Adapter:
        if key != item.kind:
            raise ValueError(f"adapter {item!r} declares kind {item.kind!r}, registered as {key!r}")
        super().register(key, item)
        KNOWN_CHANNELS.update(item.channels)
        return item


# ---------------------------------------------------------------------------------------------
# Helpers for the adapters
# ---------------------------------------------------------------------------------------------


def get_header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup that also works on a plain dict."""
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    for key, candidate in headers.items():
        if isinstance(key, str) and key.lower() == lowered:
            return candidate
    return None


def constant_time_equals(given: str | None, expected: str) -> bool:
    """False for a missing value or an unset (empty) expectation, so a blank secret never matches."""
    if not isinstance(given, str) or not expected:
        return False
    # surrogatepass: a header or query value that is not valid Unicode compares unequal instead of raising.
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


def hmac_sha256(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8", "surrogatepass"), message, hashlib.sha256).digest()


def hex_signature(secret: str, body: bytes) -> str:
    """Meta's X-Hub-Signature-256 value."""
    return "sha256=" + hmac_sha256(secret, body).hex()


def base64_signature(secret: str, message: bytes) -> str:
    """X's CRC response token and x-twitter-webhooks-signature value."""
    return "sha256=" + base64.b64encode(hmac_sha256(secret, message)).decode("ascii")


def load_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise PayloadError(f"body is not JSON: {exc}", code="not_json") from None
    except RecursionError:  # arrays or objects nested thousands deep
        raise PayloadError("body is JSON nested too deeply to read", code="too_deep") from None


def require_dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(f"{what} must be an object, got {type(value).__name__}")
    return value


def require_list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise PayloadError(f"{what} must be an array, got {type(value).__name__}")
    return value


def optional_dict(container: Mapping[str, Any], key: str, what: str) -> dict[str, Any]:
    value = container.get(key)
    return {} if value is None else require_dict(value, what)


def optional_list(container: Mapping[str, Any], key: str, what: str) -> list[Any]:
    value = container.get(key)
    return [] if value is None else require_list(value, what)


def member(container: Any, key: str) -> dict[str, Any]:
    """``container[key]`` when both are objects, else {}: for optional, loosely documented fields."""
    value = container.get(key) if isinstance(container, dict) else None
    return value if isinstance(value, dict) else {}


def as_text(value: Any) -> str:
    """Ids arrive as strings or numbers depending on the platform; normalise to str ("" otherwise)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return str(value)


def short_repr(value: Any, limit: int = 40) -> str:
    """A payload value named in an error message, cut short: the error is stored and shown to admins (the whole
    body is kept beside it), so it needs only enough to recognise the value; containers are named by type."""
    shown = repr(value) if value is None or isinstance(value, str | int | float | bool) else type(value).__name__
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


# Platform times outside 1970..2100 are junk; near year 9999 they could not even be shown in a local time zone.
_LATEST_EPOCH = 4102444800.0  # 2100-01-01T00:00:00Z


def from_epoch(value: Any) -> datetime | None:
    """Unix time in seconds or milliseconds (numbers or numeric strings) to aware UTC; None when unreadable or
    outside 1970..2100."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an integer of hundreds of digits
        return None
    if not math.isfinite(number):
        return None
    if number > 1e11:  # milliseconds: 1e11 seconds is the year 5138
        number /= 1000
    if not 0 <= number < _LATEST_EPOCH:
        return None
    try:
        return datetime.fromtimestamp(number, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def to_float(value: Any) -> float | None:
    """A finite number from a number or numeric string (coordinates arrive as both); else None."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an integer of hundreds of digits
        return None
    return number if math.isfinite(number) else None


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the way Telegram counts its 4096 limit."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int, *, length: Callable[[str], int] = len) -> list[str]:
    """Split ``text`` into chunks of at most ``limit`` (as measured by ``length``).

    Cuts at a paragraph break, else a line break, else a space, when one falls in the second half
    of the window; a single word longer than the limit is cut hard. Whitespace at a cut is dropped;
    text that already fits is returned unchanged. Blank text gives no chunk at all.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if not text.strip():
        return []
    if length(text) <= limit:
        return [text]
    chunks: list[str] = []
    rest = text.strip()
    while rest:
        if length(rest) <= limit:
            chunks.append(rest)
            break
        window = _longest_prefix(rest, limit, length)
        cut = _cut_position(rest, window)
        chunk = rest[:cut].rstrip()
        if not chunk:  # only whitespace before the cut: cut hard instead
            cut, chunk = window, rest[:window]
        chunks.append(chunk)
        rest = rest[cut:].lstrip()
    return chunks


def _longest_prefix(text: str, limit: int, length: Callable[[str], int]) -> int:
    """The largest n with length(text[:n]) <= limit (length grows with n); at least 1."""
    if length is len:
        return max(1, min(limit, len(text)))
    low, high = 1, min(len(text), limit)  # no code point measures less than one unit
    while low < high:
        middle = (low + high + 1) // 2
        if length(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def _cut_position(text: str, window: int) -> int:
    """Where to cut ``text`` so that ``text[:cut]`` fits in ``window``; the cut drops whitespace."""
    # The character right after the window may be the whitespace to cut at, hence window + 1.
    head = text[: window + 1]
    floor = window // 2
    for separator in ("\n\n", "\n"):
        position = head.rfind(separator)
        if position > floor:
            return position
    # Else the last whitespace, even early in the window: a long URL is better kept whole.
    last_space = max((i for i, ch in enumerate(head) if ch.isspace()), default=0)
    return last_space if last_space > 0 else window


@dataclass(frozen=True)
class Choice:
    """A quick answer offered with a message: ``id`` comes back as a button's payload, ``title`` as its text."""

    id: str
    title: str


def send_chunks(
    chunks: Sequence[str], send_one: Callable[..., str], *, with_last: Callable[[str], str] | None = None
) -> SendResult:
    """Send chunks in order (the last one through ``with_last`` when given: it carries the buttons); on failure,
    record on the error which chunks already went out."""
    if not chunks:
        raise PermanentSendError("refusing to send an empty message")
    sent: list[str] = []
    for number, chunk in enumerate(chunks):
        try:
            last = number == len(chunks) - 1
            sent.append(with_last(chunk) if last and with_last is not None else send_one(chunk))
        except SendError as exc:
            exc.sent_platform_ids = tuple(sent)
            raise
    return SendResult(platform_ids=tuple(sent))


ErrorReason = Callable[[Any, requests.Response], str]
ErrorHook = Callable[[Any, requests.Response], Any]


_sessions = threading.local()


def http_session() -> requests.Session:
    """This thread's HTTP session: connections to a platform are kept alive and reused (one TLS handshake, not one
    per reply: a burst's acknowledgements go out on the same few connections). urllib3 checks a pooled connection
    before reusing it; a dropped one is replaced."""
    owner, session = getattr(_sessions, "owned", (None, None))
    if session is None or owner != os.getpid():  # never a connection a forked parent opened
        session = requests.Session()
        session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # no cookie between accounts' calls
        _sessions.owned = (os.getpid(), session)
    return session


def post_json(
    url: str,
    payload: Mapping[str, Any],
    *,
    timeout: float,
    headers: Mapping[str, str] | None = None,
    error_reason: ErrorReason | None = None,
    error_code: ErrorHook | None = None,
    retry_after: Callable[[Any, requests.Response], float | None] | None = None,
    is_transient: Callable[[Any, requests.Response], bool] | None = None,
    secrets: Sequence[str] = (),
    files: Mapping[str, Any] | None = None,
) -> Any:
    """POST ``payload`` as JSON and return the decoded JSON answer (None if it is not JSON). With ``files``
    (requests' ``files=``), the payload goes as the form fields of a multipart body instead.

    Failures become SendErrors: timeouts, connection errors, 5xx and 429 are transient (with the
    Retry-After header, or ``retry_after``'s platform-specific value); other non-2xx answers are
    permanent unless ``is_transient`` says otherwise. Reasons come from ``error_reason``. The
    ``secrets`` (tokens that may sit in the URL) are scrubbed from any message, and requests'
    exceptions are not chained, because their text carries the URL.
    """
    try:
        if files:
            response = http_session().post(url, data=payload, files=files, headers=dict(headers or {}), timeout=timeout)
        else:
            response = http_session().post(url, json=payload, headers=dict(headers or {}), timeout=timeout)
    except requests.Timeout as exc:
        raise TransientSendError(f"timeout after {timeout}s ({type(exc).__name__})") from None
    except requests.ConnectionError as exc:
        raise TransientSendError(f"connection error ({type(exc).__name__})") from None
    except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, ValueError) as exc:
        raise PermanentSendError(_scrub(f"invalid request: {exc}", secrets)) from None
    except requests.RequestException as exc:
        raise TransientSendError(f"request failed ({type(exc).__name__})") from None

    try:
        data = response.json()
    except ValueError:
        data = None
    status = response.status_code
    if 200 <= status < 300:
        return data

    reason = (error_reason or default_error_reason)(data, response)
    reason = _scrub(reason or f"HTTP {status}", secrets)
    code = as_text(error_code(data, response)) if error_code else ""
    if status == 429 or status >= 500 or (is_transient is not None and is_transient(data, response)):
        wait = retry_after(data, response) if retry_after else None
        if wait is None:
            wait = retry_after_header(response)
        raise TransientSendError(reason, retry_after=wait, status=status, code=code)
    raise PermanentSendError(reason, status=status, code=code)


def default_error_reason(data: Any, response: requests.Response) -> str:
    if isinstance(data, dict):
        for key in ("message", "detail", "description", "title", "error"):
            if isinstance(data.get(key), str) and data[key]:
                return data[key]
    text = response.text.strip()
    return text[:300] if text else f"HTTP {response.status_code}"


def retry_after_header(response: requests.Response) -> float | None:
    """Retry-After as delay-seconds or an HTTP date; None when absent or unreadable."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - time.time())


def _scrub(message: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret:
            message = message.replace(secret, "***")
    return message
