"""Log lines carry no message text, identifier, token or secret.

``RedactingFormatter`` is the formatter of every handler (``helpdesk/settings.py`` LOGGING), so the rule holds
for whatever a line contains, tracebacks included: request lines lose their query string (staff searches for a
NIK, Meta's ``hub.verify_token``, X's ``crc_token``), ``name=value`` pairs that look like credentials lose the
value, and long digit runs (NIK, NPWP, IMEI, account numbers...) keep only their last four digits.
"""

import logging
import re

# A request line as runserver and gunicorn log it: METHOD /path?query HTTP/x
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


def redact(text: str) -> str:
    text = _QUERY.sub(r"\1?[…]", text)
    text = _CREDENTIAL.sub(r"\1[…]", text)
    text = _BEARER.sub(r"\1 […]", text)
    return _DIGITS.sub(_mask_digits, text)


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
