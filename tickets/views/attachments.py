"""An attachment of a thread, downloaded by an officer of the inquiry's office (others get a 404).

The bytes go out with the type their content was found to be, never sniffed again by the browser
(``X-Content-Type-Options: nosniff``), in a sandbox (a PDF or an image cannot run script on our origin), as a
download for PDFs and inline only for the photos the thread shows as thumbnails.
"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from common.storage import private_storage

from ..models import Attachment
from ..selectors import MAX_DB_ID
from .inbox import _get_inquiry

INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})


def file_response(attachment: Attachment, *, inline: bool) -> FileResponse:
    """The stored file of ``attachment`` with the headers every download of a file people sent carries."""
    try:
        handle = private_storage().open(attachment.storage_name, "rb")
    except OSError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=not (inline and attachment.mime_type in INLINE_TYPES),
        filename=attachment.name or f"attachment-{attachment.pk}",
        content_type=attachment.mime_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@login_required
@require_safe
def attachment_download(request, pk: int, attachment_id: int):
    """``?inline=1`` for a photo shown in the thread; anything else is a download."""
    inquiry = _get_inquiry(request, pk)
    if attachment_id > MAX_DB_ID:
        raise Http404
    attachment = Attachment.objects.filter(
        pk=attachment_id, message__inquiry=inquiry, status=Attachment.Status.STORED
    ).first()
    if attachment is None:
        raise Http404
    return file_response(attachment, inline=request.GET.get("inline") == "1")
