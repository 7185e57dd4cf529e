from django.shortcuts import render

from offices.models import Office


def demo(request):
    """A mock office website with the web-chat widget embedded, as an office would embed it."""
    code = request.GET.get("office", "050100")
    office = Office.objects.filter(code=code).first() or Office.objects.filter(channels__kind="webchat").first()
    return render(request, "webchat/demo.html", {"office": office})
