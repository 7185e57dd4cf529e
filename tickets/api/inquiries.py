from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from common.api import error_responses
from sla.selectors import sla_badges
from tickets import masking, replies, selectors
from tickets.models import Message, Topic
from tickets.topics import inquiry_topics_set, topics_offered

from .serializers import (
    InquiryDetailOutput,
    InquiryFilterInput,
    InquiryOutput,
    MessageOutput,
    MessageRevealOutput,
    ReplyInput,
    TopicListOutput,
    TopicOutput,
    TopicsInput,
)


@extend_schema_view(
    list=extend_schema(
        parameters=[InquiryFilterInput],
        responses={200: InquiryOutput(many=True), **error_responses(400, 401, 403, 404)},
    ),
    retrieve=extend_schema(responses={200: InquiryDetailOutput, **error_responses(400, 401, 403, 404)}),
)
class InquiryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Inquiries of the user's office (all offices for a superuser)."""

    serializer_class = InquiryOutput
    lookup_value_regex = "[0-9]+"  # anything else is no inquiry: a 404 from the URL, not a ValueError

    def get_queryset(self):
        if self.action != "list":
            return selectors.inquiry_list(user=self.request.user)
        # A plain dict: from a QueryDict DRF reads `?status=` as "not given"; the schema says it is no status.
        filters = InquiryFilterInput(data=self.request.query_params.dict())
        filters.is_valid(raise_exception=True)
        return selectors.inquiry_list(user=self.request.user, **filters.validated_data)

    def _inquiry(self, queryset, pk: str):
        if int(pk) > selectors.MAX_DB_ID:
            raise Http404
        return get_object_or_404(queryset, pk=pk)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        badges = sla_badges(page, now=timezone.now())
        return self.get_paginated_response(InquiryOutput(page, many=True, context={"badges": badges}).data)

    def retrieve(self, request, *args, **kwargs):
        thread = Message.objects.exclude(withheld_from=request.user).select_related("author", "outbound")
        queryset = selectors.inquiry_list(user=request.user).prefetch_related(Prefetch("messages", queryset=thread))
        inquiry = self._inquiry(queryset, kwargs["pk"])
        badges = sla_badges([inquiry], now=timezone.now())
        return Response(InquiryDetailOutput(inquiry, context={"badges": badges}).data)

    @extend_schema(request=None, responses={200: MessageRevealOutput, **error_responses(401, 403, 404)})
    @action(detail=True, methods=["post"], url_path=r"messages/(?P<message_id>[0-9]+)/reveal")
    def reveal(self, request, pk=None, message_id=None, **kwargs):  # kwargs: `format` of the `reveal.json` route
        """A message's text with its identifiers in full (lists and the detail mask them): for an officer of the
        inquiry's office; the reveal is written to the audit log."""
        inquiry = self._inquiry(selectors.inquiry_list(user=request.user), pk)
        if int(message_id) > selectors.MAX_DB_ID:
            raise Http404
        message = get_object_or_404(Message.objects.exclude(withheld_from=request.user), pk=message_id, inquiry=inquiry)
        message.inquiry = inquiry
        text = masking.message_reveal(message=message, actor=request.user)
        return Response(MessageRevealOutput({"id": message.pk, "text": text}).data)

    @extend_schema(request=TopicsInput, responses={200: TopicOutput(many=True), **error_responses(400, 401, 403, 404)})
    @action(detail=True, methods=["post", "put"], pagination_class=None)
    def topics(self, request, pk=None, **kwargs):  # kwargs: `format` of the `topics.json` route
        """Set the inquiry's topics (issue 13: reports break down by them) by their codes; an inactive topic the
        inquiry already has stays. For the officers of the inquiry's office; audited as ``inquiry.topics``."""
        inquiry = self._inquiry(selectors.inquiry_list(user=request.user).select_related("office"), pk)
        data = TopicsInput(data=request.data)
        data.is_valid(raise_exception=True)
        wanted = list(dict.fromkeys(data.validated_data["topics"]))
        found = {topic.slug: topic for topic in Topic.objects.filter(slug__in=wanted)}
        unknown = [slug for slug in wanted if slug not in found]
        if unknown:
            raise ValidationError({"topics": [_("Unknown topic: %(codes)s.") % {"codes": ", ".join(unknown)}]})
        try:
            chosen = inquiry_topics_set(inquiry=inquiry, topics=[found[slug] for slug in wanted], by=request.user)
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict if hasattr(error, "error_dict") else error.messages) from error
        language = get_language() or "id"
        return Response([{"slug": topic.slug, "label": topic.label(language)} for topic in chosen])

    @extend_schema(request=ReplyInput, responses={201: MessageOutput, **error_responses(400, 401, 403, 404, 413, 415)})
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None, **kwargs):  # kwargs: `format` of the `reply.json` route
        inquiry = self._inquiry(selectors.inquiry_list(user=request.user), pk)
        data = ReplyInput(data=request.data)
        data.is_valid(raise_exception=True)
        message = replies.reply_send(
            inquiry=inquiry, author=request.user, text=data.validated_data["text"], kind=data.validated_data["kind"]
        )
        return Response(MessageOutput(message).data, status=status.HTTP_201_CREATED)


@extend_schema(responses={200: TopicListOutput(many=True), **error_responses(401, 403)})
class TopicListView(ListAPIView):
    """The topics an officer may give an inquiry (kept by admins), in their order, labelled in the request's
    language."""

    pagination_class = None

    def get_queryset(self):
        return topics_offered()

    def list(self, request, *args, **kwargs):
        language = get_language() or "id"
        return Response(
            [{"slug": t.slug, "label": t.label(language), "position": t.position} for t in self.get_queryset()]
        )
