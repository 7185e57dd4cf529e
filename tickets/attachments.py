"""Files in a thread: a requester's photo or PDF (web chat upload, or a platform's media), an officer's file.

Whatever the way in, a file is accepted only when its bytes are a photo or a PDF (``common.storage.sniff_type``:
the content decides, never the name or the sender's Content-Type) and at most ``ATTACHMENT_MAX_BYTES``; it is kept
in the private storage (no URL) under a random name, with its sniffed type, size, sha256 and a sanitised original
name, on an ``Attachment`` row of its message (so it stays with the inquiry, and moves with a merged duplicate).

A platform's file is recorded as pending when its message is filed (``attachments_from_inbound``) and fetched
after commit by ``fetch_attachment`` (``channels_intake.media`` streams it with the size cap); a transient failure
is retried with backoff, and what cannot be accepted stays in the thread as refused or failed with the reason, so
the officer knows something was sent. Nothing here is served: the views check who asks
(``tickets.views.attachments``, ``webchat.api.attachments``).
"""

import hashlib
import os
import uuid
from dataclasses import asdict, dataclass
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from audit.services import audit_record
from channels_intake.adapters import Attachment as PlatformAttachment
from channels_intake.adapters import InboundMessage
from channels_intake.adapters.base import MediaFetchError, MediaTooLarge
from channels_intake.media import fetches_media, media_fetch, sends_files
from common.aftercommit import task_on_commit
from common.storage import ALLOWED_TYPES, private_storage, sniff_type

from .models import Attachment, Message

# Platform attachment kinds that may hold a photo or a PDF (video, audio, stickers, locations stay mentions).
FETCH_KINDS = ("image", "file")
# A web-chat message names the file its visitor uploaded (stored before the message was built) this way.
UPLOAD_PREFIX = "upload:"
STORAGE_DIR = "attachments"
MAX_FETCH_ATTEMPTS = 5
NAME_LENGTH = 120


@dataclass(frozen=True)
class StoredFile:
    storage_name: str
    mime_type: str
    size: int
    sha256: str
    name: str

    def outbox_reference(self) -> dict:
        """What the transport needs to send it (it never reads the workflow's rows)."""
        return {"storage_name": self.storage_name, "mime_type": self.mime_type, "name": self.name}


def max_bytes() -> int:
    return settings.ATTACHMENT_MAX_BYTES


def size_message() -> str:
    return _("The file is larger than %(size)s MB.") % {"size": f"{max_bytes() / (1024 * 1024):g}"}


def type_message() -> str:
    return _("Only photos (JPEG, PNG, WebP, GIF) and PDF files are accepted.")


def clean_name(name: str, mime_type: str) -> str:
    """The sender's file name made safe to show and to put in a download header, with the extension of the type
    its content is (an ``invoice.exe`` that is a PDF downloads as ``invoice.exe.pdf``)."""
    extension = ALLOWED_TYPES.get(mime_type, "bin")
    base = os.path.basename(str(name or "").replace("\\", "/")).strip()
    try:
        base = get_valid_filename(base) if base else ""
    except SuspiciousFileOperation:  # "", "." or ".." once cleaned
        base = ""
    base = base.lstrip(".")
    accepted = {extension, "jpeg"} if extension == "jpg" else {extension}
    stem, dot, current = base.rpartition(".")
    if not base:
        stem = "attachment"
    elif dot and current.lower() in accepted:
        return f"{stem[: NAME_LENGTH - len(current) - 1]}.{current}"
    else:
        stem = base
    return f"{stem[: NAME_LENGTH - len(extension) - 1]}.{extension}"


def file_store(*, file, name: str = "") -> StoredFile:
    """Check a file by its content and keep it in the private storage. ``file``: bytes or a Django File (an
    upload: its size is known before anything is read). ValidationError codes: ``size``, ``type``, ``empty``."""
    if isinstance(file, bytes | bytearray):
        file = ContentFile(bytes(file))
    elif not isinstance(file, File):
        file = File(file)
    if file.size is None or file.size > max_bytes():
        raise ValidationError(size_message(), code="size")
    if file.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    file.seek(0)
    mime_type = sniff_type(file.read(261))
    if mime_type is None:
        raise ValidationError(type_message(), code="type")
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    now = timezone.now()
    target = f"{STORAGE_DIR}/{now:%Y/%m}/{uuid.uuid4().hex}.{ALLOWED_TYPES[mime_type]}"
    stored = private_storage().save(target, file)
    return StoredFile(
        storage_name=stored,
        mime_type=mime_type,
        size=file.size,
        sha256=digest.hexdigest(),
        name=clean_name(name or getattr(file, "name", "") or "", mime_type),
    )


def file_discard(*, storage_name: str) -> None:
    """Remove a stored file nothing points at (a duplicate upload)."""
    if storage_name.startswith(f"{STORAGE_DIR}/"):
        private_storage().delete(storage_name)


def _stored_row(message: Message, stored: StoredFile, *, source: dict | None = None) -> Attachment:
    return Attachment.objects.create(
        message=message,
        status=Attachment.Status.STORED,
        storage_name=stored.storage_name,
        mime_type=stored.mime_type,
        size=stored.size,
        sha256=stored.sha256,
        name=stored.name,
        source=source or {},
        stored_at=timezone.now(),
    )


def _upload_row(message: Message, item: PlatformAttachment) -> Attachment:
    """The row of a file the web chat stored before filing its message: checked again from the storage."""
    storage_name = item.platform_id[len(UPLOAD_PREFIX) :]
    storage = private_storage()
    if not storage_name.startswith(f"{STORAGE_DIR}/") or ".." in storage_name or not storage.exists(storage_name):
        return Attachment.objects.create(
            message=message, status=Attachment.Status.FAILED, name=item.name[:200], reason="missing"
        )
    digest, size = hashlib.sha256(), 0
    with storage.open(storage_name, "rb") as handle:
        head = handle.read(261)
        handle.seek(0)
        for chunk in iter(lambda: handle.read(64 * 1024), b""):
            digest.update(chunk)
            size += len(chunk)
    mime_type = sniff_type(head) or ""
    if not mime_type:
        return Attachment.objects.create(
            message=message, status=Attachment.Status.REFUSED, name=item.name[:200], reason="type"
        )
    stored = StoredFile(storage_name, mime_type, size, digest.hexdigest(), clean_name(item.name, mime_type))
    return _stored_row(message, stored, source={"kind": item.kind, "upload": True})


def attachments_from_inbound(*, message: Message, inbound: InboundMessage, account) -> list[Attachment]:
    """The files of a requester's message just filed (inside its transaction): a web-chat upload is on record at
    once; a platform's photo or document is recorded as pending and fetched after commit. Each entry of
    ``message.attachments`` that became a file row is marked with its id (``"file"``), so the thread shows it once.
    """
    entries = list(message.attachments)
    rows: list[Attachment] = []
    for index, item in enumerate(inbound.attachments):
        if item.kind not in FETCH_KINDS or index >= len(entries):
            continue
        if inbound.channel == "webchat":
            if not item.platform_id.startswith(UPLOAD_PREFIX):
                continue
            row = _upload_row(message, item)
        else:
            if not (item.url or item.platform_id) or not fetches_media(account.kind):
                continue
            row = Attachment.objects.create(message=message, name=item.name[:200], source=asdict(item))
        entries[index] = {**entries[index], "file": row.pk}
        rows.append(row)
    if rows:
        Message.objects.filter(pk=message.pk).update(attachments=entries)
        message.attachments = entries
    for row in rows:
        if row.status == Attachment.Status.PENDING:
            task_on_commit(fetch_attachment, row.pk)
    return rows


# --- Fetching a platform's file --------------------------------------------------------------------------------
@dataclass(frozen=True)
class FetchOutcome:
    status: str  # stored, refused, failed, retry, skipped
    retry_in: float | None = None


def fetch_backoff(attempt: int) -> float:
    return min(30.0 * (2 ** max(attempt - 1, 0)), 1800.0)


def attachment_fetch(*, attachment_id: int) -> FetchOutcome:
    """Fetch one pending platform file, check and store it; refuse (type, size) or fail it with the reason.

    The network call runs outside any transaction; the outcome is one conditional update (a second run of the
    same attachment finds it no longer pending and stops). Audited."""
    row = (
        Attachment.objects.select_related("message__inquiry__account", "message__inquiry__office")
        .filter(pk=attachment_id, status=Attachment.Status.PENDING)
        .first()
    )
    if row is None:
        return FetchOutcome("skipped")
    inquiry = row.message.inquiry
    attempts = row.attempts + 1
    stored = None
    try:
        reference = PlatformAttachment(**row.source)
        media = media_fetch(account=inquiry.account, attachment=reference, max_bytes=max_bytes())
        stored = file_store(file=media.content, name=row.name or media.name)
    except MediaTooLarge:
        return _finish(row, status=Attachment.Status.REFUSED, reason="size", attempts=attempts)
    except ValidationError as exc:
        return _finish(row, status=Attachment.Status.REFUSED, reason=exc.code or "type", attempts=attempts)
    except MediaFetchError as exc:
        if exc.transient and attempts < MAX_FETCH_ATTEMPTS:
            Attachment.objects.filter(pk=row.pk, status=Attachment.Status.PENDING).update(
                attempts=attempts, reason=exc.reason[:300]
            )
            return FetchOutcome("retry", retry_in=fetch_backoff(attempts))
        return _finish(row, status=Attachment.Status.FAILED, reason=exc.reason, attempts=attempts)
    except (TypeError, ValueError) as exc:  # a reference that is no attachment (an edited row)
        return _finish(row, status=Attachment.Status.FAILED, reason=type(exc).__name__, attempts=attempts)
    return _finish(row, status=Attachment.Status.STORED, attempts=attempts, stored=stored)


def _finish(row: Attachment, *, status: str, attempts: int, reason: str = "", stored: StoredFile | None = None):
    fields = {"status": status, "attempts": attempts, "reason": reason[:300]}
    if stored is not None:
        fields.update(
            storage_name=stored.storage_name,
            mime_type=stored.mime_type,
            size=stored.size,
            sha256=stored.sha256,
            name=stored.name,
            stored_at=timezone.now(),
        )
    with transaction.atomic():
        updated = Attachment.objects.filter(pk=row.pk, status=Attachment.Status.PENDING).update(**fields)
        if not updated:
            if stored is not None:
                file_discard(storage_name=stored.storage_name)
            return FetchOutcome("skipped")
        inquiry = row.message.inquiry
        changes = {"attachment": row.pk, "message": row.message_id, "status": status}
        if stored is not None:
            changes.update(mime_type=stored.mime_type, size=stored.size)
        elif reason:
            changes["reason"] = reason[:200]
        audit_record(
            actor_label="system",
            action=f"attachment.{status}",
            obj=inquiry,
            office_code=inquiry.office.code,
            changes=changes,
        )
    return FetchOutcome(status)


@shared_task(name="tickets.fetch_attachment", acks_late=True)
def fetch_attachment(attachment_id: int) -> str:
    outcome = attachment_fetch(attachment_id=attachment_id)
    if outcome.status == "retry" and outcome.retry_in is not None:
        fetch_attachment.apply_async((attachment_id,), countdown=outcome.retry_in)
    return outcome.status


def attachments_redrive(*, older_than: timedelta = timedelta(minutes=10), limit: int = 200) -> list[int]:
    """Platform files still pending after ``older_than`` (a broker outage, a killed worker)."""
    cutoff = timezone.now() - older_than
    return list(
        Attachment.objects.filter(status=Attachment.Status.PENDING, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


@shared_task(name="tickets.redrive_attachments")
def redrive_attachments() -> int:
    """Beat: whatever pending file no worker is fetching any more."""
    ids = attachments_redrive()
    for attachment_id in ids:
        fetch_attachment.delay(attachment_id)
    return len(ids)


# --- An officer's file -----------------------------------------------------------------------------------------
def channel_takes_files(kind: str) -> bool:
    """Whether a reply on this channel account kind can carry a file (its adapter sends files)."""
    return sends_files(kind)


def reply_file_store(*, kind: str, file) -> StoredFile:
    """Check an officer's file for a reply on ``kind`` and store it; ValidationError on field ``file``."""
    if not channel_takes_files(kind):
        raise ValidationError(
            {"file": _("This channel does not take files from us: send the text, and a file through the web chat.")}
        )
    try:
        return file_store(file=file, name=getattr(file, "name", "") or "")
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None


def reply_file_attach(*, message: Message, stored: StoredFile) -> Attachment:
    return _stored_row(message, stored)
