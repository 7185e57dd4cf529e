"""Log lines carry no message text, identifier, token or secret.

``RedactingFormatter`` is the formatter of every handler (``helpdesk/settings.py`` LOGGING), so the rule holds
for whatever a line contains, tracebacks included: request lines lose their query string (staff searches for a
NIK, Meta's ``hub.verify_token``, X's ``crc_token``), ``name=value`` pairs that look like credentials lose the
value, and long digit runs (NIK, NPWP, IMEI, account numbers...) keep only their last four digits.
"""

import json
import logging
import re
import uuid
from contextvars import ContextVar

# A request line as runserver logs it (and any server logging the query string): METHOD /path?query HTTP/x
_QUERY = re.compile(r"(\b(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) [^\s?\"]*)\?[^\s\"]*")
_CREDENTIAL = re.compile(
    r"(?i)\b((?:hub\.)?(?:verify_token|access_token|crc_token|token|secret|password|api_key|signature|code)"
    r"[\"']?\s*[=:]\s*[\"']?)[^\s&\"',;]+"
)
_BEARER = re.compile(r"(?i)\b(bearer|token)\s+[A-Za-z0-9._~+/=-]{8,}")
_DIGITS = re.compile(r"(?<!\d)(\d[\d.\-]{8,}\d)(?!\d)")


def _mask_digits(match: re.Match) -> str:
    run = match.group(1)
    digits = re.sub(r"\D", "", run)
    if len(digits) < 10 or re.fullmatch(r"\d{1,4}\.\d+", run):  # dates, ids, durations stay readable
        return run
    return "•" * (len(digits) - 4) + digits[-4:]


# Ids that are ours and harmless (request and task ids: UUIDs, 32 hex digits) are kept whole: their digit runs
# are not identifiers, and a log line must stay followable by them.
_OUR_IDS = re.compile(
    r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\b(?=[0-9a-f]*[a-f])[0-9a-f]{32}\b"
)


def redact(text: str) -> str:
    kept: list[str] = []

    def keep(match: re.Match) -> str:
        kept.append(match.group(0))
        return f"\x00{len(kept) - 1}\x00"

    text = _OUR_IDS.sub(keep, text)
    text = _redact(text)
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))] if int(m.group(1)) < len(kept) else "", text)


def _redact(text: str) -> str:
    text = _QUERY.sub(r"\1?[…]", text)
    text = _CREDENTIAL.sub(r"\1[…]", text)
    text = _BEARER.sub(r"\1 […]", text)
    return _DIGITS.sub(_mask_digits, text)


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


# --- The request id: one id that follows a message from the webhook through the worker to the reply -----------
# Set per request (helpdesk.middleware.RequestIdMiddleware, from a valid X-Request-ID or new), carried into every
# task queued meanwhile (helpdesk.celery: a message header), set again in the worker while that task runs.
request_id_var: ContextVar[str] = ContextVar("request_id", default="")
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id() -> str:
    """The request id now ("" outside a request or task): the default of the models' ``request_id`` columns."""
    return request_id_var.get()


def new_request_id(offered: str = "") -> str:
    return offered if offered and REQUEST_ID_PATTERN.fullmatch(offered) else uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (``%(request_id)s``; "-" outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        return True


class JsonFormatter(RedactingFormatter):
    """One JSON object per line (production): time, level, logger, request id, message (redacted), traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}",
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": redact(record.getMessage()),
        }
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)
