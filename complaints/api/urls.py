from django.urls import path

from . import views

urlpatterns = [
    path("complaints/", views.ComplaintListView.as_view(), name="complaint-list"),
    path("complaints/counts/", views.ComplaintCountsView.as_view(), name="complaint-counts"),
    path("complaints/<str:register_number>/", views.ComplaintDetailView.as_view(), name="complaint-detail"),
]
