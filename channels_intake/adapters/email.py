"""E-mail: how a final answer still reaches a requester whose platform no longer accepts our replies (the
reply window closed) and who gave an e-mail address. Nobody writes to us this way: no webhook, no parsing.

It goes through the outbox like every channel (retries on the documented schedule, a delivery status, the
target met on delivery only), over SMTP with the standard library, to the server of ``EMAIL_OUTBOX_URL``:
``smtp://[user:password@]host[:port][?starttls=1]`` or ``smtps://...`` (built from Django's EMAIL_* settings by
default), or ``console:`` (development: the mail is written to the log stream, as Django's console backend
does). The sender address is the ``from`` query parameter. A text whose first line is ``Subject: ...`` gives
the mail its subject.

SMTP replies: 4xx (and connection errors, timeouts) are transient and retried; 5xx are permanent, with the
server's words as the reason. Credentials in the URL never appear in a reason.
"""

from __future__ import annotations

import smtplib
import sys
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from .base import (
    ALWAYS_OPEN,
    Choice,
    Credentials,
    HandshakeResponse,
    ParseResult,
    PayloadError,
    PermanentSendError,
    SendResult,
    TransientSendError,
    gettext_noop,
)

SUBJECT_PREFIX = "Subject: "


def split_subject(text: str) -> tuple[str, str]:
    first, _newline, rest = text.partition("\n")
    if first.startswith(SUBJECT_PREFIX):
        return first[len(SUBJECT_PREFIX) :].strip(), rest.lstrip("\n")
    return "", text


def with_subject(subject: str, body: str) -> str:
    """The outbox text of a mail: its subject line, a blank line, its body."""
    return f"{SUBJECT_PREFIX}{' '.join(subject.split())}\n\n{body}"


class EmailAdapter:
    kind = "email"
    label = gettext_noop("E-mail")
    channels = ("email",)
    text_limit = 100_000
    receives_webhooks = False
    required_credentials = ()
    base_url_setting = "EMAIL_OUTBOX_URL"
    default_base_url = "console:"
    reply_rule = ALWAYS_OPEN

    def handshake(self, creds: Credentials, query: Mapping[str, str]) -> HandshakeResponse | None:
        return None

    def verify_signature(self, creds: Credentials, headers: Mapping[str, str], body: bytes) -> bool:
        return False  # nothing is received by e-mail

    def parse(self, body: bytes) -> ParseResult:
        raise PayloadError("e-mail is not received here")

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
        if not recipient_id or "@" not in recipient_id or any(c in recipient_id for c in "\r\n,;"):
            raise PermanentSendError("not an e-mail address")
        url = urlsplit(base_url)
        query = parse_qs(url.query)
        subject, body = split_subject(text)
        message = EmailMessage()
        message["From"] = (query.get("from") or ["helpdesk@localhost"])[0]
        message["To"] = recipient_id
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain=(message["From"].rpartition("@")[2] or "localhost"))
        message.set_content(body)
        if url.scheme == "console":
            sys.stderr.write(message.as_string() + "\n")
            return SendResult(platform_ids=(message["Message-ID"],))
        if url.scheme not in ("smtp", "smtps") or not url.hostname:
            raise PermanentSendError("EMAIL_OUTBOX_URL is not an smtp:// or smtps:// address")
        client = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
        port = url.port or (465 if url.scheme == "smtps" else 25)
        try:
            with client(url.hostname, port, timeout=timeout) as smtp:
                if query.get("starttls", ["0"])[0] in ("1", "true"):
                    smtp.starttls()
                if url.username:
                    smtp.login(unquote(url.username), unquote(url.password or ""))
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()), (550, b"refused"))
            raise (TransientSendError if 400 <= code < 500 else PermanentSendError)(
                f"SMTP {code}: {_words(reply)}"
            ) from None
        except smtplib.SMTPResponseException as exc:
            error = TransientSendError if 400 <= exc.smtp_code < 500 else PermanentSendError
            raise error(f"SMTP {exc.smtp_code}: {_words(exc.smtp_error)}") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientSendError(f"SMTP server not reachable: {type(exc).__name__}") from None
        return SendResult(platform_ids=(message["Message-ID"],))


def _words(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(text.split())[:300]


adapter = EmailAdapter()
