"""The officer's pages: the live inbox and the conversation, with everything an officer does from them."""

import hashlib
import re
from datetime import timedelta

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from offices.models import Role, StaffProfile
from sla.selectors import sla_badges

from .. import consultations as consulting
from .. import inquiries, references, replies, selectors
from ..attachments import channel_takes_files
from ..forms import (
    AssignForm,
    CannedAnswerForm,
    ConsultationAnswerForm,
    ConsultForm,
    EscalateForm,
    InboxFilterForm,
    KnowledgeBaseQuery,
    NoteForm,
    ReferenceForm,
    ReplyForm,
    ResolveForm,
    form_errors,
)
from ..identifiers import KINDS, mask
from ..knowledge_base import canned_answer_save
from ..live import inbox_version
from ..masking import masked
from ..models import Consultation, Inquiry, Message, RequesterReference, Ticket
from ..permissions import (
    can_answer_consultation,
    can_curate_knowledge_base,
    can_read_knowledge_base,
    can_work_inquiry,
    staff_profile,
)
from ..selectors import MAX_DB_ID
from ..templatetags.workspace import channel_name, person, sla_badge_html

PAGE_SIZE = 25
PRESENCE_TTL = 12  # seconds: a viewer who stops polling disappears


def _activate_zone(user, office=None) -> None:
    profile = staff_profile(user)
    zone = office.timezone if office is not None else (profile.office.timezone if profile else None)
    if zone:
        timezone.activate(zone)


OFFICER_ROLES = (Role.OFFICER, Role.COORDINATOR, Role.SUPERVISOR)


def _office_officers_of(office_id: int | None):
    return [p.user for p in _office_staff(office_id) if p.role in OFFICER_ROLES]


def _office_staff(office_id: int | None) -> list:
    """The office's staff profiles with their users (one query)."""
    if office_id is None:
        return []
    return list(StaffProfile.objects.filter(office_id=office_id).select_related("user"))


# --- The inbox and its live refresh -----------------------------------------------------------------------------
# The refresh asks with If-None-Match the ETag of what it shows; the answer is 304 when nothing it depends on
# moved: the office's change counters (tickets.live: any write to its inquiries, messages, requesters, SLA
# notices, staff or calendar, however made), the officer's view (user, filters, page, language) and time. Time
# moves a page only at moments known when it is drawn (a countdown crossing its at-risk or due moment, working
# time starting or stopping); the ETag carries the earliest of them. Between them the countdowns tick in the
# browser (static/js/inbox_live.js), from the working seconds drawn into each badge.
ETAG = re.compile(r'(?:W/)?"([0-9a-f]{24})\.([0-9]{1,12})"')
LIVE_HORIZON = timedelta(hours=1)  # the page is drawn again at least this often, whatever else


def _view_state(request, live) -> str:
    params = sorted((key, value) for key, values in request.GET.lists() if key != "partial" for value in values)
    counters = (live.office_id, live.version, live.calendar) if live else None
    raw = repr((request.user.pk, counters, translation.get_language(), params))
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


def _unchanged(request, state: str, now) -> bool:
    header = request.META.get("HTTP_IF_NONE_MATCH", "")
    for match in ETAG.finditer(header[:1000]):
        if match[1] == state and int(match[2]) > now.timestamp():
            return True
    return False


def _inbox_rows(listed, badges, calendars, now) -> list[dict]:
    """What each row of the list shows, worked out here once rather than by filters and lookups in the template
    (it draws 25 rows every 4 seconds per officer): the link, the channel's name, the requester's name masked,
    the badge with its countdown, the assignee's name."""
    rows = []
    for inquiry in listed:
        badge = badges[inquiry.pk]
        tick = _tick(inquiry, badge, calendars[inquiry.office_id], now)
        rows.append(
            {
                "inquiry": inquiry,
                "badge": badge,
                "tick": tick,
                "pk": inquiry.pk,
                "href": reverse("tickets:conversation", args=[inquiry.pk]),
                "state": badge.state,
                "kind": inquiry.account.kind,
                "channel": channel_name(inquiry.requester.channel or inquiry.account.kind),
                "requester": masked(str(inquiry.requester)),
                "preview": inquiry.preview or "—",
                "escalated": inquiry.status == Inquiry.Status.ESCALATED,
                "failed": inquiry.delivery_failed_at is not None,
                "badge_html": sla_badge_html(badge, tick),
                "assigned": person(inquiry.assigned_to) or "—",
            }
        )
    return rows


def _next_change(rows, calendars, now):
    """The first moment the page would be drawn differently by time alone (not by the browser's ticking)."""
    moments = [now + LIVE_HORIZON]
    boundaries: dict[int, object] = {}
    for row in rows:
        inquiry, badge = row["inquiry"], row["badge"]
        if badge.state not in ("running", "at_risk", "breached") or badge.due is None:
            continue
        state = inquiry.target(badge.target)
        if state.met_at:
            continue
        if badge.due > now:
            moments.append(badge.due)
        if state.at_risk_at is not None and state.at_risk_at > now:
            moments.append(state.at_risk_at)
        if inquiry.office_id not in boundaries:
            boundaries[inquiry.office_id] = _working_boundary(calendars[inquiry.office_id], now)
        moments.append(boundaries[inquiry.office_id])
    return min(moment for moment in moments if moment is not None)


def _working_boundary(calendar, now):
    """When working time next starts or stops for the calendar."""
    if calendar.is_working(now):
        intervals = calendar.working_intervals(now, now + timedelta(days=8))
        return intervals[0][1] if intervals else None
    return calendar.next_working_moment(now)


def _tick(inquiry, badge, calendar, now) -> int | None:
    """Signed working seconds to the due moment, for the browser to count down; None when nothing ticks now."""
    if badge.state not in ("running", "at_risk", "breached") or badge.due is None:
        return None
    if inquiry.target(badge.target).met_at or not calendar.is_working(now):
        return None
    if now <= badge.due:
        return int(calendar.working_time_between(now, badge.due).total_seconds())
    return -int(calendar.working_time_between(badge.due, now).total_seconds())


@login_required
def inbox(request):
    """The queues with live counts; `?partial=1` gives just the list, for the 4-second refresh (304 when
    nothing it shows changed: one query past the user's)."""
    now = timezone.now()
    live = inbox_version(request.user)
    state = _view_state(request, live)
    partial = bool(request.GET.get("partial"))
    if partial and _unchanged(request, state, now):
        response = HttpResponseNotModified()
        response.headers["Cache-Control"] = "private, no-store"
        return response

    profile = staff_profile(request.user)
    zone = profile.office.timezone if profile else None
    if zone:
        timezone.activate(zone)
    # The refresh needs the officers only to check an officer filter.
    needs_officers = not partial or request.GET.get("officer")
    officers = _office_officers_of(profile.office_id if profile else None) if needs_officers else []
    form = InboxFilterForm(request.GET or None, officers=officers)
    filters = form.cleaned_data if form.is_valid() else {}
    queue = filters.get("queue") or "open"
    inquiries = selectors.inquiry_list(
        user=request.user,
        queue=queue,
        q=filters.get("q", ""),
        channel=filters.get("channel", ""),
        status=filters.get("status", ""),
        officer=filters.get("officer"),
        received_from=filters.get("received_from"),
        received_to=filters.get("received_to"),
        now=now,
    )
    counts = selectors.queue_counts(user=request.user, now=now, live=live)
    # The queue alone: its count is already there (one query fewer); filtered or searched, the page and its
    # total come in one statement.
    filtered = any(filters.get(name) for name in form.fields if name != "queue")
    page = selectors.inquiry_page(
        inquiries, request.GET.get("page"), per_page=PAGE_SIZE, count=None if filtered else counts[queue]
    )
    listed = page.object_list
    calendars = selectors.cached_calendars({inquiry.office for inquiry in listed}, live=live)
    badges = sla_badges(listed, now=now, calendars=calendars)
    rows = _inbox_rows(listed, badges, calendars, now)
    etag = f'"{state}.{int(_next_change(rows, calendars, now).timestamp())}"'
    context = {
        "page": page,
        "rows": rows,
        "form": form,
        "queue": queue,
        "counts": counts,
        "queues": QUEUE_LABELS,
        "profile": profile,
        "query": request.GET.copy(),
        "now": now,
        "etag": etag,
        "partial": partial,
    }
    if partial:
        # Without the request's context processors: the refresh needs none of them (the bell's count is a query).
        response = HttpResponse(loader.get_template("tickets/_inbox_list.html").render(context | {"request": request}))
    else:
        response = render(request, "tickets/inbox.html", context)
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "private, no-store"
    return response


QUEUE_LABELS = [
    ("unassigned", gettext_lazy("Unassigned")),
    ("mine", gettext_lazy("Mine")),
    ("waiting", gettext_lazy("Waiting for requester")),
    ("escalated", gettext_lazy("Escalated")),
    ("at_risk", gettext_lazy("At risk / breached")),
    ("open", gettext_lazy("All open")),
    ("closed", gettext_lazy("Closed")),
]


def _get_inquiry(request, pk: int, join_people: bool = True) -> Inquiry:
    try:
        if pk > MAX_DB_ID:
            raise Inquiry.DoesNotExist
        return selectors.inquiry_detail(user=request.user, pk=pk, join_people=join_people)
    except Inquiry.DoesNotExist as exc:
        raise Http404(_("No such inquiry in your office.")) from exc


def _id_or_404(value: int) -> int:
    """An id from the URL (`<int:...>`, any size) the database can look up."""
    if value > MAX_DB_ID:
        raise Http404
    return value


def _ticket_of(inquiry: Inquiry) -> Ticket | None:
    """The escalation ticket, read with the inquiry (inquiry_detail)."""
    try:
        return inquiry.ticket
    except Ticket.DoesNotExist:
        return None


@login_required
def conversation(request, pk: int):
    live = inbox_version(request.user)  # first: it also reads the staff profile the permission check needs
    inquiry = _get_inquiry(request, pk, join_people=False)  # its people are attached below, for the page
    _activate_zone(request.user, inquiry.office)
    form = ReplyForm()
    if request.method == "POST":
        form = ReplyForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                replies.reply_send(
                    inquiry=inquiry,
                    author=request.user,
                    text=form.cleaned_data["text"],
                    kind=form.cleaned_data["kind"],
                    file=form.cleaned_data.get("file") or None,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                flash.success(request, _("Reply queued for delivery."))
                return redirect("tickets:conversation", pk=inquiry.pk)
    # The viewer's office's staff: the colleagues to assign to or consult, and the people the page names (the
    # assignee, who met the response, who asked and answered a consultation) without joining them each time.
    profile = staff_profile(request.user)
    staff = _office_staff(profile.office_id if profile else None)
    consultations = list(Consultation.objects.filter(inquiry=inquiry))
    selectors.attach_related(
        [([inquiry], selectors.PEOPLE), (consultations, ("asked_by", "to_user", "answered_by"))],
        {p.user_id: p.user for p in staff},
    )
    now = timezone.now()
    # The office's calendar from the process's cache (one query for its counter instead of four to build it).
    calendars = selectors.cached_calendars(
        [inquiry.office], live=live if live and live.office_id in (None, inquiry.office_id) else None
    )
    references = list(RequesterReference.objects.filter(requester_id=inquiry.requester_id).order_by("kind", "pk"))
    units = list(selectors.units_for_office(office_code=inquiry.office.code))
    escalate_form = EscalateForm(office_code=inquiry.office.code)
    # The form's unit choices from the list already read (the field would read the units again to draw them).
    unit_field = escalate_form.fields["unit"]
    unit_field.widget.choices = [
        ("", unit_field.empty_label),
        *((u.pk, unit_field.label_from_instance(u)) for u in units),
    ]
    earlier = list(
        Inquiry.objects.filter(requester_id=inquiry.requester_id).exclude(pk=inquiry.pk).order_by("-received_at")[:10]
    )
    selectors.attach_related([(consultations, ("to_unit",))], {unit.pk: unit for unit in units})
    return render(
        request,
        "tickets/conversation.html",
        {
            "inquiry": inquiry,
            "thread": list(inquiry.messages.all()),
            "form": form,
            "now": now,
            "badge": sla_badges([inquiry], now=now, calendars=calendars)[inquiry.pk],
            "window": replies.reply_window_for(inquiry, now=now),
            "takes_files": channel_takes_files(inquiry.account.kind),
            "ticket": _ticket_of(inquiry),
            "escalate_form": escalate_form,
            "references": [(ref, mask(ref.value), KINDS.get(ref.kind, ref.kind)) for ref in references],
            "reference_kinds": KINDS.items(),
            "earlier": earlier,
            "consultations": consultations,
            "colleagues": [p.user for p in staff if p.role in OFFICER_ROLES and p.user_id != request.user.pk],
            "office_staff": staff,  # the complaint form names a colleague from it (complaint_colleagues)
            "units": units,
            "outcomes": [(value, label) for value, label in Inquiry.Outcome.choices if value],
        },
    )


@login_required
@require_POST
def claim(request, pk: int):
    inquiry = _get_inquiry(request, pk)
    try:
        inquiries.inquiry_claim(inquiry=inquiry, user=request.user)
    except ValidationError as exc:
        flash.error(request, " ".join(exc.messages))
    else:
        flash.success(request, _("The inquiry is yours."))
    return redirect("tickets:conversation", pk=inquiry.pk)


def _run(request, pk: int, action, success: str, form=None):
    """Run one service for a POST from the conversation page; errors come back as a message, never a 500.

    A `form` that does not validate (a NUL character, an id that is no number) is the message instead.
    """
    if form is not None and not form.is_valid():
        flash.error(request, form_errors(form))
        return redirect("tickets:conversation", pk=pk)
    try:
        action()
    except (ValidationError, PermissionDenied) as exc:
        flash.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
    else:
        flash.success(request, success)
    return redirect("tickets:conversation", pk=pk)


@login_required
@require_POST
def assign(request, pk: int):
    inquiry = _get_inquiry(request, pk)
    form = AssignForm(request.POST, office_id=inquiry.office_id)
    return _run(
        request,
        pk,
        lambda: inquiries.inquiry_assign(inquiry=inquiry, actor=request.user, to_user=form.cleaned_data["to_user"]),
        _("Assigned."),
        form,
    )


@login_required
@require_POST
def note(request, pk: int):
    inquiry = _get_inquiry(request, pk)
    form = NoteForm(request.POST)
    return _run(
        request,
        pk,
        lambda: inquiries.note_add(inquiry=inquiry, actor=request.user, text=form.cleaned_data["text"]),
        _("Note added."),
        form,
    )


@login_required
@require_POST
def consult(request, pk: int):
    inquiry = _get_inquiry(request, pk)
    form = ConsultForm(request.POST, inquiry=inquiry)
    return _run(
        request,
        pk,
        lambda: consulting.consultation_ask(
            inquiry=inquiry,
            actor=request.user,
            question=form.cleaned_data["question"],
            to_user=form.cleaned_data["to_user"],
            to_unit=form.cleaned_data["to_unit"],
        ),
        _("Question sent."),
        form,
    )


@login_required
@require_POST
def consultation_answer(request, pk: int, consultation_id: int):
    consultation = (
        Consultation.objects.select_related("inquiry__office", "to_unit")
        .filter(pk=_id_or_404(consultation_id), inquiry_id=_id_or_404(pk))
        .first()
    )
    if consultation is None or not (
        can_answer_consultation(request.user, consultation) or can_work_inquiry(request.user, consultation.inquiry)
    ):
        raise Http404
    form = ConsultationAnswerForm(request.POST)
    return _run(
        request,
        pk,
        lambda: consulting.consultation_answer(
            consultation=consultation, actor=request.user, answer=form.cleaned_data["answer"]
        ),
        _("Answer sent."),
        form,
    )


@login_required
def consultation_view(request, pk: int):
    """What a consulted colleague (possibly of another office or unit) sees: the question and the thread."""
    consultations = Consultation.objects.filter(inquiry_id=_id_or_404(pk)).select_related(
        "inquiry__office", "to_unit", "asked_by"
    )
    mine = [c for c in consultations if can_answer_consultation(request.user, c)]
    if not mine:
        raise Http404
    inquiry = mine[0].inquiry
    thread = (
        Message.objects.filter(inquiry=inquiry)
        .select_related("author", "outbound")
        .prefetch_related("files")
        .order_by("created_at")
    )
    return render(request, "tickets/consultation.html", {"inquiry": inquiry, "consultations": mine, "thread": thread})


@login_required
@require_POST
def resolve(request, pk: int):
    inquiry = _get_inquiry(request, pk)
    form = ResolveForm(request.POST)
    duplicate = None
    if form.is_valid() and form.cleaned_data["duplicate_of"]:
        number = form.cleaned_data["duplicate_of"]
        duplicate = selectors.inquiry_list(user=request.user).filter(pk=number).first()
        if duplicate is None:
            flash.error(request, _("No inquiry #%(n)s in your office.") % {"n": number})
            return redirect("tickets:conversation", pk=pk)
    return _run(
        request,
        pk,
        lambda: inquiries.inquiry_resolve(
            inquiry=inquiry, actor=request.user, outcome=form.cleaned_data["outcome"], duplicate_of=duplicate
        ),
        _("Closed."),
        form,
    )


@login_required
@require_POST
def reference_add(request, pk: int):
    inquiry = _get_inquiry(request, pk)
    form = ReferenceForm(request.POST)
    return _run(
        request,
        pk,
        lambda: references.reference_add(
            inquiry=inquiry, actor=request.user, kind=form.cleaned_data["kind"], value=form.cleaned_data["value"]
        ),
        _("Reference saved."),
        form,
    )


@login_required
@require_POST
def reference_reveal(request, pk: int, reference_id: int):
    inquiry = _get_inquiry(request, pk)
    reference = RequesterReference.objects.filter(
        pk=_id_or_404(reference_id), requester_id=inquiry.requester_id
    ).first()
    if reference is None:
        raise Http404
    value = references.reference_reveal(reference=reference, inquiry=inquiry, actor=request.user)
    return HttpResponse(value, content_type="text/plain; charset=utf-8")


@login_required
@require_POST
def retry(request, pk: int, message_id: int):
    inquiry = _get_inquiry(request, pk)
    message = (
        Message.objects.filter(pk=_id_or_404(message_id), inquiry=inquiry).select_related("inquiry__office").first()
    )
    if message is None:
        raise Http404
    return _run(request, pk, lambda: replies.outbound_retry(message=message, actor=request.user), _("Sending again."))


@login_required
def canned_search(request):
    """Knowledge-base answers for the composer: national and the officer's office, searched by words."""
    profile = staff_profile(request.user)
    query = KnowledgeBaseQuery(request.GET)
    q = query.cleaned_data.get("q", "") if query.is_valid() else ""
    answers = selectors.canned_answers(office_id=profile.office_id if profile else None, q=q)
    return render(request, "tickets/_canned.html", {"answers": answers[:12], "q": q})


@login_required
def thread_partial(request, pk: int):
    """The thread alone, for the conversation's live refresh."""
    inquiry = _get_inquiry(request, pk)
    _activate_zone(request.user, inquiry.office)
    badge = sla_badges([inquiry], now=timezone.now())[inquiry.pk]
    return render(
        request, "tickets/_thread.html", {"inquiry": inquiry, "thread": list(inquiry.messages.all()), "badge": badge}
    )


@login_required
@require_POST
def presence(request, pk: int):
    """Heartbeat of an officer on a conversation; answers who else has it open or is typing."""
    inquiry = _get_inquiry(request, pk)
    key = f"presence:{inquiry.pk}"
    now = timezone.now().timestamp()
    viewers = {int(k): v for k, v in (cache.get(key) or {}).items() if now - v["at"] < PRESENCE_TTL}
    viewers[request.user.pk] = {
        "name": request.user.get_full_name() or request.user.get_username(),
        "typing": request.POST.get("typing") == "1",
        "at": now,
    }
    cache.set(key, viewers, PRESENCE_TTL * 2)
    others = [v for uid, v in viewers.items() if uid != request.user.pk]
    return JsonResponse({"others": [{"name": v["name"], "typing": v["typing"]} for v in others]})


@login_required
def knowledge_base(request):
    """Everyone who answers reads and searches the answers; coordinators and admins curate their office's,
    superusers also the national ones (``can_curate_knowledge_base``, the rule the service applies too)."""
    if not can_read_knowledge_base(request.user):
        raise PermissionDenied
    may_curate = can_curate_knowledge_base(request.user)
    if request.method == "POST" and not may_curate:
        raise PermissionDenied
    profile = staff_profile(request.user)
    office_id = profile.office_id if profile else None
    query = KnowledgeBaseQuery(request.GET)
    query.is_valid()  # an unreadable `edit` or `q` is left out, like an absent one
    q = query.cleaned_data.get("q") or ""
    editing = None
    if may_curate and query.cleaned_data.get("edit"):
        # Only what the list shows: national answers and the office's own, never another office's.
        editable = selectors.canned_answers(office_id=office_id, include_inactive=True)
        editing = editable.filter(pk=query.cleaned_data["edit"]).first()
    if request.method == "POST":
        form = CannedAnswerForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(form_errors(form))
            canned_answer_save(
                actor=request.user,
                pk=form.cleaned_data["pk"],
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                tags=form.cleaned_data["tags"],
                national=form.cleaned_data["national"],
                active=form.cleaned_data["is_active"],
            )
        except (ValidationError, PermissionDenied) as exc:
            flash.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
        else:
            flash.success(request, _("Saved."))
            return redirect("tickets:knowledge-base")
    answers = selectors.canned_answers(office_id=office_id, q=q, include_inactive=may_curate)
    page = Paginator(answers, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "tickets/knowledge_base.html",
        {"page": page, "editing": editing, "q": q, "may_curate": may_curate},
    )
