"""The complaints API: the public intake (no login, rate limited) and, for compliance staff only, the records;
counts for supervisors and compliance. The confidentiality rule of ``complaints.routing`` holds for each."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import Pagination, error_responses
from offices.models import Office

from .. import selectors, services
from ..models import Complaint
from ..routing import is_compliance, may_count
from ..throttle import ComplaintThrottle
from .serializers import (
    ComplaintCreatedOutput,
    ComplaintDetailOutput,
    ComplaintFilterInput,
    ComplaintInput,
    ComplaintOutput,
    CountsOutput,
)

# The API's names for the service's fields.
API_NAMES = {"complainant_name": "name", "complainant_contact": "contact"}
SERVICE_NAMES = {api: field for field, api in API_NAMES.items()}


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def missing_fields(raw) -> dict[str, list[str]]:
    """Every field a complaint needs that the body leaves out or empty, named at once."""
    if not hasattr(raw, "get"):
        return {}
    kind = raw.get("kind") if raw.get("kind") in Complaint.Kind.values else Complaint.Kind.COMPLAINT
    anonymous = raw.get("anonymous") in (True, "true", "True", "1", 1, "on")
    needed = ["office", "matter"]
    if kind == Complaint.Kind.COMPLAINT:
        needed += list(services.COMPLAINT_REQUIRED[1:])
    if not anonymous:
        needed += ["name", "contact"]
    return {name: [_("This field is required.")] for name in needed if _blank(raw.get(name))}


class CompliancePermission(IsAuthenticated):
    message = "Only internal compliance staff read complaints."

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if not is_compliance(request.user):
            raise exceptions.PermissionDenied(_("Only internal compliance staff read complaints."))
        return True


class ComplaintListView(APIView):
    """GET: the complaints the compliance user handles (others: 403). POST: anyone files one, no login."""

    def get_authenticators(self):
        if self.request is not None and self.request.method == "POST":
            return []  # the public intake: no session (so no CSRF), no token, whoever is logged in
        return super().get_authenticators()

    def get_permissions(self):
        if self.request.method == "POST":
            return [AllowAny()]
        return [CompliancePermission()]

    def get_throttles(self):
        return [ComplaintThrottle()] if self.request.method == "POST" else []

    @extend_schema(
        parameters=[ComplaintFilterInput],
        responses={200: ComplaintOutput(many=True), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request):
        filters = ComplaintFilterInput(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        queryset = selectors.complaint_list(user=request.user, **filters.validated_data)
        paginator = Pagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(ComplaintOutput(page, many=True).data)

    @extend_schema(
        request={"application/json": ComplaintInput, "multipart/form-data": ComplaintInput},
        responses={
            201: OpenApiResponse(ComplaintCreatedOutput, description="Recorded: the register number to quote."),
            **error_responses(400, 413, 415, 429),
        },
        auth=[],
    )
    def post(self, request):
        raw = request.data
        data = ComplaintInput(data=raw)
        valid = data.is_valid()
        errors = {key: list(value) for key, value in data.errors.items()} if not valid else {}
        if isinstance(errors.get("non_field_errors"), list) or not hasattr(raw, "get"):
            raise exceptions.ValidationError(errors or {"non_field_errors": [_("Send a JSON object.")]})
        for name, problem in missing_fields(raw).items():
            errors.setdefault(name, problem)
        office = None
        if valid and "office" not in errors:
            office = Office.objects.filter(code=data.validated_data["office"], is_active=True).first()
            if office is None:
                errors["office"] = [_("No office with this code.")]
        if errors:
            raise exceptions.ValidationError(errors)
        values = dict(data.validated_data)
        values["complainant_name"] = values.pop("name", "")
        values["complainant_contact"] = values.pop("contact", "")
        files = values.pop("evidence", [])
        values.pop("office")
        try:
            complaint = services.complaint_submit(
                office=office, data=values, files=files, language=translation.get_language() or "id"
            )
        except DjangoValidationError as exc:
            detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            raise exceptions.ValidationError({API_NAMES.get(k, k): v for k, v in detail.items()}) from exc
        return Response({"register_number": complaint.register_number}, status=status.HTTP_201_CREATED)


class ComplaintDetailView(APIView):
    permission_classes = [CompliancePermission]

    @extend_schema(responses={200: ComplaintDetailOutput, **error_responses(401, 403, 404)})
    def get(self, request, register_number: str):
        try:
            complaint = services.complaint_get(user=request.user, register_number=register_number[:40])
        except Complaint.DoesNotExist as exc:
            raise exceptions.NotFound(_("No such complaint for your compliance unit.")) from exc
        services.complaint_read(complaint=complaint, user=request.user, via="api")
        complaint.evidence_count = complaint.evidence_files.count()
        return Response(ComplaintDetailOutput(complaint, context={"request": request}).data)


class ComplaintCountsView(APIView):
    """Counts by office, status and kind: supervisors and compliance of the user's reach (never contents)."""

    @extend_schema(responses={200: CountsOutput, **error_responses(401, 403)})
    def get(self, request):
        if not may_count(request.user):
            raise DjangoPermissionDenied
        return Response(selectors.complaint_counts(user=request.user))
