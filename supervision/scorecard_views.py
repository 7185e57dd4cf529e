"""The officer scorecards page (``/sla/officers/?month=YYYY-MM&office=CODE``) and its CSV/XLSX (``format=``).

Thin: the scope is ``scorecards.scorecard_scope`` (who sees what is ``supervision.access``), the figures
``scorecards.officer_scorecards``, the files ``supervision.exports``.
"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from offices.selectors import zone_label

from . import exports, scorecards
from .access import is_supervisor, own_figures_only
from .filters import FilterError

PAGE_SIZE = 100
FORMATS = ("html", "csv", "xlsx")


def _bad(request, message: str, status: int = 400):
    return render(request, "supervision/report_error.html", {"message": message}, status=status)


@login_required
@require_safe
def officer_scorecards(request):
    kind = (request.GET.get("format") or "html").strip()
    if kind not in FORMATS:
        return HttpResponseBadRequest(_("format: one of html, csv, xlsx."))
    if not is_supervisor(request.user) and not own_figures_only(request.user):
        return _bad(request, _("Reports are for office staff."), status=403)
    try:
        scope = scorecards.scorecard_scope(request.user, request.GET)
    except FilterError as error:
        return _bad(request, str(error), status=error.status)
    timezone.activate(scope.zone)
    rows = scorecards.officer_scorecards(scope, viewer=request.user, drill_base=reverse("sla-inquiries"))
    month = scope.period.start.strftime("%Y-%m")
    if kind != "html":
        title = _("Officer scorecards")
        lines = exports.heading(title=title, scope=scope)
        lines.append([_("Counted"), _("inquiries received in the month, credited to the officer who answered")])
        section = exports.Section(title, scorecards.export_header(), [scorecards.export_row(row) for row in rows])
        return exports.file_response(
            kind, stem=f"officer-scorecards-{month}", scope=scope, lines=lines, sections=[section]
        )
    kept = {"month": month}
    if scope.office is not None:
        kept["office"] = scope.office.code
    elif scope.region is not None:
        kept["region"] = scope.region.code
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/scorecards.html",
        {
            "scope": scope,
            "page": page,
            "rows": list(page),
            "month": month,
            "kept": urlencode(kept),
            "own": scope.own_user_id is not None,
            "several_offices": len(scope.offices) > 1,
            "zone": zone_label(scope.zone),
            "report_query": urlencode(
                {
                    "period": "month",
                    "on": scope.period.start.isoformat(),
                    **{k: v for k, v in kept.items() if k != "month"},
                }
            ),
        },
    )
