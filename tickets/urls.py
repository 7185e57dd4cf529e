from django.urls import path

from . import views

app_name = "tickets"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.conversation, name="conversation"),
    path("<int:pk>/claim/", views.claim, name="claim"),
]
