from django.urls import path

from .views import OfficeCalendarView

urlpatterns = [path("offices/<str:code>/calendar/", OfficeCalendarView.as_view(), name="office-calendar")]
