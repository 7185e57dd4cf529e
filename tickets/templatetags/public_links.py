"""Links that come from the public (a URL in a message, an attachment's URL) on the officers' pages.

Only ``http`` and ``https`` become links; anything else (``javascript:``, ``data:``, ``vbscript:``, a bare
path) stays text, so a requester cannot plant a script behind a link an officer clicks. Links open in a new tab
without a referrer or a handle on our page.
"""

import re
from urllib.parse import urlsplit

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()

SCHEMES = {"http", "https"}
# A URL in running text: scheme, then anything up to white space or a character that cannot be part of it.
_URL = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.IGNORECASE)
# Punctuation that ends a sentence rather than the URL ("see https://x.go.id/a." or "(https://x.go.id/a)").
_TRAILING = ".,;:!?)]}'\""
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]")


def web_url(value) -> str:
    """The URL when it is an http(s) URL with a host, else the empty string."""
    url = _INVISIBLE.sub("", str(value or ""))  # browsers drop these too: "java\tscript:" is javascript:
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        return ""
    return url


@register.filter
def http_url(value) -> str:
    """``{% if attachment.url|http_url %}<a href="{{ attachment.url|http_url }}">``: only http(s) URLs."""
    return web_url(value)


def _link(url: str):
    return format_html('<a href="{}" rel="noopener noreferrer nofollow" target="_blank">{}</a>', url, url)


def _text(piece: str) -> str:
    return escape(piece).replace("\n", "<br>")


@register.filter
def public_text(value) -> str:
    """The text escaped, its line breaks kept (as ``linebreaksbr``), and its http(s) URLs as links."""
    text = str(value or "").replace("\r\n", "\n").replace("\r", "\n")
    out, position = [], 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        end = match.start() + len(url)
        out.append(_text(text[position : match.start()]))
        out.append(_link(url) if web_url(url) else _text(url))
        position = end
    out.append(_text(text[position:]))
    return mark_safe("".join(str(piece) for piece in out))  # noqa: S308 - every piece is escaped above
