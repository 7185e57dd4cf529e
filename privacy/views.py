"""Compliance staff's pages for requesters' data requests: find, export (access), erase (with a reason)."""

import json

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from tickets.identifiers import mask
from tickets.models import Inquiry, Requester, RequesterReference

from .anonymise import open_work
from .subjects import can_handle_requests, requester_erase, requester_export, requester_get, requesters_find


def _guard(request):
    if not can_handle_requests(request.user):
        raise PermissionDenied


def _requester_or_404(request, requester_id):
    try:
        return requester_get(user=request.user, requester_id=requester_id)
    except Requester.DoesNotExist as exc:
        raise Http404 from exc


@login_required
@require_safe
def data_requests(request):
    """Find what is held about a requester: by platform id, e-mail, phone, identity number or name."""
    _guard(request)
    query = request.GET.get("q", "").strip()[:100]
    results = requesters_find(user=request.user, query=query) if query else []
    return render(request, "privacy/requests.html", {"query": query, "results": results, "short": len(query) < 3})


@login_required
@require_safe
def data_export(request, requester_id: int):
    """An access request: everything held about the requester, as a JSON file (audited)."""
    _guard(request)
    requester = _requester_or_404(request, requester_id)
    data = requester_export(user=request.user, requester=requester)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="data-pemohon-{requester.pk}-{stamp}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def data_erase(request, requester_id: int):
    """An erasure request: a confirmation page saying what goes and what is kept, then the erasure (POST)."""
    _guard(request)
    requester = _requester_or_404(request, requester_id)
    inquiries = Inquiry.objects.filter(requester=requester)
    context = {
        "requester": requester,
        "inquiries": inquiries.count(),
        "kept": inquiries.filter(open_work()).count(),
        "references": [
            mask(v) for v in RequesterReference.objects.filter(requester=requester).values_list("value", flat=True)
        ],
        "error": "",
    }
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            context["error"] = _("Tick the box to confirm the erasure.")
        else:
            try:
                counts = requester_erase(user=request.user, requester=requester, reason=request.POST.get("reason", ""))
            except ValidationError as exc:
                context["error"] = " ".join(exc.messages)
            else:
                flash.success(
                    request,
                    _(
                        "Erased: %(inquiries)s inquiries anonymised, %(files)s files and %(references)s references "
                        "deleted; "
                        "%(kept)s kept for open matters."
                    )
                    % {
                        "inquiries": counts["inquiries"],
                        "files": counts["files"],
                        "references": counts["references"],
                        "kept": counts["kept_inquiries"],
                    },
                )
                return redirect("privacy-requests")
    return render(request, "privacy/erase.html", context, status=400 if context["error"] else 200)
