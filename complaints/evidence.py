"""Evidence files of a complaint: type checked by content, size limited, in the private storage (no URL).

Limits (settings, read at call time): ``COMPLAINT_EVIDENCE_MAX_BYTES`` per file (default 5 MB) and
``COMPLAINT_EVIDENCE_MAX_FILES`` per submission (default 5). Types: ``common.storage.ALLOWED_TYPES`` (photos and
PDF), decided by the bytes, never by the name or the Content-Type the client sent.

Nothing is written before every file of a submission is checked (``evidence_check`` raises first). What is written
is deleted again when the work around it fails: the services run inside ``evidence_kept_on_success()``, and a
failure after the files went to storage (a later step raising, the transaction rolling back) removes them, since
``transaction.on_commit`` never runs on a rollback.
"""

import contextlib
import contextvars
import hashlib
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from common.storage import ALLOWED_TYPES, private_storage, sniff_type

from .models import Complaint, ComplaintEvidence

logger = logging.getLogger(__name__)
# The paths written inside the current ``evidence_kept_on_success`` block (None outside any).
_written: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("complaint_evidence_written", default=None)


def max_bytes() -> int:
    return int(getattr(settings, "COMPLAINT_EVIDENCE_MAX_BYTES", 5 * 1024 * 1024))


def max_files() -> int:
    return int(getattr(settings, "COMPLAINT_EVIDENCE_MAX_FILES", 5))


@dataclass(frozen=True)
class CheckedFile:
    upload: object
    mime: str
    name: str
    size: int


def evidence_check(files) -> list[CheckedFile]:
    """The uploads as checked files; a ValidationError on ``evidence`` naming each file refused, and why."""
    files = [f for f in (files or []) if f is not None]
    errors = []
    if len(files) > max_files():
        raise ValidationError({"evidence": [_("At most %(n)d files.") % {"n": max_files()}]})
    checked = []
    limit = max_bytes()
    for upload in files:
        name = str(getattr(upload, "name", "") or "file")[:200]
        size = int(getattr(upload, "size", 0) or 0)
        if size > limit:
            errors.append(
                _("%(name)s is larger than %(size)s MB.") % {"name": name, "size": f"{limit / (1024 * 1024):g}"}
            )
            continue
        if size == 0:
            errors.append(_("%(name)s is empty.") % {"name": name})
            continue
        upload.seek(0)
        head = upload.read(261)
        upload.seek(0)
        mime = sniff_type(head)
        if mime is None:
            errors.append(_("%(name)s is not a photo (JPEG, PNG, WebP, GIF) or a PDF.") % {"name": name})
            continue
        checked.append(CheckedFile(upload=upload, mime=mime, name=name, size=size))
    if errors:
        raise ValidationError({"evidence": errors})
    return checked


def _discard(paths: list[str]) -> None:
    storage = private_storage()
    for path in paths:
        try:
            storage.delete(path)
        except OSError:  # logged, never raised over the error that brought us here
            logger.warning("complaint evidence %s could not be removed after a failure", path, exc_info=True)


@contextlib.contextmanager
def evidence_kept_on_success():
    """Files written by ``evidence_store`` inside the block are deleted if the block raises (wrap it around the
    transaction, so a rollback deletes them too). Nested blocks join the outermost one: the files stay only when
    all of the work succeeded."""
    if _written.get() is not None:
        yield
        return
    written: list[str] = []
    token = _written.set(written)
    try:
        yield
    except BaseException:
        _discard(written)
        raise
    finally:
        _written.reset(token)


def evidence_store(*, complaint: Complaint, files: list[CheckedFile], by=None) -> list[ComplaintEvidence]:
    """Write checked files to the private storage and record them (inside the caller's transaction, inside
    ``evidence_kept_on_success``). A failure half-way deletes what this call wrote before raising."""
    stored = []
    storage = private_storage()
    written = []
    try:
        for item in files:
            digest = hashlib.sha256()
            item.upload.seek(0)
            for chunk in item.upload.chunks() if hasattr(item.upload, "chunks") else [item.upload.read()]:
                digest.update(chunk)
            item.upload.seek(0)
            path = storage.save(
                f"complaints/{complaint.office.code}/{uuid.uuid4().hex}.{ALLOWED_TYPES[item.mime]}", item.upload
            )
            written.append(path)
            stored.append(
                ComplaintEvidence(
                    complaint=complaint,
                    path=path,
                    original_name=item.name,
                    content_type=item.mime,
                    size=item.size,
                    sha256=digest.hexdigest(),
                    uploaded_by=by if getattr(by, "is_authenticated", False) else None,
                )
            )
        ComplaintEvidence.objects.bulk_create(stored)
    except BaseException:
        _discard(written)
        raise
    collected = _written.get()
    if collected is not None:
        collected.extend(written)
    return stored


def evidence_file(evidence: ComplaintEvidence):
    """The stored file, opened for reading (the caller checked who asks and logged the download)."""
    return private_storage().open(evidence.path, "rb")
