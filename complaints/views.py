"""Pages: the public complaint page (/pengaduan/), compliance's workspace (/kepatuhan/), the counts supervisors
see, and the officer's "turn into a complaint" action on the conversation page."""

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from offices.models import Office
from tickets.models import Inquiry
from tickets.permissions import can_work_inquiry, visible_inquiries

from . import channels, selectors, services
from .evidence import evidence_file, max_bytes, max_files
from .forms import (
    ConcludeForm,
    EvidenceForm,
    FilterForm,
    FollowUpForm,
    FromInquiryForm,
    InformForm,
    ManualComplaintForm,
    PublicComplaintForm,
    TextForm,
)
from .models import Complaint, ComplaintEvidence
from .routing import is_compliance, may_count, role_of
from .throttle import public_submission_allowed

PAGE_SIZE = 25
SESSION_KEY = "complaint_register_number"


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- The public page -------------------------------------------------------------------------------------------
def _too_large(request) -> bool:
    """A body larger than the files allowed plus the form itself is refused before it is read."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    return declared > max_files() * max_bytes() + settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def public_form(request):
    """No login. ``?office=CODE`` (the web-chat widget's link) chooses the office concerned."""
    if request.method == "POST" and _too_large(request):
        return render(request, "complaints/too_large.html", {"max_mb": f"{max_bytes() / (1024 * 1024):g}"}, status=413)
    office_code = request.GET.get("office", "")
    initial = {"office": office_code} if Office.objects.filter(code=office_code[:6], is_active=True).exists() else {}
    form = PublicComplaintForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST":
        if not public_submission_allowed(request):
            form.add_error(None, _("Too many complaints from your address. Try again later, or use another channel."))
            status = 429
        elif form.is_valid():
            try:
                complaint = services.complaint_submit(
                    office=form.cleaned_data["office"],
                    data=form.service_data(),
                    files=form.cleaned_data["evidence"],
                    language=translation.get_language() or "id",
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                request.session[SESSION_KEY] = complaint.register_number
                return redirect("complaints-public:sent")
        if status == 200 and form.errors:
            status = 400
    context = {
        "form": form,
        "max_mb": f"{max_bytes() / (1024 * 1024):g}",
        "max_files": max_files(),
        "channels": {
            "sipuma": channels.SIPUMA_URL,
            "email": channels.EMAIL,
            "phone": channels.PHONE,
            "fax": channels.FAX,
            "letter": channels.LETTER_ADDRESS,
        },
    }
    return render(request, "complaints/public_form.html", context, status=status)


@require_safe
def public_sent(request):
    number = request.session.get(SESSION_KEY)
    if not number:
        return redirect("complaints-public:form")
    return render(request, "complaints/public_sent.html", {"register_number": number})


# --- The officer's action on the conversation page -------------------------------------------------------------
@login_required
@require_POST
def from_inquiry(request, pk: int):
    if pk > 2**63 - 1:
        raise Http404
    inquiry = visible_inquiries(request.user, Inquiry.objects.all()).filter(pk=pk).first()
    if inquiry is None:
        raise Http404(_("No such inquiry in your office."))
    if not can_work_inquiry(request.user, inquiry):
        raise PermissionDenied
    form = FromInquiryForm(request.POST, office=inquiry.office, actor=request.user)
    if not form.is_valid():
        flash.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("tickets:conversation", pk=inquiry.pk)
    data = {
        "kind": form.cleaned_data["kind"],
        "concerns": form.cleaned_data["concerns"],
        "matter": form.cleaned_data["matter"] or inquiry.preview,
    }
    try:
        complaint, not_sent = services.complaint_from_inquiry(
            inquiry=inquiry, actor=request.user, data=data, about_user=form.cleaned_data["about_user"]
        )
    except (ValidationError, PermissionDenied) as exc:
        flash.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
        return redirect("tickets:conversation", pk=inquiry.pk)
    if not_sent:
        flash.warning(
            request,
            _(
                "Sent to internal compliance as %(number)s, but the requester could not be told (%(why)s): "
                "pass the number on."
            )
            % {"number": complaint.register_number, "why": not_sent},
        )
    else:
        flash.success(
            request,
            _("Sent to internal compliance as %(number)s; the requester has been told.")
            % {"number": complaint.register_number},
        )
    return redirect("tickets:conversation", pk=inquiry.pk)


# --- Compliance's workspace ------------------------------------------------------------------------------------
def _compliance_only(request):
    if not is_compliance(request.user):
        raise PermissionDenied(_("This workspace is for internal compliance staff."))
    profile = getattr(request.user, "staff", None) if role_of(request.user) else None
    if profile is not None:
        timezone.activate(profile.office.timezone)


def _get(request, register_number: str) -> Complaint:
    _compliance_only(request)
    try:
        return services.complaint_get(user=request.user, register_number=register_number[:40])
    except Complaint.DoesNotExist as exc:
        raise Http404(_("No such complaint for your compliance unit.")) from exc


@login_required
@require_safe
def workspace(request):
    _compliance_only(request)
    form = FilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    status = filters.get("status", "open") if request.GET else "open"
    now = timezone.now()
    complaints = selectors.complaint_list(
        user=request.user,
        status=status,
        kind=filters.get("kind", ""),
        q=filters.get("q", ""),
        overdue=filters.get("overdue", False),
        now=now,
    )
    page = Paginator(complaints, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "complaints/workspace.html",
        {"form": form, "page": page, "now": now, "status": status, "query": query.urlencode()},
    )


@login_required
def record(request):
    _compliance_only(request)
    if request.method == "POST" and _too_large(request):
        return render(request, "complaints/too_large.html", {"max_mb": f"{max_bytes() / (1024 * 1024):g}"}, status=413)
    form = ManualComplaintForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            complaint = services.complaint_record(
                actor=request.user,
                office=form.cleaned_data["office"],
                channel=form.cleaned_data["channel"],
                data=form.service_data(),
                files=form.cleaned_data["evidence"],
                about_user=form.cleaned_data["about_user"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except PermissionDenied as exc:
            raise PermissionDenied from exc
        else:
            flash.success(request, _("Recorded as %(number)s.") % {"number": complaint.register_number})
            return redirect("complaints:detail", register_number=complaint.register_number)
    return render(request, "complaints/record.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_safe
def detail(request, register_number: str):
    complaint = _get(request, register_number)
    services.complaint_read(complaint=complaint, user=request.user)
    return render(
        request,
        "complaints/detail.html",
        {
            "complaint": complaint,
            "events": list(complaint.events.select_related("author")),
            "evidence": list(complaint.evidence_files.all()),
            "readers": selectors.readers(complaint),
            "follow_up_form": FollowUpForm(),
            "now": timezone.now(),
        },
    )


def _step(request, complaint, action, success):
    try:
        action()
    except (ValidationError, PermissionDenied) as exc:
        flash.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
    else:
        flash.success(request, success)
    return redirect("complaints:detail", register_number=complaint.register_number)


@login_required
@require_POST
def step(request, register_number: str, action: str):
    complaint = _get(request, register_number)
    user = request.user
    if action == "review":
        run = lambda: services.complaint_review_start(complaint=complaint, actor=user)  # noqa: E731
        return _step(request, complaint, run, _("Review started."))
    if action == "follow-up":
        form = FollowUpForm(request.POST)
        if not form.is_valid():
            return _step(request, complaint, lambda: _raise(form), "")
        run = lambda: services.complaint_follow_up(  # noqa: E731
            complaint=complaint, actor=user, kind=form.cleaned_data["kind"], text=form.cleaned_data["text"]
        )
        return _step(request, complaint, run, _("Follow-up recorded."))
    if action == "answered":
        form = TextForm(request.POST)
        if not form.is_valid():
            return _step(request, complaint, lambda: _raise(form), "")
        run = lambda: services.complaint_follow_up_answered(  # noqa: E731
            complaint=complaint, actor=user, text=form.cleaned_data["text"]
        )
        return _step(request, complaint, run, _("Answer recorded; back under review."))
    if action == "conclude":
        form = ConcludeForm(request.POST)
        if not form.is_valid():
            return _step(request, complaint, lambda: _raise(form), "")
        run = lambda: services.complaint_conclude(  # noqa: E731
            complaint=complaint,
            actor=user,
            substantiated=form.cleaned_data["substantiated"],
            conclusion=form.cleaned_data["conclusion"],
            action_taken=form.cleaned_data["action_taken"],
        )
        return _step(request, complaint, run, _("Concluded."))
    if action == "inform":
        form = InformForm(request.POST)
        if not form.is_valid():
            return _step(request, complaint, lambda: _raise(form), "")
        run = lambda: services.complaint_inform(  # noqa: E731
            complaint=complaint,
            actor=user,
            note=form.cleaned_data["note"],
            send_on_channel=form.cleaned_data["send_on_channel"],
        )
        return _step(request, complaint, run, _("Recorded that the complainant was informed."))
    if action == "note":
        form = TextForm(request.POST)
        if not form.is_valid():
            return _step(request, complaint, lambda: _raise(form), "")
        run = lambda: services.complaint_note_add(complaint=complaint, actor=user, text=form.cleaned_data["text"])  # noqa: E731
        return _step(request, complaint, run, _("Note added."))
    if action == "evidence":
        form = EvidenceForm(request.POST, request.FILES)
        if not form.is_valid():
            return _step(request, complaint, lambda: _raise(form), "")
        run = lambda: services.complaint_evidence_add(  # noqa: E731
            complaint=complaint, actor=user, files=form.cleaned_data["evidence"]
        )
        return _step(request, complaint, run, _("Evidence added."))
    raise Http404


def _raise(form):
    raise ValidationError([str(e) for errors in form.errors.values() for e in errors])


@login_required
@require_safe
def evidence_download(request, register_number: str, evidence_id: int):
    complaint = _get(request, register_number)
    if evidence_id > 2**63 - 1:
        raise Http404
    evidence = (
        ComplaintEvidence.objects.filter(pk=evidence_id, complaint=complaint)
        .select_related("complaint__handling_office")
        .first()
    )
    if evidence is None:
        raise Http404
    services.evidence_download(evidence=evidence, user=request.user)
    try:
        handle = evidence_file(evidence)
    except FileNotFoundError as exc:
        raise Http404(_("The file is missing from the storage.")) from exc
    response = FileResponse(
        handle, as_attachment=True, filename=evidence.original_name, content_type=evidence.content_type
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_safe
def counts(request):
    """Counts of complaints in the user's reach, for supervisors and compliance: never the contents."""
    if not may_count(request.user):
        raise PermissionDenied(_("Complaint counts are for supervisors and internal compliance."))
    figures = selectors.complaint_counts(user=request.user)
    labels = dict(Complaint.Channel.choices)
    return render(
        request,
        "complaints/counts.html",
        {
            "counts": figures,
            "channels": [(labels.get(channel, channel), n) for channel, n in figures["channels"].items()],
            "statuses": Complaint.Status.choices,
            "workspace": reverse("complaints:workspace") if is_compliance(request.user) else "",
        },
    )
