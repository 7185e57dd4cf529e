"""The public complaint page, under /pengaduan/ (no login)."""

from django.urls import path

from . import views

app_name = "complaints-public"
urlpatterns = [
    path("", views.public_form, name="form"),
    path("terkirim/", views.public_sent, name="sent"),
]
