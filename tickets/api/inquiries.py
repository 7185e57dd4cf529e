from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from channels_intake.adapters import kinds, sub_channels
from sla.selectors import sla_badges
from tickets import replies, selectors
from tickets.models import Inquiry

from .serializers import InquiryDetailOutput, InquiryFilterInput, InquiryOutput, MessageOutput, ReplyInput


@extend_schema(
    parameters=[
        OpenApiParameter("office", OpenApiTypes.STR, description="Office code (6 digits)"),
        OpenApiParameter("status", OpenApiTypes.STR, enum=Inquiry.Status.values),
        OpenApiParameter("channel", OpenApiTypes.STR, enum=sorted({*kinds(), *sub_channels()})),
    ]
)
class InquiryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Inquiries of the user's office (all offices for a superuser)."""

    serializer_class = InquiryOutput

    def get_queryset(self):
        if self.action != "list":
            return selectors.inquiry_list(user=self.request.user)
        filters = InquiryFilterInput(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.inquiry_list(user=self.request.user, **filters.validated_data)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        badges = sla_badges(page, now=timezone.now())
        return self.get_paginated_response(InquiryOutput(page, many=True, context={"badges": badges}).data)

    def retrieve(self, request, *args, **kwargs):
        inquiry = get_object_or_404(
            selectors.inquiry_list(user=request.user).prefetch_related("messages__author", "messages__outbound"),
            pk=kwargs["pk"],
        )
        badges = sla_badges([inquiry], now=timezone.now())
        return Response(InquiryDetailOutput(inquiry, context={"badges": badges}).data)

    @extend_schema(request=ReplyInput, responses={201: MessageOutput})
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        inquiry = get_object_or_404(selectors.inquiry_list(user=request.user), pk=pk)
        data = ReplyInput(data=request.data)
        data.is_valid(raise_exception=True)
        message = replies.reply_send(
            inquiry=inquiry, author=request.user, text=data.validated_data["text"], kind=data.validated_data["kind"]
        )
        return Response(MessageOutput(message).data, status=status.HTTP_201_CREATED)
