from django.urls import path
from rest_framework.routers import DefaultRouter

from . import public_lookup, tickets
from .inquiries import InquiryViewSet, TopicListView

router = DefaultRouter()
router.register("inquiries", InquiryViewSet, basename="inquiry")
urlpatterns = [
    path("units/", tickets.UnitListView.as_view(), name="unit-list"),
    path("topics/", TopicListView.as_view(), name="topic-list"),
    path("inquiries/<int:pk>/escalate/", tickets.EscalateView.as_view(), name="inquiry-escalate"),
    path("tickets/", tickets.TicketListView.as_view(), name="ticket-list"),
    path("tickets/lookup/", public_lookup.TicketLookupView.as_view(), name="ticket-lookup"),
    path("tickets/<str:number>/", tickets.TicketDetailView.as_view(), name="ticket-detail"),
    path("tickets/<str:number>/comments/", tickets.TicketCommentView.as_view(), name="ticket-comment"),
    path("tickets/<str:number>/answer/", tickets.TicketAnswerView.as_view(), name="ticket-answer"),
    *router.urls,
]
