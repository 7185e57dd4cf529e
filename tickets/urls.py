from django.urls import path

from .views import inbox as views
from .views import unit_tickets as ticket_views

app_name = "tickets"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.conversation, name="conversation"),
    path("<int:pk>/claim/", views.claim, name="claim"),
    path("<int:pk>/escalate/", ticket_views.inquiry_escalate, name="escalate"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/note/", views.note, name="note"),
    path("<int:pk>/consult/", views.consult, name="consult"),
    path("<int:pk>/consultations/", views.consultation_view, name="consultations"),
    path("<int:pk>/consultations/<int:consultation_id>/answer/", views.consultation_answer, name="consultation-answer"),
    path("<int:pk>/resolve/", views.resolve, name="resolve"),
    path("<int:pk>/references/", views.reference_add, name="reference-add"),
    path("<int:pk>/references/<int:reference_id>/reveal/", views.reference_reveal, name="reference-reveal"),
    path("<int:pk>/messages/<int:message_id>/retry/", views.retry, name="retry"),
    path("<int:pk>/thread/", views.thread_partial, name="thread"),
    path("<int:pk>/presence/", views.presence, name="presence"),
    path("answers/", views.canned_search, name="canned-search"),
    path("knowledge/", views.knowledge_base, name="knowledge-base"),
    path("tickets/", ticket_views.ticket_queue, name="tickets"),
    path("tickets/<str:number>/", ticket_views.ticket_detail, name="ticket"),
    path("tickets/<str:number>/<str:action>/", ticket_views.ticket_action, name="ticket-action"),
]
