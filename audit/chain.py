"""The tamper-evident audit trail: every row of the audit log is sealed into one hash chain.

A row is written by ``audit.services.audit_record`` inside the business transaction, with no hash (so the hot
paths take no lock). The sealer (``audit_seal``, a beat task every minute) takes the committed rows not yet
sealed, oldest first, gives each the next position in the chain and ``sha256(previous hash + its content)``.
A row's content never changes (the model refuses, and on PostgreSQL a trigger refuses any UPDATE but the one
that seals a row once, and every DELETE), so ``audit_verify`` recomputing the chain finds any row changed,
removed or inserted afterwards: the first broken position is named.
"""

import hashlib
import json
from dataclasses import dataclass

from django.db import connection, transaction

from .models import AuditEvent

GENESIS = "0" * 64
# A fixed advisory-lock key: one sealer at a time (PostgreSQL); SQLite serialises writers anyway.
SEAL_LOCK = 0x6175646974  # "audit"


def content(row: AuditEvent) -> str:
    """The canonical text of a row's content: what the hash covers."""
    return json.dumps(
        [
            row.pk,
            row.created_at.isoformat(),
            row.actor_id,
            row.actor_label,
            row.action,
            row.object_type,
            row.object_id,
            row.object_repr,
            row.office_code,
            row.changes,
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )


def chain_hash(previous: str, row: AuditEvent) -> str:
    return hashlib.sha256((previous + "\n" + content(row)).encode()).hexdigest()


def _head() -> tuple[int, str]:
    last = AuditEvent.objects.filter(seal_seq__isnull=False).order_by("-seal_seq").values_list("seal_seq", "seal_hash")
    return last.first() or (0, GENESIS)


def audit_seal(*, batch: int = 1000, max_batches: int = 100) -> int:
    """Seal the committed rows not yet in the chain, oldest first, in bounded batches. Returns how many."""
    sealed = 0
    for _ in range(max_batches):
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK])
            seq, previous = _head()
            rows = list(AuditEvent.objects.filter(seal_seq__isnull=True).order_by("id")[:batch])
            if not rows:
                break
            params = []
            for row in rows:
                seq += 1
                previous = chain_hash(previous, row)
                params.append((seq, previous, row.pk))
            with connection.cursor() as cursor:
                cursor.executemany(
                    "UPDATE audit_auditevent SET seal_seq = %s, seal_hash = %s WHERE id = %s AND seal_seq IS NULL",
                    params,
                )
            sealed += len(rows)
        if len(rows) < batch:
            break
    return sealed


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    unsealed: int
    head: str
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str = ""


def audit_verify(*, chunk: int = 5000) -> Verdict:
    """Recompute the whole chain. ``ok`` when every sealed row is where it should be with the hash it should have."""
    expected_seq, previous, checked = 1, GENESIS, 0
    rows = AuditEvent.objects.filter(seal_seq__isnull=False).order_by("seal_seq")
    for row in rows.iterator(chunk_size=chunk):
        if row.seal_seq != expected_seq:
            reason = f"position {expected_seq} is missing (next sealed position is {row.seal_seq})"
            return Verdict(False, checked, _unsealed(), previous, expected_seq, row.pk, reason)
        recomputed = chain_hash(previous, row)
        if recomputed != row.seal_hash:
            reason = "its content or hash was changed after it was sealed"
            return Verdict(False, checked, _unsealed(), previous, row.seal_seq, row.pk, reason)
        previous, expected_seq, checked = row.seal_hash, expected_seq + 1, checked + 1
    return Verdict(True, checked, _unsealed(), previous)


def _unsealed() -> int:
    return AuditEvent.objects.filter(seal_seq__isnull=True).count()
