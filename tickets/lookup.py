"""The public ticket lookup: a ticket by its number and verification code, and the limits on guessing codes.

Ticket numbers are sequential (``BC-<office>-<YYYYMMDD>-<NNNN>``), so anyone can name a real one; the code is
the secret. The limits must stop guessing codes without letting a stranger lock the owner out of their ticket.

The design:

* Only FAILED attempts count (a wrong code, or a number that does not exist). Looking up your own ticket with
  the right code costs nothing, however often you do it.
* Two counters, both keyed on the client's address (``common.client.client_address``, so a forged
  ``X-Forwarded-For`` changes nothing; an IPv6 client counts per /64, the block one subscriber gets):

  - per address and number: ``PER_ADDRESS_AND_NUMBER`` failures (5 a day) on one ticket number;
  - per address: ``PER_ADDRESS`` failures over all numbers (10 an hour, 30 a day), which also stops walking
    the numbers.

  An address over a limit is refused (429, with ``Retry-After``) without its code being checked, or the limit
  would only delay a lucky guess. A correct code clears that address's counter for that number (the owner who
  mistyped twice starts again); it never clears the per-address counter, or a guesser could reset it with a
  ticket of their own.
* No counter per number across addresses: whatever it refused would be refused to the owner too, which is how
  24 wrong codes from three addresses locked the rightful requester out before. A short delay per number was
  considered and left out: it does not slow a guesser who sends in parallel, and it holds a worker per request.
  So other addresses' failures never affect anyone's lookup; only one's own address's failures do.

Is a 6-character code from the 31-letter alphabet (31^6 = 887,503,681 codes, ~29.7 bits) enough with these
limits? Windows are fixed (aligned to the clock), so an address gets at most 30 wrong guesses per day window
(60 in the worst 24 hours, straddling two windows) and at most 5 on one ticket number per day window.
Against one chosen ticket, an address succeeds with probability 5 / 887,503,681 ≈ 5.6e-9 a day (about 2e-6
in a year of trying every day); finding that code takes half the space on average, ~4.4e8 guesses, i.e.
~89 million address-days. Against any ticket at all, an address's 30 guesses a day (spread over real
numbers) succeed with probability ≈ 3.4e-8 a day. Enough against a person or a small network of addresses;
a botnet of 10,000 addresses guessing for six months would have about a 6% chance of opening some ticket,
and the remedy then is a longer code (8 characters: ~39.6 bits), not a lock that strangers can pull.
Addresses shared by many people (carrier-grade NAT, an office's Wi-Fi) share the per-address counter: a
guesser on the same address can delay a requester there until the window ends.
"""

import hashlib
import hmac
import ipaddress
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.utils import formats, timezone

from offices.selectors import zone_label

from .models import Ticket
from .numbering import code_hash


@dataclass(frozen=True)
class Limit:
    failures: int
    seconds: int


PER_ADDRESS = (Limit(failures=10, seconds=60 * 60), Limit(failures=30, seconds=24 * 60 * 60))
PER_ADDRESS_AND_NUMBER = Limit(failures=5, seconds=24 * 60 * 60)


@dataclass(frozen=True)
class LookupResult:
    ticket: Ticket | None
    refused: bool = False  # over a limit: the code was not checked
    retry_after: int = 0  # seconds, when refused


def _normalized(number: str) -> str:
    return (number or "").strip().upper()


def _address_group(address: str) -> str:
    """The address a counter keys on: IPv4 as it is, IPv6 by its /64 (one subscriber gets a whole /64)."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return address or "-"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def _digest(*parts: str) -> str:
    # Cache keys never carry what the public typed (spaces, control characters, length).
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _counters(address: str, number: str, now: float) -> list[tuple[str, Limit, int]]:
    """(cache key, limit, seconds until its window ends) of each counter this attempt belongs to."""
    group = _address_group(address)
    found = []
    for scope, limit, ident in [
        *[("ip", limit, _digest(group)) for limit in PER_ADDRESS],
        ("ip-no", PER_ADDRESS_AND_NUMBER, _digest(group, _normalized(number)[:40])),
    ]:
        window = int(now // limit.seconds)
        remaining = max(1, int((window + 1) * limit.seconds - now))
        found.append((f"ticket-lookup:{scope}:{limit.seconds}:{window}:{ident}", limit, remaining))
    return found


def _add(key: str, delta: int, remaining: int) -> int:
    """Add to a counter that lives until its window ends. Atomic where the cache is (Redis, local memory)."""
    if delta > 0 and cache.add(key, delta, remaining):
        return delta
    try:
        value = cache.incr(key, delta)
    except ValueError:  # expired meanwhile
        if delta < 0:
            return 0
        cache.add(key, delta, remaining)
        return delta
    # Some backends' incr rewrites the entry with the default timeout (the file cache); keep the window's end.
    cache.touch(key, remaining)
    return value


def ticket_lookup_attempt(*, address: str, number: str, code: str) -> LookupResult:
    """Look a ticket up for the client at `address`, counting the attempt if it fails.

    The attempt is counted first (so parallel guesses cannot all slip under the limit) and given back when it
    is refused or turns out right.
    """
    counters = _counters(address, number, time.time())
    counts = [(_add(key, 1, remaining), key, limit, remaining) for key, limit, remaining in counters]
    over = [remaining for count, _key, limit, remaining in counts if count > limit.failures]
    if over:
        for _count, key, _limit, remaining in counts:
            _add(key, -1, remaining)
        return LookupResult(ticket=None, refused=True, retry_after=max(over))
    ticket = ticket_lookup(number=number, code=code)
    if ticket is not None:
        for _count, key, limit, remaining in counts:
            if limit is PER_ADDRESS_AND_NUMBER:
                cache.delete(key)
            else:
                _add(key, -1, remaining)
    return LookupResult(ticket=ticket)


def ticket_lookup(*, number: str, code: str) -> Ticket | None:
    """The ticket when number and code match, else None; the same work either way (no timing oracle)."""
    number = _normalized(number)
    code = (code or "").strip().upper()
    ticket = Ticket.objects.select_related("unit", "office", "inquiry").filter(number=number).first()
    expected = ticket.verification_hash if ticket else code_hash("-", "-")
    given = code_hash(number, code)
    if hmac.compare_digest(expected, given) and ticket is not None:
        return ticket
    return None


def due_label(ticket: Ticket) -> str:
    """The final answer's due time as the requester reads it: in the office's zone, with WIB / WITA / WIT."""
    due = ticket.inquiry.resolution_due
    if due is None:
        return ""
    zone = ticket.office.timezone
    local = timezone.localtime(due, ZoneInfo(zone))
    return f"{formats.date_format(local, 'l j F Y H:i')} {zone_label(zone)}"
