"""Register numbers given to complainants: human-readable, unique, gapless per office and year.

``PGD-<office>-<YYYY>-<NNNNN>``, made like the ticket numbers (``tickets.numbering``): one atomic upsert of the
office's counter for the year, in the caller's transaction, so concurrent complaints each get their own number
and a rolled-back intake rolls its increment back too.
"""

from django.db import connection

from offices.models import Office

from .models import ComplaintCounter

PREFIX = "PGD"  # pengaduan


def register_number_next(*, office: Office, year: int) -> str:
    table = ComplaintCounter._meta.db_table
    sql = (
        f"INSERT INTO {table} (office_id, year, last) VALUES (%s, %s, 1) "  # noqa: S608 - identifiers only
        f"ON CONFLICT (office_id, year) DO UPDATE SET last = {table}.last + 1 RETURNING last"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [office.pk, year])
        sequence = cursor.fetchone()[0]
    return f"{PREFIX}-{office.code}-{year:04d}-{sequence:05d}"
