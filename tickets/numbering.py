"""Ticket numbers and verification codes: human-readable, unique, gapless per office and local date."""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import connection

from offices.models import Office

from .models import TicketCounter

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed from a phone
CODE_LENGTH = 6


# --- Numbers and codes -------------------------------------------------------------------------------------
def ticket_number_next(*, office: Office, day) -> str:
    """`BC-<office>-<YYYYMMDD>-<NNNN>`: the next number of the office's local date, in the caller's transaction.

    One atomic upsert: concurrent escalations each get their own number, and a rolled-back escalation rolls
    its increment back too, so numbers have neither gaps nor duplicates.
    """
    table = TicketCounter._meta.db_table
    sql = (
        f"INSERT INTO {table} (office_id, day, last) VALUES (%s, %s, 1) "  # noqa: S608 - identifiers only
        f"ON CONFLICT (office_id, day) DO UPDATE SET last = {table}.last + 1 RETURNING last"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [office.pk, connection.ops.adapt_datefield_value(day)])
        sequence = cursor.fetchone()[0]
    return f"BC-{office.code}-{day:%Y%m%d}-{sequence:04d}"


def code_hash(number: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{number}:{code.upper()}".encode(), hashlib.sha256).hexdigest()


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
