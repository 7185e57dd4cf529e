from django.urls import path

from .views import attachments, inbox, reveal, topics, unit_tickets

app_name = "tickets"
urlpatterns = [
    path("", inbox.inbox, name="inbox"),
    path("<int:pk>/", inbox.conversation, name="conversation"),
    path("<int:pk>/claim/", inbox.claim, name="claim"),
    path("<int:pk>/escalate/", unit_tickets.inquiry_escalate, name="escalate"),
    path("<int:pk>/assign/", inbox.assign, name="assign"),
    path("<int:pk>/note/", inbox.note, name="note"),
    path("<int:pk>/consult/", inbox.consult, name="consult"),
    path("<int:pk>/consultations/", inbox.consultation_view, name="consultations"),
    path("<int:pk>/consultations/<int:consultation_id>/answer/", inbox.consultation_answer, name="consultation-answer"),
    path("<int:pk>/resolve/", inbox.resolve, name="resolve"),
    path("<int:pk>/references/", inbox.reference_add, name="reference-add"),
    path("<int:pk>/topics/", topics.topics_set, name="topics"),
    path("<int:pk>/references/<int:reference_id>/reveal/", inbox.reference_reveal, name="reference-reveal"),
    path("<int:pk>/messages/<int:message_id>/retry/", inbox.retry, name="retry"),
    path("<int:pk>/messages/<int:message_id>/reveal/", reveal.message_reveal, name="message-reveal"),
    path("<int:pk>/thread/", inbox.thread_partial, name="thread"),
    path("<int:pk>/attachments/<int:attachment_id>/", attachments.attachment_download, name="attachment"),
    path("<int:pk>/presence/", inbox.presence, name="presence"),
    path("answers/", inbox.canned_search, name="canned-search"),
    path("knowledge/", inbox.knowledge_base, name="knowledge-base"),
    path("tickets/", unit_tickets.ticket_queue, name="tickets"),
    path("tickets/<str:number>/", unit_tickets.ticket_detail, name="ticket"),
    path("tickets/<str:number>/<str:action>/", unit_tickets.ticket_action, name="ticket-action"),
]
