"""The live board (issue 13, point 1): `/sla/live/` and its drill-down lists, for supervisory roles.

Who sees which office is ``supervision.access`` alone: ``report_offices(user)``. An officer (``own_figures_only``)
gets a 403 page that says so; an office outside the user's reach is a 404, like an office that does not exist.
The page refreshes its board every 5 seconds (htmx, `?partial=1`), in a fixed number of queries.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from offices.models import Office, StaffProfile
from sla.selectors import sla_badges
from tickets.identifiers import mask_text
from tickets.models import Inquiry
from tickets.permissions import staff_profile

from . import live
from .access import is_supervisor, report_offices

PAGE_SIZE = 25
POLL_SECONDS = 5

FIGURE_LABELS = {
    "open": gettext_lazy("Open inquiries"),
    "unassigned": gettext_lazy("Unassigned"),
    "waiting": gettext_lazy("Waiting for the requester"),
    "at_risk": gettext_lazy("At risk"),
    "breached": gettext_lazy("Breached now"),
    "oldest": gettext_lazy("Waiting for a first response, oldest first"),
    "tickets": gettext_lazy("Tickets open at units"),
}
# The inbox's own queue filters that show exactly the same inquiries (the inbox shows the user's own office).
INBOX_QUEUES = {"open": "open", "unassigned": "unassigned", "waiting": "waiting"}


def _forbidden(request):
    return render(request, "supervision/live_forbidden.html", status=403)


def _office_or_404(request, code: str) -> Office:
    office = report_offices(request.user).filter(code=code).first() if code.isascii() and code.isdigit() else None
    if office is None:
        raise Http404(_("No such office in your reach."))
    return office


class Links:
    """Where each number of an office's board leads: the inbox's queue when it shows the same list (the user's own
    office), else the drill-down list of this page."""

    def __init__(self, user, office: Office):
        profile = staff_profile(user)
        self.own = profile is not None and profile.office_id == office.pk
        self.office = office

    def drill(self, figure: str, **extra) -> str:
        return reverse("sla-live-list") + "?" + urlencode({"office": self.office.code, "figure": figure, **extra})

    def figure(self, figure: str) -> str:
        if self.own and figure in INBOX_QUEUES:
            return reverse("tickets:inbox") + "?" + urlencode({"queue": INBOX_QUEUES[figure]})
        return self.drill(figure)

    def officer(self, user_id: int) -> str:
        if self.own:
            return reverse("tickets:inbox") + "?" + urlencode({"queue": "open", "officer": user_id})
        return self.drill("open", officer=user_id)

    def inquiry(self, inquiry_id: int) -> str:
        if self.own:
            return reverse("tickets:conversation", args=[inquiry_id])
        return reverse("sla-live-inquiry", args=[inquiry_id])

    def all(self) -> dict[str, str]:
        return {name: self.figure(name) for name in (*live.FIGURES, "tickets")}


@login_required
@require_safe
def live_board(request):
    """One office's board (`?office=CODE`, or the user's only office), or every office in reach side by side."""
    if not is_supervisor(request.user):
        return _forbidden(request)
    reach = report_offices(request.user)
    code = request.GET.get("office", "")
    office = _office_or_404(request, code) if code else None
    offices = list(reach.order_by("parent__code", "code").values_list("code", "name"))
    if office is None and len(offices) == 1:
        office = _office_or_404(request, offices[0][0])
    now = timezone.now()
    context = {"offices": offices, "office": office, "now": now, "poll": POLL_SECONDS, "labels": FIGURE_LABELS}
    if office is not None:
        timezone.activate(office.timezone)
        board = live.live_detail(office, now=now)
        links = Links(request.user, office)
        context.update(
            board=board,
            links=links.all(),
            officers=[(o, links.officer(o.user_id)) for o in board.officers],
            tickets=[(t, links.inquiry(t.inquiry_id)) for t in board.tickets],
            oldest_link=links.inquiry(board.oldest.inquiry_id) if board.oldest else "",
        )
    else:
        profile = staff_profile(request.user)
        zone = profile.office.timezone if profile else "Asia/Jakarta"
        timezone.activate(zone)
        context["zone"] = live.zone_label(zone)
        summaries = live.live_summaries(reach, now=now)
        context["rows"] = [(row, Links(request.user, row.office).all()) for row in summaries]
        links = dict(zip((row.office.pk for row in summaries), (links for _row, links in context["rows"]), strict=True))
        context["groups"] = [
            (group, [(row, links[row.office.pk]) for row in group.rows]) for group in live.by_region(summaries)
        ]
    template = "supervision/live_partial.html" if request.GET.get("partial") else "supervision/live.html"
    return render(request, template, context)


@login_required
@require_safe
def live_list(request):
    """The inquiries (or tickets) behind one number of the board: `?office=CODE&figure=...[&officer=ID]`."""
    if not is_supervisor(request.user):
        return _forbidden(request)
    office = _office_or_404(request, request.GET.get("office", ""))
    figure = request.GET.get("figure", "")
    if figure not in FIGURE_LABELS:
        raise Http404(_("No such figure on the board."))
    officer, officer_name = None, ""
    if request.GET.get("officer"):
        raw = request.GET["officer"]
        profile = (
            StaffProfile.objects.filter(office=office, user_id=int(raw)).select_related("user").first()
            if raw.isascii() and raw.isdigit() and len(raw) < 18
            else None
        )
        if profile is None:
            raise Http404(_("No such officer in this office."))
        officer, officer_name = profile.user_id, profile.user.get_full_name() or profile.user.get_username()
    timezone.activate(office.timezone)
    now = timezone.now()
    links = Links(request.user, office)
    if figure == "tickets":
        queryset = live.open_tickets(office).select_related("unit", "inquiry__office", "assigned_to")
    else:
        queryset = live.figure_inquiries(office, figure, now=now, officer_id=officer)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    if figure == "tickets":
        badges = sla_badges([t.inquiry for t in page.object_list], now=now)
        rows = [(t, badges[t.inquiry_id], links.inquiry(t.inquiry_id)) for t in page.object_list]
    else:
        badges = sla_badges(page.object_list, now=now)
        rows = [(i, badges[i.pk], links.inquiry(i.pk)) for i in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "supervision/live_list.html",
        {
            "office": office,
            "figure": figure,
            "title": FIGURE_LABELS[figure],
            "officer_name": officer_name,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "zone": live.zone_label(office.timezone),
        },
    )


@login_required
@require_safe
def live_inquiry(request, pk: int):
    """An inquiry of an office in the supervisor's reach, read only (a regional supervisor does not work it)."""
    if not is_supervisor(request.user):
        return _forbidden(request)
    if pk > 2**63 - 1:
        raise Http404
    inquiry = (
        Inquiry.objects.filter(office__in=report_offices(request.user), pk=pk)
        .select_related("office", "account", "requester", "assigned_to")
        .first()
    )
    if inquiry is None:
        raise Http404(_("No such inquiry in your reach."))
    timezone.activate(inquiry.office.timezone)
    now = timezone.now()
    # Identifiers masked: the reveal of a full value is the office's own (audited) business, not the supervisor's.
    messages = inquiry.messages.select_related("author", "outbound").order_by("created_at", "id")
    thread = [(message, mask_text(message.text or "")) for message in messages]
    return render(
        request,
        "supervision/live_inquiry.html",
        {
            "inquiry": inquiry,
            "thread": thread,
            "badge": sla_badges([inquiry], now=now)[inquiry.pk],
            "topics": list(inquiry.topics.all()),
            "zone": live.zone_label(inquiry.office.timezone),
            "own": Links(request.user, inquiry.office).own,
        },
    )
