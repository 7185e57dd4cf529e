from django.urls import path

from .webhooks import webhook

urlpatterns = [path("<str:kind>/<slug:slug>/webhook/", webhook, name="intake-webhook")]
