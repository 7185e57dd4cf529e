from django.urls import path

from .views import WebchatMessagesView, WebchatOfficeView, WebchatSessionView

urlpatterns = [
    path("webchat/sessions/", WebchatSessionView.as_view(), name="webchat-session"),
    path("webchat/offices/<str:code>/", WebchatOfficeView.as_view(), name="webchat-office"),
    path("webchat/messages/", WebchatMessagesView.as_view(), name="webchat-messages"),
]
