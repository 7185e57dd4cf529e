"""Private file storage and content checks for files people send (attachments, complaint evidence).

Files live under ``settings.PRIVATE_MEDIA_ROOT``, outside the static files, with no URL: they are read only through
views that check who asks. The type is decided by the bytes (``filetype``), never by the name or the
client's Content-Type.
"""

from functools import cache

import filetype
from django.conf import settings
from django.core.files.storage import FileSystemStorage

# What the public may send us: photos and PDFs (an invoice, a receipt, a boarding pass). Mime type -> extension.
ALLOWED_TYPES = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/gif": "gif",
    "application/pdf": "pdf",
}


class PrivateStorage(FileSystemStorage):
    """A FileSystemStorage with no base URL: ``url()`` refuses, so no template can link a file directly."""

    def url(self, name):  # noqa: ARG002 - the signature of Storage.url
        raise ValueError("private files have no URL; serve them through a view that checks permissions")


@cache
def private_storage() -> PrivateStorage:
    return PrivateStorage(location=str(settings.PRIVATE_MEDIA_ROOT), base_url=None)


def sniff_type(head: bytes, allowed: dict[str, str] = ALLOWED_TYPES) -> str | None:
    """The mime type of a file from its first bytes (261 are enough), if it is one of ``allowed``; else None."""
    kind = filetype.guess(head[:261]) if head else None
    if kind is None or kind.mime not in allowed:
        return None
    return kind.mime
