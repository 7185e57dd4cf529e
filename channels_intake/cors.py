"""CORS for the public web-chat API: only the websites configured to embed the chat may call it."""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import PermissionDenied

from .adapters import WebchatAdapter
from .models import ChannelAccount


def allowed_origins() -> set[str]:
    origins = {origin.rstrip("/") for origin in settings.WEBCHAT_ALLOWED_ORIGINS}
    for text in ChannelAccount.objects.filter(kind=WebchatAdapter.kind, is_active=True).values_list(
        "allowed_origins", flat=True
    ):
        origins.update(line.strip().rstrip("/") for line in text.splitlines() if line.strip())
    return origins


class WebchatCorsMixin:
    """Adds Access-Control-* headers for allowed origins; answers preflight requests."""

    def _origin_allowed(self, request) -> str | None:
        origin = request.headers.get("Origin")
        if not origin:
            return None
        own = f"{request.scheme}://{request.get_host()}"
        if origin == own or origin in allowed_origins():
            return origin
        return None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Browsers enforce CORS on reads; refuse writes from other websites here too.
        if request.method == "POST" and request.headers.get("Origin") and not self._origin_allowed(request):
            raise PermissionDenied(_("This website may not use the web chat."))

    def options(self, request, *args, **kwargs):
        response = super().options(request, *args, **kwargs)
        response.data = None
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        origin = self._origin_allowed(request)
        if origin:
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Content-Type, X-Webchat-Token, Accept-Language"
            response["Access-Control-Max-Age"] = "600"
        response["Vary"] = "Origin" if "Vary" not in response else response["Vary"] + ", Origin"
        return response
