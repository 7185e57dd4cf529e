"""The satisfaction-survey page (`/sla/survey/`) and its comments (`/sla/survey/comments/`), clause b.8.2.

Visibility exactly as the SLA report: ``supervision.access`` through ``filters.parse_scope`` (an officer their own
answers, coordinators and heads their office, regional staff their region, the head office all).
"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from offices.selectors import zone_label
from tickets.identifiers import mask_text

from . import survey
from .filters import FilterError, parse_scope
from .views import PAGE_SIZE, _bad, _inquiry_link, _kept, _no_reports


def _scope(request):
    if _no_reports(request.user):
        return None, _bad(request, _("Reports are for office staff."), status=403)
    try:
        scope = parse_scope(request.user, request.GET)
    except FilterError as error:
        return None, _bad(request, str(error), status=error.status)
    timezone.activate(scope.zone)
    return scope, None


def _link(kept: dict, **slice_) -> str:
    return "?" + urlencode({**kept, **{k: v for k, v in slice_.items() if v not in ("", None)}})


@login_required
@require_safe
def survey_page(request):
    """Response rate, rating distribution and satisfaction score, by office, channel and officer."""
    scope, refusal = _scope(request)
    if refusal is not None:
        return refusal
    # By officer within one office (or one's own work): a roll-up of many offices compares offices, and its
    # hundreds of officers are one office choice away.
    report = survey.survey_report(scope, officers=len(scope.offices) == 1)
    kept = _kept(request)
    for row in report["by_office"]:
        row["link"] = _link({k: v for k, v in kept.items() if k not in ("office", "region")}, office=row["key"])
    for row in report["by_channel"]:
        row["link"] = _link(kept, channel=row["key"])
    for row in report["by_officer"] or ():
        row["link"] = _link(kept, officer=row["key"])
    context = {
        "scope": scope,
        "report": report,
        "t": report["total"],
        "kept": urlencode(kept),
        "own": scope.own_user_id is not None,
        "zone": zone_label(scope.zone),
        "periods": [("day", _("Day")), ("week", _("Week")), ("month", _("Month")), ("custom", _("Custom range"))],
    }
    return render(request, "supervision/survey.html", context)


def _slice(params) -> dict:
    found = {}
    channel = (params.get("channel") or "").strip()
    if len(channel) > 40:
        raise FilterError(_("%(name)s: too long.") % {"name": "channel"})
    if channel:
        found["channel"] = channel
    for name, high in (("officer", 2**31 - 1), ("rating", 5)):
        raw = (params.get(name) or "").strip()
        if not raw:
            continue
        if not raw.isdigit() or not 1 <= int(raw) <= high:
            raise FilterError(
                _("%(name)s: a whole number from %(low)s to %(high)s.") % {"name": name, "low": 1, "high": high}
            )
        found[name] = int(raw)
    if params.get("comments") == "1":
        found["comments_only"] = True
    return found


@login_required
@require_safe
def survey_comments(request):
    """The rated inquiries behind a figure, with their comments (identifiers masked), paginated."""
    scope, refusal = _scope(request)
    if refusal is not None:
        return refusal
    try:
        part = _slice(request.GET)
    except FilterError as error:
        return _bad(request, str(error), status=error.status)
    queryset = survey.rated_inquiries(scope, **part)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        (
            inquiry,
            _inquiry_link(request.user, inquiry),
            mask_text(inquiry.rating_comment),
            zone_label(inquiry.office.timezone),
        )
        for inquiry in page
    ]
    query = {**_kept(request), **{k: ("1" if v is True else v) for k, v in part.items()}}
    if "comments_only" in query:
        query["comments"] = query.pop("comments_only")
    return render(
        request,
        "supervision/survey_comments.html",
        {
            "scope": scope,
            "page": page,
            "rows": rows,
            "query": urlencode(query),
            "report_query": urlencode(_kept(request)),
            "slice": {k: v for k, v in part.items() if k != "comments_only"},
        },
    )
