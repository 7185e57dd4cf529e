"""Compliance's workspace, under /kepatuhan/."""

from django.urls import path

from . import views

app_name = "complaints"
urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("baru/", views.record, name="record"),
    path("jumlah/", views.counts, name="counts"),
    path("dari-pertanyaan/<int:pk>/", views.from_inquiry, name="from-inquiry"),
    path("<str:register_number>/", views.detail, name="detail"),
    path("<str:register_number>/bukti/<int:evidence_id>/", views.evidence_download, name="evidence"),
    path("<str:register_number>/<slug:action>/", views.step, name="step"),
]
