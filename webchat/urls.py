from django.urls import path

from . import views

app_name = "webchat"
urlpatterns = [
    path("demo/", views.demo, name="demo"),
]
