"""In-app notifications: stored as a kind and its parameters, rendered in the reader's language.

A kind is registered once with its message, an English msgid marked with `gettext_noop` and `%(name)s`
placeholders; `notify()` stores the kind and the parameters (JSON), and `render()` translates the message into
the active language (or the one asked for) when the notification is shown, so the same notification reads in
Indonesian on one officer's page and in English on another's.

    register_kind("ticket.new", gettext_noop("New ticket %(number)s for %(unit)s."))
    notify(users=[coordinator, *members], kind="ticket.new", params={"number": n, "unit": u}, inquiry=inquiry)

A parameter is a JSON value put into the message as it is, or one of two tagged values rendered for the reader:
`term(msgid)` (a word translated too: `{"t": "response"}`) and `moment(dt, zone)` (a time shown in the office's
zone with its label, `{"dt": "2026-12-01T09:00:00+00:00", "tz": "Asia/Jakarta"}`).

Rows written before kinds existed hold a finished sentence in `Notification.text`; it is shown as it is (masked,
see `register_masker`).

Whoever writes requester text into a parameter masks its identifiers first (clause a.1.2); the module cannot
(tickets, which knows identifiers, sits above it), and a masker registered by tickets at start-up masks what is
rendered from old rows.
"""

from collections.abc import Callable, Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from offices.selectors import zone_label

from .models import Notification

_KINDS: dict[str, str] = {}
_masker: Callable[[str], str] | None = None


def register_kind(kind: str, message: str) -> None:
    """Register the message of a kind (an English msgid with `%(name)s` placeholders, marked `gettext_noop`).

    Registering the same kind again with the same message is a no-op (modules may be imported twice); a
    different message for a known kind is a programming error.
    """
    if len(kind) > Notification._meta.get_field("kind").max_length:
        raise ValueError(f"notification kind {kind!r} is too long")
    known = _KINDS.get(kind)
    if known is not None and known != message:
        raise ValueError(f"notification kind {kind!r} is already registered with another message")
    _KINDS[kind] = message


def registered_kinds() -> dict[str, str]:
    return dict(_KINDS)


def register_masker(masker: Callable[[str], str]) -> None:
    """The function that masks identifiers in text (tickets registers `identifiers.mask_text`)."""
    global _masker
    _masker = masker


def term(msgid: str) -> dict:
    """A parameter translated for the reader (mark the msgid with `gettext_noop` where it is written)."""
    return {"t": msgid}


def moment(value: datetime | None, zone: str) -> dict | None:
    """A parameter shown as a time in `zone` with its label (WIB/WITA/WIT), formatted in the reader's language."""
    if value is None:
        return None
    return {"dt": value.isoformat(), "tz": zone}


def notifications_build(*, users: Iterable, kind: str, params: dict | None = None, inquiry=None) -> list[Notification]:
    """The unsaved notifications of `kind` for each distinct user (None skipped): for a caller that inserts the
    notifications of many records in one statement (the SLA sweep)."""
    if kind not in _KINDS:
        raise ValueError(f"unknown notification kind {kind!r}: register it with register_kind()")
    params = dict(params or {})
    seen: set = set()
    rows = []
    for user in users:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(Notification(user=user, inquiry=inquiry, kind=kind, params=params, text=""))
    return rows


def notify(*, users: Iterable, kind: str, params: dict | None = None, inquiry=None) -> int:
    """One notification of `kind` for each distinct user (None skipped), in one INSERT; the number created."""
    rows = notifications_build(users=users, kind=kind, params=params, inquiry=inquiry)
    Notification.objects.bulk_create(rows)
    return len(rows)


def _param(value):
    if isinstance(value, dict):
        if set(value) == {"t"}:
            return gettext(str(value["t"]))
        if set(value) == {"dt", "tz"}:
            try:
                zone = str(value["tz"])
                local = timezone.localtime(datetime.fromisoformat(str(value["dt"])), ZoneInfo(zone))
            except (ValueError, TypeError, KeyError):
                return "—"
            return f"{formats.date_format(local, 'j M Y H:i')} {zone_label(zone)}"
    if value is None:
        return "—"
    return value


def render(notification: Notification, language: str | None = None) -> str:
    """The notification's sentence in `language` (default: the active language). Never raises."""
    if language:
        with translation.override(language):
            return render(notification)
    message = _KINDS.get(notification.kind)
    if notification.text or message is None:
        # A row from before kinds (a finished sentence), or a kind no longer registered.
        text = notification.text or notification.kind
        return _masker(text) if _masker else text
    params = notification.params if isinstance(notification.params, dict) else {}
    try:
        return gettext(message) % {name: _param(value) for name, value in params.items()}
    except (KeyError, ValueError, TypeError):
        return gettext(message)
