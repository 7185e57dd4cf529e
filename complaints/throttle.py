"""The public intake's rate limit: the ``complaint`` rate (settings ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``,
``COMPLAINT_RATE`` in the environment), keyed on the client's address as the web chat's throttles are, and
shared by the public page and the public API (one budget per address, whichever path it uses)."""

from rest_framework.throttling import AnonRateThrottle

from common.client import client_address


class ComplaintThrottle(AnonRateThrottle):
    scope = "complaint"

    def get_ident(self, request):
        return client_address(request)

    def allow_request(self, request, view):
        if request.method != "POST":
            return True
        return super().allow_request(request, view)


def public_submission_allowed(request) -> bool:
    """The page's check (a Django request, no DRF view): the same throttle, the same counter."""
    return ComplaintThrottle().allow_request(request, None)
