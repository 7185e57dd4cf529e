"""The WSGI application (``helpdesk.wsgi:application``): Django's, behind the webhook shortcut
(``helpdesk.webhook_wsgi``), which answers the platforms' usual deliveries before Django builds a request."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

django_application = get_wsgi_application()

from helpdesk.webhook_wsgi import WebhookFastPath  # noqa: E402 - needs the apps loaded

application = WebhookFastPath(django_application)
