"""Fetching the files requesters send on the platforms (photos, PDFs): the bytes, with a size cap.

The adapter says where a file's bytes are (``media_source``: Meta's CDN URL, WhatsApp's media id, Telegram's
getFile, X's media URL) and with which authorisation; this module streams them and stops as soon as the file
passes ``max_bytes``, so an oversized file never sits whole in memory. It knows nothing of the workflow: the
caller (``tickets.attachments``) checks the type, stores the bytes privately and records the outcome.
"""

from dataclasses import dataclass

import requests
from django.conf import settings

from .accounts import account_credentials, base_url_for
from .adapters import Attachment, get_adapter
from .adapters.base import MediaFetchError, MediaTooLarge
from .models import ChannelAccount

CHUNK = 64 * 1024


@dataclass(frozen=True)
class FetchedMedia:
    content: bytes
    name: str  # a file name the platform gave ("" when none)


def fetches_media(kind: str) -> bool:
    """Whether the platform's adapter can fetch the files its messages carry."""
    return callable(getattr(get_adapter(kind), "media_source", None))


def sends_files(kind: str) -> bool:
    """Whether an officer's reply on this platform can carry a file (the adapter has ``send_file``)."""
    return callable(getattr(get_adapter(kind), "send_file", None))


def media_fetch(*, account: ChannelAccount, attachment: Attachment, max_bytes: int) -> FetchedMedia:
    """The bytes of one platform attachment. Raises ``MediaTooLarge`` past ``max_bytes`` (announced or counted)
    and ``MediaFetchError`` (``transient`` for timeouts, 5xx, 429) for anything else."""
    adapter = get_adapter(account.kind)
    locate = getattr(adapter, "media_source", None)
    if not callable(locate):
        raise MediaFetchError(f"{account.kind} files cannot be fetched")
    timeout = settings.CHANNEL_HTTP_TIMEOUT
    source = locate(account_credentials(account), attachment, base_url=base_url_for(account.kind), timeout=timeout)
    try:
        with requests.get(source.url, headers=dict(source.headers), stream=True, timeout=timeout) as response:
            status = response.status_code
            if status == 429 or status >= 500:
                raise MediaFetchError(f"HTTP {status}", transient=True)
            if not 200 <= status < 300:
                raise MediaFetchError(f"HTTP {status}")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise MediaTooLarge(f"{declared} bytes announced, at most {max_bytes}")
            received = bytearray()
            for chunk in response.iter_content(CHUNK):
                received += chunk
                if len(received) > max_bytes:
                    raise MediaTooLarge(f"more than {max_bytes} bytes")
    except requests.Timeout:
        raise MediaFetchError(f"timeout after {timeout}s", transient=True) from None
    except requests.ConnectionError as exc:
        raise MediaFetchError(f"connection error ({type(exc).__name__})", transient=True) from None
    except requests.RequestException as exc:  # requests' own text carries the URL (and a token): never shown
        raise MediaFetchError(f"request failed ({type(exc).__name__})") from None
    return FetchedMedia(content=bytes(received), name=attachment.name or source.name)
