from django.urls import path
from rest_framework.routers import DefaultRouter

from . import public_lookup
from . import tickets as ticket_views
from .inquiries import InquiryViewSet

router = DefaultRouter()
router.register("inquiries", InquiryViewSet, basename="inquiry")
urlpatterns = [
    path("units/", ticket_views.UnitListView.as_view(), name="unit-list"),
    path("inquiries/<int:pk>/escalate/", ticket_views.EscalateView.as_view(), name="inquiry-escalate"),
    path("tickets/", ticket_views.TicketListView.as_view(), name="ticket-list"),
    path("tickets/lookup/", public_lookup.TicketLookupView.as_view(), name="ticket-lookup"),
    path("tickets/<str:number>/", ticket_views.TicketDetailView.as_view(), name="ticket-detail"),
    path("tickets/<str:number>/comments/", ticket_views.TicketCommentView.as_view(), name="ticket-comment"),
    path("tickets/<str:number>/answer/", ticket_views.TicketAnswerView.as_view(), name="ticket-answer"),
    *router.urls,
]
