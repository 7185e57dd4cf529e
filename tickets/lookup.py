"""The public ticket lookup: a ticket by its number and verification code, and the limits on guessing them
(per address and per ticket number, so numbers cannot be guessed)."""

import hmac

from django.core.cache import cache

from .models import Ticket
from .numbering import code_hash

PER_ADDRESS = (10, 10 * 60)  # attempts, seconds
PER_NUMBER = (20, 24 * 60 * 60)


def _hit(key: str, window: int) -> int:
    if cache.add(key, 1, window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, window)
        return 1


def lookup_allowed(*, address: str, number: str) -> bool:
    """Count this attempt; False once the address or the number has used up its attempts."""
    by_address = _hit(f"ticket-lookup:ip:{address}", PER_ADDRESS[1])
    by_number = _hit(f"ticket-lookup:no:{number.strip().upper()[:40]}", PER_NUMBER[1])
    return by_address <= PER_ADDRESS[0] and by_number <= PER_NUMBER[0]


def ticket_lookup(*, number: str, code: str) -> Ticket | None:
    """The ticket when number and code match, else None; the same work either way (no timing oracle)."""
    number = (number or "").strip().upper()
    code = (code or "").strip().upper()
    ticket = Ticket.objects.select_related("unit", "office").filter(number=number).first()
    expected = ticket.verification_hash if ticket else code_hash("-", "-")
    given = code_hash(number, code)
    if hmac.compare_digest(expected, given) and ticket is not None:
        return ticket
    return None
