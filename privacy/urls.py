from django.urls import path

from . import views

urlpatterns = [
    path("", views.data_requests, name="privacy-requests"),
    path("<int:requester_id>/ekspor/", views.data_export, name="privacy-export"),
    path("<int:requester_id>/hapus/", views.data_erase, name="privacy-erase"),
]
