"""Rate limits of the public ticket lookup: per address and per ticket number, so numbers cannot be guessed."""

from django.core.cache import cache

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
