"""The officer's pages: the live inbox and the conversation, with everything an officer does from them."""

from django.contrib import messages as flash
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from offices.models import Role, StaffProfile
from sla.selectors import sla_badges

from .. import consultations as consulting
from .. import inquiries, references, replies, selectors
from ..forms import EscalateForm, InboxFilterForm, ReplyForm
from ..identifiers import KINDS, mask
from ..knowledge_base import canned_answer_save
from ..models import CannedAnswer, Consultation, Inquiry, Message, RequesterReference, Ticket
from ..permissions import can_answer_consultation, can_work_inquiry, staff_profile

PAGE_SIZE = 25
PRESENCE_TTL = 12  # seconds: a viewer who stops polling disappears


def _activate_zone(user, office=None) -> None:
    profile = staff_profile(user)
    zone = office.timezone if office is not None else (profile.office.timezone if profile else None)
    if zone:
        timezone.activate(zone)


def _office_officers(user):
    profile = staff_profile(user)
    if profile is None:
        return []
    return [
        p.user
        for p in StaffProfile.objects.filter(office_id=profile.office_id).select_related("user")
        if p.role in (Role.OFFICER, Role.COORDINATOR, Role.SUPERVISOR)
    ]


@login_required
def inbox(request):
    """The queues with live counts; `?partial=1` gives just the list, for the 4-second refresh."""
    _activate_zone(request.user)
    officers = _office_officers(request.user)
    form = InboxFilterForm(request.GET or None, officers=officers)
    filters = form.cleaned_data if form.is_valid() else {}
    queue = filters.get("queue") or "open"
    now = timezone.now()
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
    page = Paginator(inquiries, PAGE_SIZE).get_page(request.GET.get("page"))
    badges = sla_badges(page.object_list, now=now)
    context = {
        "page": page,
        "rows": [(inquiry, badges[inquiry.pk]) for inquiry in page.object_list],
        "form": form,
        "queue": queue,
        "counts": selectors.queue_counts(user=request.user, now=now),
        "queues": QUEUE_LABELS,
        "profile": staff_profile(request.user),
        "query": request.GET.copy(),
        "now": now,
    }
    template = "tickets/_inbox_list.html" if request.GET.get("partial") else "tickets/inbox.html"
    return render(request, template, context)


QUEUE_LABELS = [
    ("unassigned", gettext_lazy("Unassigned")),
    ("mine", gettext_lazy("Mine")),
    ("waiting", gettext_lazy("Waiting for requester")),
    ("escalated", gettext_lazy("Escalated")),
    ("at_risk", gettext_lazy("At risk / breached")),
    ("open", gettext_lazy("All open")),
    ("closed", gettext_lazy("Closed")),
]


def _get_inquiry(request, pk: int) -> Inquiry:
    try:
        return selectors.inquiry_detail(user=request.user, pk=pk)
    except Inquiry.DoesNotExist as exc:
        raise Http404(_("No such inquiry in your office.")) from exc


@login_required
def conversation(request, pk: int):
    inquiry = _get_inquiry(request, pk)
    _activate_zone(request.user, inquiry.office)
    form = ReplyForm()
    if request.method == "POST":
        form = ReplyForm(request.POST)
        if form.is_valid():
            try:
                replies.reply_send(
                    inquiry=inquiry, author=request.user, text=form.cleaned_data["text"], kind=form.cleaned_data["kind"]
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                flash.success(request, _("Reply queued for delivery."))
                return redirect("tickets:conversation", pk=inquiry.pk)
    now = timezone.now()
    references = list(RequesterReference.objects.filter(requester_id=inquiry.requester_id).order_by("kind", "pk"))
    earlier = list(
        Inquiry.objects.filter(requester_id=inquiry.requester_id).exclude(pk=inquiry.pk).order_by("-received_at")[:10]
    )
    return render(
        request,
        "tickets/conversation.html",
        {
            "inquiry": inquiry,
            "thread": list(inquiry.messages.all()),
            "form": form,
            "now": now,
            "badge": sla_badges([inquiry], now=now)[inquiry.pk],
            "window": replies.reply_window_for(inquiry, now=now),
            "ticket": Ticket.objects.filter(inquiry=inquiry).select_related("unit").first(),
            "escalate_form": EscalateForm(office_code=inquiry.office.code),
            "references": [(ref, mask(ref.value), KINDS.get(ref.kind, ref.kind)) for ref in references],
            "reference_kinds": KINDS.items(),
            "earlier": earlier,
            "consultations": list(
                Consultation.objects.filter(inquiry=inquiry).select_related(
                    "asked_by", "to_user", "to_unit", "answered_by"
                )
            ),
            "colleagues": [u for u in _office_officers(request.user) if u.pk != request.user.pk],
            "units": selectors.units_for_office(office_code=inquiry.office.code),
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


def _run(request, pk: int, action, success: str):
    """Run one service for a POST from the conversation page; errors come back as a message, never a 500."""
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
    user = get_user_model().objects.filter(pk=request.POST.get("to_user") or 0).first()
    return _run(
        request, pk, lambda: inquiries.inquiry_assign(inquiry=inquiry, actor=request.user, to_user=user), _("Assigned.")
    )


@login_required
@require_POST
def note(request, pk: int):
    inquiry = _get_inquiry(request, pk)
    return _run(
        request,
        pk,
        lambda: inquiries.note_add(inquiry=inquiry, actor=request.user, text=request.POST.get("text", "")),
        _("Note added."),
    )


@login_required
@require_POST
def consult(request, pk: int):
    inquiry = _get_inquiry(request, pk)
    target = request.POST.get("to", "")
    to_user = to_unit = None
    if target.startswith("user:"):
        to_user = get_user_model().objects.filter(pk=target[5:] or 0, staff__office_id=inquiry.office_id).first()
    elif target.startswith("unit:"):
        to_unit = selectors.units_for_office(office_code=inquiry.office.code).filter(pk=target[5:] or 0).first()
    return _run(
        request,
        pk,
        lambda: consulting.consultation_ask(
            inquiry=inquiry,
            actor=request.user,
            question=request.POST.get("question", ""),
            to_user=to_user,
            to_unit=to_unit,
        ),
        _("Question sent."),
    )


@login_required
@require_POST
def consultation_answer(request, pk: int, consultation_id: int):
    consultation = (
        Consultation.objects.select_related("inquiry__office", "to_unit")
        .filter(pk=consultation_id, inquiry_id=pk)
        .first()
    )
    if consultation is None or not (
        can_answer_consultation(request.user, consultation) or can_work_inquiry(request.user, consultation.inquiry)
    ):
        raise Http404
    return _run(
        request,
        pk,
        lambda: consulting.consultation_answer(
            consultation=consultation, actor=request.user, answer=request.POST.get("answer", "")
        ),
        _("Answer sent."),
    )


@login_required
def consultation_view(request, pk: int):
    """What a consulted colleague (possibly of another office or unit) sees: the question and the thread."""
    consultations = Consultation.objects.filter(inquiry_id=pk).select_related("inquiry__office", "to_unit", "asked_by")
    mine = [c for c in consultations if can_answer_consultation(request.user, c)]
    if not mine:
        raise Http404
    inquiry = mine[0].inquiry
    thread = Message.objects.filter(inquiry=inquiry).select_related("author").order_by("created_at")
    return render(request, "tickets/consultation.html", {"inquiry": inquiry, "consultations": mine, "thread": thread})


@login_required
@require_POST
def resolve(request, pk: int):
    inquiry = _get_inquiry(request, pk)
    duplicate = None
    if request.POST.get("duplicate_of"):
        raw = request.POST["duplicate_of"].lstrip("#")
        duplicate = selectors.inquiry_list(user=request.user).filter(pk=int(raw) if raw.isdigit() else 0).first()
        if duplicate is None:
            flash.error(request, _("No inquiry #%(n)s in your office.") % {"n": raw})
            return redirect("tickets:conversation", pk=pk)
    return _run(
        request,
        pk,
        lambda: inquiries.inquiry_resolve(
            inquiry=inquiry, actor=request.user, outcome=request.POST.get("outcome", ""), duplicate_of=duplicate
        ),
        _("Closed."),
    )


@login_required
@require_POST
def reference_add(request, pk: int):
    inquiry = _get_inquiry(request, pk)
    return _run(
        request,
        pk,
        lambda: references.reference_add(
            inquiry=inquiry, actor=request.user, kind=request.POST.get("kind", ""), value=request.POST.get("value", "")
        ),
        _("Reference saved."),
    )


@login_required
@require_POST
def reference_reveal(request, pk: int, reference_id: int):
    inquiry = _get_inquiry(request, pk)
    reference = RequesterReference.objects.filter(pk=reference_id, requester_id=inquiry.requester_id).first()
    if reference is None:
        raise Http404
    value = references.reference_reveal(reference=reference, inquiry=inquiry, actor=request.user)
    return HttpResponse(value, content_type="text/plain; charset=utf-8")


@login_required
@require_POST
def retry(request, pk: int, message_id: int):
    inquiry = _get_inquiry(request, pk)
    message = Message.objects.filter(pk=message_id, inquiry=inquiry).select_related("inquiry__office").first()
    if message is None:
        raise Http404
    return _run(request, pk, lambda: replies.outbound_retry(message=message, actor=request.user), _("Sending again."))


@login_required
def canned_search(request):
    """Knowledge-base answers for the composer: national and the officer's office, searched by words."""
    profile = staff_profile(request.user)
    answers = selectors.canned_answers(office_id=profile.office_id if profile else None, q=request.GET.get("q", ""))
    return render(request, "tickets/_canned.html", {"answers": answers[:12], "q": request.GET.get("q", "")})


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
    """Coordinators and admins curate their office's answers; superusers also the national ones."""
    profile = staff_profile(request.user)
    may_curate = request.user.is_superuser or (profile and profile.role in (Role.COORDINATOR, Role.ADMIN))
    if not may_curate:
        raise PermissionDenied
    editing = None
    if request.GET.get("edit"):
        editing = CannedAnswer.objects.filter(pk=request.GET["edit"]).first()
    if request.method == "POST":
        try:
            canned_answer_save(
                actor=request.user,
                pk=request.POST.get("pk") or None,
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
                tags=request.POST.get("tags", ""),
                national=request.POST.get("national") == "on",
                active=request.POST.get("is_active", "on") == "on",
            )
        except (ValidationError, PermissionDenied) as exc:
            flash.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
        else:
            flash.success(request, _("Saved."))
            return redirect("tickets:knowledge-base")
    answers = selectors.canned_answers(
        office_id=profile.office_id if profile else None, q=request.GET.get("q", ""), include_inactive=True
    )
    page = Paginator(answers, 30).get_page(request.GET.get("page"))
    return render(
        request, "tickets/knowledge_base.html", {"page": page, "editing": editing, "q": request.GET.get("q", "")}
    )
