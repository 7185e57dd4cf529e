"""Who may read and write what: every URL pattern of the root URL conf, as every role, GET and POST.

The table below is the expected outcome of each request. The test walks `django.urls.get_resolver()`
recursively: a pattern without a row fails it, and so does a row without a pattern. The admin and the
static/debug routes are checked apart, at the end.

Outcomes:
  ok       2xx, or a redirect that is not to the login page and left no error message: done or shown
  no       the page went back (redirect or form) with an error message: a rule of the service said no
  login    a redirect to the login page
  400 ...  that status (401 unauthenticated API, 403 forbidden, 404 not found / not yours, 405 wrong method)

Roles (columns): anon (nobody), token (a web-chat visitor with a session token), other (an officer of another office),
officer (offic), coord (coordinator, and coordinator of the unit the ticket is at), super (supervisor), head (head of
office), compl (internal compliance), admin (office administrator), root (superuser, no staff profile).

Rows marked "KNOWN" are current behaviour that a later issue changes, not what should stay:
  KNOWN-compliance: internal compliance lands in the officers' workspace and reads every inquiry of its office
    (inbox, conversation, thread, presence, ticket queue, SLA page). Writing is refused by the services
    (compliance is not a working role). Its own read-only workspace is a later issue.
  KNOWN-roles: every role of an office works its inquiries (head of office, office admin included) and sees
    the SLA page, not supervisors only; role-specific workspaces are a later issue.
"""

import json
import re

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from channels_intake.models import OutboundMessage
from complaints import services as complaint_services
from offices.models import Role
from sla.services import clock_start
from tests import factories
from tests.attachment_samples import PDF
from tickets import escalation, replies
from tickets.attachments import file_store
from tickets.models import Attachment, CannedAnswer, Consultation, Inquiry, RequesterReference, Unit

ROLES = ("anon", "token", "other", "officer", "coord", "super", "head", "compl", "admin", "root")

# route (normalised pattern, [variant])             meth anon  token other offic coord super head  compl admin root
MATRIX = """
# --- project
/                                                   GET  ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
/                                                   POST ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
healthz                                             GET  ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
healthz                                             POST ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
accounts/login/                                     GET  ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
accounts/login/                                     POST ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
# logging out answers with the login page: that redirect is its success
accounts/logout/                                    GET  405   405   405   405   405   405   405   405   405   405
accounts/logout/                                    POST login login login login login login login login login login
i18n/setlang/                                       GET  ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
i18n/setlang/                                       POST ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
# --- the staff API
api/v1/                                             GET  401   401   ok    ok    ok    ok    ok    ok    ok    ok
api/v1/                                             POST 401   401   405   405   405   405   405   405   405   405
api/v1/.<format>                                    GET  401   401   ok    ok    ok    ok    ok    ok    ok    ok
api/v1/.<format>                                    POST 401   401   405   405   405   405   405   405   405   405
api/v1/units/                                       GET  401   401   ok    ok    ok    ok    ok    ok    ok    ok
api/v1/units/                                       POST 401   401   405   405   405   405   405   405   405   405
api/v1/inquiries/                                   GET  401   401   ok    ok    ok    ok    ok    ok    ok    ok
api/v1/inquiries/                                   POST 401   401   405   405   405   405   405   405   405   405
api/v1/inquiries.<format>                           GET  401   401   ok    ok    ok    ok    ok    ok    ok    ok
api/v1/inquiries.<format>                           POST 401   401   405   405   405   405   405   405   405   405
api/v1/inquiries/<pk>/                              GET  401   401   404   ok    ok    ok    ok    ok    ok    ok
api/v1/inquiries/<pk>/                              POST 401   401   405   405   405   405   405   405   405   405
api/v1/inquiries/<pk>.<format>                      GET  401   401   404   ok    ok    ok    ok    ok    ok    ok
api/v1/inquiries/<pk>.<format>                      POST 401   401   405   405   405   405   405   405   405   405
api/v1/inquiries/<pk>/reply/                        GET  401   401   405   405   405   405   405   405   405   405
api/v1/inquiries/<pk>/reply/                        POST 401   401   404   ok    ok    ok    ok    403   ok    ok
api/v1/inquiries/<pk>/reply.<format>                GET  401   401   405   405   405   405   405   405   405   405
api/v1/inquiries/<pk>/reply.<format>                POST 401   401   404   ok    ok    ok    ok    403   ok    ok
api/v1/inquiries/<pk>/messages/<message_id>/reveal/ GET  401   401   405   405   405   405   405   405   405   405
api/v1/inquiries/<pk>/messages/<message_id>/reveal/ POST 401   401   404   ok    ok    ok    ok    403   ok    ok
api/v1/inquiries/<pk>/messages/<message_id>/reveal.<format> GET 401 401 405 405 405 405 405 405 405 405
api/v1/inquiries/<pk>/messages/<message_id>/reveal.<format> POST 401 401 404 ok ok ok ok 403 ok ok
api/v1/inquiries/<pk>/topics/                       GET  401   401   405   405   405   405   405   405   405   405
api/v1/inquiries/<pk>/topics/                       POST 401   401   404   ok    ok    ok    ok    403   ok    ok
api/v1/inquiries/<pk>/topics.<format>               GET  401   401   405   405   405   405   405   405   405   405
api/v1/inquiries/<pk>/topics.<format>               POST 401   401   404   ok    ok    ok    ok    403   ok    ok
api/v1/topics/                                      GET  401   401   ok    ok    ok    ok    ok    ok    ok    ok
api/v1/topics/                                      POST 401   401   405   405   405   405   405   405   405   405
api/v1/inquiries/<pk>/escalate/                     GET  401   401   405   405   405   405   405   405   405   405
api/v1/inquiries/<pk>/escalate/                     POST 401   401   404   ok    ok    ok    ok    403   ok    ok
api/v1/tickets/                                     GET  401   401   ok    ok    ok    ok    ok    ok    ok    ok
api/v1/tickets/                                     POST 401   401   405   405   405   405   405   405   405   405
api/v1/tickets/<number>/                            GET  401   401   404   ok    ok    ok    ok    ok    ok    ok
api/v1/tickets/<number>/                            POST 401   401   405   405   405   405   405   405   405   405
api/v1/tickets/<number>/comments/                   GET  401   401   405   405   405   405   405   405   405   405
api/v1/tickets/<number>/comments/                   POST 401   401   404   ok    ok    ok    ok    403   ok    ok
api/v1/tickets/<number>/answer/                     GET  401   401   405   405   405   405   405   405   405   405
api/v1/tickets/<number>/answer/                     POST 401   401   404   403   ok    403   403   403   403   ok
# --- public API: the ticket lookup, the web chat, office calendars (no login, anyone)
api/v1/tickets/lookup/                              GET  405   405   405   405   405   405   405   405   405   405
api/v1/tickets/lookup/                              POST ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
api/v1/webchat/sessions/                            GET  405   405   405   405   405   405   405   405   405   405
api/v1/webchat/sessions/                            POST ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
api/v1/webchat/offices/<code>/                      GET  ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
api/v1/webchat/offices/<code>/                      POST 405   405   405   405   405   405   405   405   405   405
# only the holder of the session's token reads and writes its thread
api/v1/webchat/messages/                            GET  401   ok    401   401   401   401   401   401   401   401
api/v1/webchat/messages/                            POST 401   ok    401   401   401   401   401   401   401   401
# a visitor's files: uploaded into its own thread (multipart only: the matrix posts JSON, hence 415; the upload
# itself is tests/webchat/test_attachments.py), downloaded by the session's token only
api/v1/webchat/attachments/                         GET  405   405   405   405   405   405   405   405   405   405
api/v1/webchat/attachments/                         POST 401   415   401   401   401   401   401   401   401   401
api/v1/webchat/attachments/<attachment_id>/         GET  401   ok    401   401   401   401   401   401   401   401
api/v1/webchat/attachments/<attachment_id>/         POST 405   405   405   405   405   405   405   405   405   405
# the visitor's language choice: only the session's token changes it
api/v1/webchat/language/                            GET  405   405   405   405   405   405   405   405   405   405
api/v1/webchat/language/                            POST 401   ok    401   401   401   401   401   401   401   401
api/v1/offices/<code>/calendar/                     GET  ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
api/v1/offices/<code>/calendar/                     POST 405   405   405   405   405   405   405   405   405   405
# --- complaints: anyone files one (no login); only internal compliance reads them; supervisors count them
api/v1/complaints/                                  GET  401   401   403   403   403   403   403   ok    403   ok
api/v1/complaints/                                  POST ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
api/v1/complaints/counts/                           GET  401   401   403   403   ok    ok    ok    ok    403   ok
api/v1/complaints/counts/                           POST 401   401   405   405   405   405   405   405   405   405
api/v1/complaints/<register_number>/                GET  401   401   403   403   403   403   403   ok    403   ok
api/v1/complaints/<register_number>/                POST 401   401   403   403   403   403   403   405   403   405
# the live board's numbers: the page's permissions
api/v1/reports/live/                                GET  401   401   403   403   ok    ok    ok    ok    ok    ok
api/v1/reports/live/                                POST 401   401   405   405   405   405   405   405   405   405
api/v1/reports/sla/                                 GET  401   401   ok    ok    ok    ok    ok    ok    ok    ok
api/v1/reports/sla/                                 POST 401   401   405   405   405   405   405   405   405   405
api/schema/                                         GET  ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
api/schema/                                         POST 405   405   405   405   405   405   405   405   405   405
api/docs/                                           GET  ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
api/docs/                                           POST 405   405   405   405   405   405   405   405   405   405
# --- the officers' workspace (KNOWN-compliance, KNOWN-roles)
inbox/                                              GET  login login ok    ok    ok    ok    ok    ok    ok    ok
inbox/                                              POST login login ok    ok    ok    ok    ok    ok    ok    ok
inbox/<pk>/                                         GET  login login 404   ok    ok    ok    ok    ok    ok    ok
inbox/<pk>/                                         POST login login 404   ok    ok    ok    ok    403   ok    ok
inbox/<pk>/claim/                                   GET  login login 405   405   405   405   405   405   405   405
inbox/<pk>/claim/                                   POST login login 404   ok    ok    ok    ok    403   ok    ok
inbox/<pk>/escalate/                                GET  login login 405   405   405   405   405   405   405   405
inbox/<pk>/escalate/                                POST login login 404   ok    ok    ok    ok    no    ok    ok
inbox/<pk>/assign/                                  GET  login login 405   405   405   405   405   405   405   405
inbox/<pk>/assign/                                  POST login login 404   ok    ok    ok    ok    no    ok    ok
inbox/<pk>/note/                                    GET  login login 405   405   405   405   405   405   405   405
inbox/<pk>/note/                                    POST login login 404   ok    ok    ok    ok    no    ok    ok
inbox/<pk>/consult/                                 GET  login login 405   405   405   405   405   405   405   405
inbox/<pk>/consult/                                 POST login login 404   ok    ok    ok    ok    no    ok    ok
# a consultation is read by those it is addressed to (here: the unit, whose coordinator is coord)
inbox/<pk>/consultations/                           GET  login login 404   404   ok    404   404   404   404   ok
inbox/<pk>/consultations/                           POST login login 404   404   ok    404   404   404   404   ok
inbox/<pk>/consultations/<consultation_id>/answer/  GET  login login 405   405   405   405   405   405   405   405
# the office's workers reach the answer form; only those it is addressed to may answer
inbox/<pk>/consultations/<consultation_id>/answer/  POST login login 404   no    ok    no    no    404   no    ok
inbox/<pk>/resolve/                                 GET  login login 405   405   405   405   405   405   405   405
inbox/<pk>/resolve/                                 POST login login 404   ok    ok    ok    ok    no    ok    ok
inbox/<pk>/references/                              GET  login login 405   405   405   405   405   405   405   405
inbox/<pk>/references/                              POST login login 404   ok    ok    ok    ok    no    ok    ok
inbox/<pk>/topics/                                  GET  login login 405   405   405   405   405   405   405   405
inbox/<pk>/topics/                                  POST login login 404   ok    ok    ok    ok    no    ok    ok
inbox/<pk>/references/<reference_id>/reveal/        GET  login login 405   405   405   405   405   405   405   405
inbox/<pk>/references/<reference_id>/reveal/        POST login login 404   ok    ok    ok    ok    403   ok    ok
inbox/<pk>/messages/<message_id>/retry/             GET  login login 405   405   405   405   405   405   405   405
inbox/<pk>/messages/<message_id>/retry/             POST login login 404   ok    ok    ok    ok    no    ok    ok
inbox/<pk>/messages/<message_id>/reveal/            GET  login login 405   405   405   405   405   405   405   405
inbox/<pk>/messages/<message_id>/reveal/            POST login login 404   ok    ok    ok    ok    403   ok    ok
inbox/<pk>/thread/                                  GET  login login 404   ok    ok    ok    ok    ok    ok    ok
inbox/<pk>/thread/                                  POST login login 404   ok    ok    ok    ok    ok    ok    ok
# a file of the thread: the inquiry's office downloads it (KNOWN-compliance reads it too)
inbox/<pk>/attachments/<attachment_id>/             GET  login login 404   ok    ok    ok    ok    ok    ok    ok
inbox/<pk>/attachments/<attachment_id>/             POST login login 405   405   405   405   405   405   405   405
inbox/<pk>/presence/                                GET  login login 405   405   405   405   405   405   405   405
inbox/<pk>/presence/                                POST login login 404   ok    ok    ok    ok    ok    ok    ok
inbox/answers/                                      GET  login login ok    ok    ok    ok    ok    ok    ok    ok
inbox/answers/                                      POST login login ok    ok    ok    ok    ok    ok    ok    ok
# the knowledge base is read by everyone who answers, curated by coordinators and office admins (and root)
inbox/knowledge/                                    GET  login login ok    ok    ok    ok    ok    403   ok    ok
inbox/knowledge/                                    POST login login 403   403   ok    403   403   403   ok    ok
inbox/tickets/                                      GET  login login ok    ok    ok    ok    ok    ok    ok    ok
inbox/tickets/                                      POST login login ok    ok    ok    ok    ok    ok    ok    ok
inbox/tickets/<number>/                             GET  login login 404   ok    ok    ok    ok    ok    ok    ok
inbox/tickets/<number>/                             POST login login 404   ok    ok    ok    ok    ok    ok    ok
# a ticket is worked by its unit (coord coordinates it); the escalating office may comment
inbox/tickets/<number>/<action>/[comment]           GET  login login 405   405   405   405   405   405   405   405
inbox/tickets/<number>/<action>/[comment]           POST login login 404   ok    ok    ok    ok    no    ok    ok
inbox/tickets/<number>/<action>/[take]              POST login login 404   no    ok    no    no    no    no    ok
inbox/tickets/<number>/<action>/[answer]            POST login login 404   no    ok    no    no    no    no    ok
inbox/tickets/<number>/<action>/[unknown]           POST login login 404   404   404   404   404   404   404   404
# --- pages above the workflow
tiket/                                              GET  ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
tiket/                                              POST ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
# the public complaint page (no login) and its receipt (with no complaint sent in the session: back to the form)
pengaduan/                                          GET  ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
pengaduan/                                          POST ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
pengaduan/terkirim/                                 GET  ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
pengaduan/terkirim/                                 POST 405   405   405   405   405   405   405   405   405   405
# internal compliance's workspace: compliance only (and root); supervisors see counts; an officer sends an inquiry
kepatuhan/                                          GET  login login 403   403   403   403   403   ok    403   ok
kepatuhan/                                          POST login login 405   405   405   405   405   405   405   405
kepatuhan/baru/                                     GET  login login 403   403   403   403   403   ok    403   ok
kepatuhan/baru/                                     POST login login 403   403   403   403   403   ok    403   ok
kepatuhan/jumlah/                                   GET  login login 403   403   ok    ok    ok    ok    403   ok
kepatuhan/jumlah/                                   POST login login 405   405   405   405   405   405   405   405
kepatuhan/dari-pertanyaan/<pk>/                     GET  login login 405   405   405   405   405   405   405   405
kepatuhan/dari-pertanyaan/<pk>/                     POST login login 404   ok    ok    ok    ok    403   ok    ok
kepatuhan/<register_number>/                        GET  login login 403   403   403   403   403   ok    403   ok
kepatuhan/<register_number>/                        POST login login 405   405   405   405   405   405   405   405
kepatuhan/<register_number>/bukti/<evidence_id>/    GET  login login 403   403   403   403   403   ok    403   ok
kepatuhan/<register_number>/bukti/<evidence_id>/    POST login login 405   405   405   405   405   405   405   405
kepatuhan/<register_number>/<action>/[review]       GET  login login 405   405   405   405   405   405   405   405
kepatuhan/<register_number>/<action>/[review]       POST login login 403   403   403   403   403   ok    403   ok
kepatuhan/<register_number>/<action>/[note]         POST login login 403   403   403   403   403   ok    403   ok
kepatuhan/<register_number>/<action>/[unknown]      POST login login 403   403   403   403   403   404   403   404
standar-layanan/                                    GET  ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
standar-layanan/                                    POST 405   405   405   405   405   405   405   405   405   405
privasi/                                            GET  ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
privasi/                                            POST 405   405   405   405   405   405   405   405   405   405
# the operator's metrics: a configured token or network only (none in the tests)
metrics                                             GET  403   403   403   403   403   403   403   403   403   403
metrics                                             POST 405   405   405   405   405   405   405   405   405   405
# requesters' data requests: internal compliance (of the offices in its reach) and root only
privasi/permintaan/                                 GET  login login 403   403   403   403   403   ok    403   ok
privasi/permintaan/                                 POST login login 405   405   405   405   405   405   405   405
privasi/permintaan/<requester_id>/ekspor/           GET  login login 403   403   403   403   403   ok    403   ok
privasi/permintaan/<requester_id>/ekspor/           POST login login 405   405   405   405   405   405   405   405
privasi/permintaan/<requester_id>/hapus/            GET  login login 403   403   403   403   403   ok    403   ok
privasi/permintaan/<requester_id>/hapus/            POST login login 403   403   403   403   403   ok    403   ok
# the SLA report and its lists: supervisors see their reach (supervision.access), an officer their own figures
sla/                                                GET  login login ok    ok    ok    ok    ok    ok    ok    ok
sla/                                                POST login login 405   405   405   405   405   405   405   405
sla/inquiries/                                      GET  login login ok    ok    ok    ok    ok    ok    ok    ok
sla/inquiries/                                      POST login login 405   405   405   405   405   405   405   405
# the officer scorecards: the same reach (an officer sees their own row only)
sla/officers/                                       GET  login login ok    ok    ok    ok    ok    ok    ok    ok
sla/officers/                                       POST login login 405   405   405   405   405   405   405   405
# the satisfaction survey's figures and comments: the same reach (an officer sees the surveys of their answers)
sla/survey/                                         GET  login login ok    ok    ok    ok    ok    ok    ok    ok
sla/survey/                                         POST login login 405   405   405   405   405   405   405   405
sla/survey/comments/                                GET  login login ok    ok    ok    ok    ok    ok    ok    ok
sla/survey/comments/                                POST login login 405   405   405   405   405   405   405   405
# the live board: supervisory roles of the office (internal compliance and office admins included), never officers
sla/live/                                           GET  login login 403   403   ok    ok    ok    ok    ok    ok
sla/live/                                           POST login login 405   405   405   405   405   405   405   405
sla/live/list/                                      GET  login login 403   403   ok    ok    ok    ok    ok    ok
sla/live/list/                                      POST login login 405   405   405   405   405   405   405   405
sla/live/inquiry/<pk>/                              GET  login login 403   403   ok    ok    ok    ok    ok    ok
sla/live/inquiry/<pk>/                              POST login login 405   405   405   405   405   405   405   405
notifications/                                      GET  login login ok    ok    ok    ok    ok    ok    ok    ok
notifications/                                      POST login login ok    ok    ok    ok    ok    ok    ok    ok
notifications/read/                                 GET  login login 405   405   405   405   405   405   405   405
notifications/read/                                 POST login login ok    ok    ok    ok    ok    ok    ok    ok
webchat/demo/                                       GET  ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
webchat/demo/                                       POST ok    ok    ok    ok    ok    ok    ok    ok    ok    ok
# --- webhooks: the platform's signature decides, never a login (telegram: no GET handshake)
intake/<kind>/<slug>/webhook/                       GET  405   405   405   405   405   405   405   405   405   405
intake/<kind>/<slug>/webhook/                       POST 403   403   403   403   403   403   403   403   403   403"""


def parse_matrix(text: str) -> dict[tuple[str, str], dict[str, str]]:
    rows = {}
    for line in text.strip().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        route, method, *outcomes = line.split()
        assert len(outcomes) == len(ROLES), f"row {route} {method}: {len(outcomes)} outcomes for {len(ROLES)} roles"
        assert (route, method) not in rows, f"row {route} {method} twice"
        rows[(route, method)] = dict(zip(ROLES, outcomes, strict=True))
    return rows


# --- Walking the URL conf ----------------------------------------------------------------------------------
SEPARATE = ("admin/", "static/", "media/", "__debug__/")  # their own checks below


def normalise(route: str) -> str:
    """`api/v1/^inquiries/(?P<pk>[0-9]+)\\.(?P<format>[a-z0-9]+)/?$` -> `api/v1/inquiries/<pk>.<format>`."""
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", route)
    route = route.replace("<drf_format_suffix:format>", ".<format>")  # the converter's value starts with the dot
    route = re.sub(r"<\w+:(\w+)>", r"<\1>", route)
    route = route.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "")
    return route or "/"


def url_patterns(resolver=None, prefix: str = "") -> dict[str, URLPattern]:
    found = {}
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if not route.startswith(SEPARATE):
                found.update(url_patterns(entry, route))
        elif not route.startswith(SEPARATE):
            key = normalise(route)
            assert key not in found, f"two patterns normalise to {key}"
            found[key] = entry
    return found


# --- The world every role meets ----------------------------------------------------------------------------
@pytest.fixture
def world(db, office, other_office, webchat_account):
    staff = {
        "other": factories.StaffFactory(office=other_office, role=Role.OFFICER).user,
        "officer": factories.StaffFactory(office=office, role=Role.OFFICER).user,
        "coord": factories.StaffFactory(office=office, role=Role.COORDINATOR).user,
        "super": factories.StaffFactory(office=office, role=Role.SUPERVISOR).user,
        "head": factories.StaffFactory(office=office, role=Role.HEAD).user,
        "compl": factories.StaffFactory(office=office, role=Role.COMPLIANCE).user,
        "admin": factories.StaffFactory(office=office, role=Role.ADMIN).user,
        "root": factories.UserFactory(username="root", is_superuser=True, is_staff=True),
    }
    unit = Unit.objects.create(name="Seksi Pelayanan", home_office=office, coordinator=staff["coord"])
    unit.offices.add(office)
    inquiry = started_inquiry(webchat_account)
    failed = replies.reply_send(inquiry=inquiry, author=staff["officer"], text="Jawaban", kind="message")
    OutboundMessage.objects.filter(pk=failed.outbound_id).update(status=OutboundMessage.Status.FAILED)
    Inquiry.objects.filter(pk=inquiry.pk).update(assigned_to=None)  # replying took it: free for anyone to claim
    reference = RequesterReference.objects.create(requester=inquiry.requester, kind="awb", value="12312345675")
    consultation = Consultation.objects.create(
        inquiry=inquiry, asked_by=staff["officer"], to_unit=unit, question="Apakah kena cukai?"
    )
    escalated = started_inquiry(webchat_account)
    ticket, code = escalation.inquiry_escalate(
        inquiry=escalated, unit=unit, summary="Mohon dicek", actor=staff["officer"]
    )
    CannedAnswer.objects.create(office=office, title="IMEI", body="Daftarkan IMEI di bandara.")
    telegram = factories.ChannelAccountFactory(office=office, kind="telegram")
    session = Client().post("/api/v1/webchat/sessions/", {"office": office.code}, content_type="application/json")
    token = session.json()["token"]
    # A file of the inquiry's thread (officers download it) and one the token's visitor sent (only they do).
    stored = file_store(file=PDF, name="resi.pdf")
    staff_file = Attachment.objects.create(
        message=inquiry.messages.order_by("pk").first(),
        status=Attachment.Status.STORED,
        storage_name=stored.storage_name,
        mime_type=stored.mime_type,
        size=stored.size,
        name=stored.name,
    )
    uploaded = Client(headers={"X-Webchat-Token": token}).post(
        "/api/v1/webchat/attachments/", {"file": SimpleUploadedFile("boarding.pdf", PDF)}
    )
    visitor_file = uploaded.json()["files"][0]["id"]
    # A suggestion about the office with an evidence file: only internal compliance (compl) and root read it.
    complaint = complaint_services.complaint_submit(
        office=office,
        data={"kind": "suggestion", "anonymous": True, "matter": "Tambah loket"},
        files=[SimpleUploadedFile("bukti.pdf", PDF)],
    )
    values = {
        "pk": inquiry.pk,
        "format": "json",
        "number": ticket.number,
        "code": office.code,
        "consultation_id": consultation.pk,
        "reference_id": reference.pk,
        "message_id": failed.pk,
        "kind": "telegram",
        "slug": telegram.slug,
        "attachment_id": staff_file.pk,
        "requester_id": inquiry.requester_id,
        "register_number": complaint.register_number,
        "evidence_id": complaint.evidence_files.get().pk,
    }
    writes = {
        "accounts/login/": {"username": "nobody", "password": "wrong"},
        "i18n/setlang/": {"language": "en", "next": "/tiket/"},
        "api/v1/inquiries/<pk>/reply/": {"text": "Jawaban kami", "kind": "message"},
        "api/v1/inquiries/<pk>/topics/": {"topics": ["cukai"]},
        "api/v1/inquiries/<pk>/topics.<format>": {"topics": ["cukai"]},
        "api/v1/inquiries/<pk>/reply.<format>": {"text": "Jawaban kami", "kind": "message"},
        # a second inquiry: the first already has its ticket
        "api/v1/inquiries/<pk>/escalate/": {"unit": unit.pk, "summary": "Mohon arahan"},
        "api/v1/tickets/<number>/comments/": {"text": "Sudah dicek"},
        "api/v1/tickets/<number>/answer/": {"text": "Jawaban akhir"},
        "api/v1/tickets/lookup/": {"number": ticket.number, "code": code},
        "api/v1/webchat/sessions/": {"office": office.code},
        "api/v1/webchat/messages/": {"text": "Halo, saya bertanya"},
        "api/v1/webchat/language/": {"language": "en"},
        "inbox/<pk>/": {"text": "Jawaban kami", "kind": "message"},
        "inbox/<pk>/escalate/": {"unit": unit.pk, "summary": "Mohon arahan"},
        "inbox/<pk>/assign/": {"to_user": staff["officer"].pk},
        "inbox/<pk>/note/": {"text": "Sudah cek CEISA"},
        "inbox/<pk>/consult/": {"to": f"unit:{unit.pk}", "question": "Apakah kena cukai?"},
        "inbox/<pk>/consultations/<consultation_id>/answer/": {"answer": "Ya, kena."},
        "inbox/<pk>/resolve/": {"outcome": "not_request"},
        "inbox/<pk>/references/": {"kind": "imei", "value": "490154203237518"},
        "inbox/<pk>/topics/": {"topics": []},
        "inbox/<pk>/presence/": {"typing": "1"},
        "inbox/knowledge/": {"title": "Barang kiriman", "body": "Bea masuk dibebaskan s.d. USD 3.", "is_active": "on"},
        "inbox/tickets/<number>/<action>/[comment]": {"text": "Sudah dicek"},
        "inbox/tickets/<number>/<action>/[answer]": {"text": "Jawaban akhir"},
        "tiket/": {"number": ticket.number, "code": code},
        "api/v1/complaints/": {"kind": "suggestion", "anonymous": True, "office": office.code, "matter": "Loket"},
        "pengaduan/": {"office": office.code, "kind": "suggestion", "anonymous": "on", "matter": "Tambah loket"},
        "kepatuhan/baru/": {"channel": "phone", "office": office.code, "kind": "suggestion", "matter": "Lewat telepon"},
        "kepatuhan/dari-pertanyaan/<pk>/": {"kind": "complaint", "matter": "Petugas tidak ramah"},
        "kepatuhan/<register_number>/<action>/[note]": {"text": "Catatan"},
        "privasi/permintaan/<requester_id>/hapus/": {"reason": "permintaan pemohon", "confirm": "yes"},
    }
    queries = {"api/v1/units/": f"office={office.code}", "sla/live/list/": f"office={office.code}&figure=open"}
    overrides = {
        # escalating needs an inquiry without a ticket: the first one; the escalated one for the rest
        "api/v1/inquiries/<pk>/escalate/": {},
        "inbox/<pk>/escalate/": {},
        "inbox/tickets/<number>/<action>/[comment]": {"action": "comment"},
        "inbox/tickets/<number>/<action>/[take]": {"action": "take"},
        "inbox/tickets/<number>/<action>/[answer]": {"action": "answer"},
        "inbox/tickets/<number>/<action>/[unknown]": {"action": "unknown"},
        "kepatuhan/<register_number>/<action>/[review]": {"action": "review"},
        "kepatuhan/<register_number>/<action>/[note]": {"action": "note"},
        "kepatuhan/<register_number>/<action>/[unknown]": {"action": "unknown"},
        "api/v1/webchat/attachments/<attachment_id>/": {"attachment_id": visitor_file},
    }
    return {
        "staff": staff,
        "requester_name": inquiry.requester.display_name,
        "token": token,
        "values": values,
        "writes": writes,
        "queries": queries,
        "overrides": overrides,
    }


def started_inquiry(account):
    inquiry = factories.InquiryFactory.build(account=account, requester__account=account)
    inquiry.requester.save()
    inquiry.last_inbound_at = inquiry.received_at
    clock_start(record=inquiry)
    inquiry.save()
    factories.MessageFactory(inquiry=inquiry, text="Halo, mau tanya")
    return inquiry


def client_for(role: str, world) -> Client:
    if role == "token":
        return Client(raise_request_exception=False, headers={"X-Webchat-Token": world["token"]})
    client = Client(raise_request_exception=False)
    if role != "anon":
        client.force_login(world["staff"][role])
    return client


def url_for(route: str, world) -> str:
    pattern, _sep, _variant = route.partition("[")
    values = {**world["values"], **world["overrides"].get(route, {})}
    path = re.sub(r"<(\w+)>", lambda m: str(values[m.group(1)]), pattern)
    url = "/" if path == "/" else f"/{path}"
    query = world["queries"].get(route)
    return f"{url}?{query}" if query else url


def outcome(response) -> str:
    status = response.status_code
    errors = "error" in {m.level_tag for m in get_messages(response.wsgi_request)}
    if status in (301, 302, 303):
        if response["Location"].startswith("/accounts/login/"):
            return "login"
        return "no" if errors else "ok"
    if 200 <= status < 300:
        return "no" if errors else "ok"
    return str(status)


def request(client: Client, role: str, method: str, route: str, world) -> str:
    url = url_for(route, world)
    data = world["writes"].get(route, {})
    cache.clear()  # rate limits and presence start afresh for each request
    client.cookies.pop("messages", None)  # only this request's messages count
    with transaction.atomic():  # every request meets the same world: its writes are rolled back
        if method == "GET":
            response = client.get(url)
        elif route.startswith("api/"):
            response = client.post(url, json.dumps(data), content_type="application/json")
        else:
            response = client.post(url, data)
        transaction.set_rollback(True)
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)  # /i18n/setlang/ chose English: back to the default
    if route == "accounts/logout/" and method == "POST" and role in world["staff"]:
        client.force_login(world["staff"][role])  # logging out ended the client's session: the next row needs it
    return outcome(response)


# --- The tests ---------------------------------------------------------------------------------------------
def test_every_url_pattern_has_a_row_and_every_row_a_pattern():
    patterns = set(url_patterns())
    rows = {route.partition("[")[0] for route, _method in parse_matrix(MATRIX)}
    assert sorted(patterns - rows) == [], "URL patterns without a row in MATRIX"
    assert sorted(rows - patterns) == [], "rows in MATRIX for no URL pattern"


def test_each_row_reaches_its_own_pattern(world):
    patterns = url_patterns()
    for route, _method in parse_matrix(MATRIX):
        url = url_for(route, world)
        assert resolve(url.split("?")[0]).func == patterns[route.partition("[")[0]].callback, route


def test_every_role_gets_what_the_matrix_says(world):
    expected = parse_matrix(MATRIX)
    actual = {}
    for role in ROLES:
        client = client_for(role, world)
        for route, method in expected:
            actual.setdefault((route, method), {})[role] = request(client, role, method, route, world)
    wrong = [
        f"{route:<52}{method:<5}" + "".join(f"{actual[(route, method)][role]:<6}" for role in ROLES).rstrip()
        for (route, method), row in expected.items()
        if actual[(route, method)] != row
    ]
    assert not wrong, "actual outcomes differ from MATRIX:\n" + "\n".join(wrong)


def test_an_officer_of_another_office_reads_nothing_of_this_office(world):
    """What the matrix lets `other` read (their own lists, public pages) holds none of this office's data."""
    secrets = {
        "requester": world["requester_name"],
        "ticket number": world["values"]["number"],
        "message": "Halo, mau tanya",
        "unit": "Seksi Pelayanan",
        "knowledge base": "Daftarkan IMEI",
    }
    client = client_for("other", world)
    readable = [
        route for (route, method), row in parse_matrix(MATRIX).items() if method == "GET" and row["other"] == "ok"
    ]
    assert len(readable) > 20
    for route in readable:
        if route in ("tiket/", "api/v1/tickets/lookup/"):  # the public lookup shows a ticket to its code's holder
            continue
        body = client.get(url_for(route, world)).content.decode(errors="replace")
        leaked = [name for name, secret in secrets.items() if secret in body]
        assert not leaked, f"{route} shows another office's {', '.join(leaked)}"


def test_the_admin_is_for_superusers_and_staff_flagged_users_only(world):
    for role, status in (("anon", 302), ("officer", 302), ("compl", 302), ("root", 200)):
        response = client_for(role, world).get("/admin/")
        assert response.status_code == status, role
        if status == 302:
            assert response["Location"].startswith("/admin/login/"), role


def test_no_static_or_debug_route_outside_debug():
    """Static files are WhiteNoise's (a middleware, not a URL pattern) and there is no debug toolbar route."""
    routes = [str(entry.pattern) for entry in get_resolver().url_patterns]
    assert not [route for route in routes if route.lstrip("^").startswith(("static/", "media/", "__debug__/"))]
