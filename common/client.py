"""The client's address, as the trusted proxies in front of the app saw it.

Every limit on the public (DRF's throttles, the ticket lookup, the web-chat session's stored address, the login
lockout) keys on this one address, so a client cannot dodge them by sending its own ``X-Forwarded-For``.

``TRUSTED_PROXY_COUNT`` (settings, from the environment) says how many proxies of ours stand in front of the app:

* 0 (the default): nothing in front, or nothing we trust; ``REMOTE_ADDR`` is the client and ``X-Forwarded-For``
  is ignored, whatever it says.
* N: each of our N proxies appends the address it received the request from, so the Nth address from the right
  of ``X-Forwarded-For`` was written by our outermost proxy and is the client's; everything left of it was sent
  by the client and is not trusted.

This is the rule of DRF's ``NUM_PROXIES`` (``settings.REST_FRAMEWORK["NUM_PROXIES"]`` is set to the same number),
so DRF's own ``get_ident`` and this helper name the same client.
"""

import ipaddress

from django.conf import settings


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_address(request) -> str:
    """The client's IP address; ``REMOTE_ADDR`` when no proxy is trusted or the header is missing or garbled."""
    meta = getattr(request, "META", {})
    remote = meta.get("REMOTE_ADDR", "") or ""
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",")]
    # Fewer hops than proxies: the leftmost is the best we have (DRF's rule, so both agree).
    candidate = hops[-min(proxies, len(hops))]
    return _valid(candidate) or remote
