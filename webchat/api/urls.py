from django.urls import path

from .attachments import WebchatAttachmentsView, WebchatAttachmentView
from .views import WebchatLanguageView, WebchatMessagesView, WebchatOfficeView, WebchatSessionView

urlpatterns = [
    path("webchat/sessions/", WebchatSessionView.as_view(), name="webchat-session"),
    path("webchat/offices/<str:code>/", WebchatOfficeView.as_view(), name="webchat-office"),
    path("webchat/messages/", WebchatMessagesView.as_view(), name="webchat-messages"),
    path("webchat/attachments/", WebchatAttachmentsView.as_view(), name="webchat-attachments"),
    path("webchat/attachments/<int:attachment_id>/", WebchatAttachmentView.as_view(), name="webchat-attachment"),
    path("webchat/language/", WebchatLanguageView.as_view(), name="webchat-language"),
]
