from django.conf import settings
from django.shortcuts import render
from django.utils import translation

from offices.models import Office


def demo(request):
    """A mock office website with the web-chat widget embedded, as an office would embed it.

    `?lang=en` shows the page (and so the widget, which follows the page's `lang`) in English.
    """
    code = request.GET.get("office", "050100")
    office = Office.objects.filter(code=code).first() or Office.objects.filter(channels__kind="webchat").first()
    language = request.GET.get("lang", "")
    if language not in {code for code, _name in settings.LANGUAGES}:
        language = translation.get_language()
    with translation.override(language):
        return render(request, "webchat/demo.html", {"office": office})
