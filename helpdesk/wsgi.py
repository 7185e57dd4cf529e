"""The WSGI application (``helpdesk.wsgi:application``): Django's, behind the webhook shortcut
(``helpdesk.webhook_wsgi``), which answers the platforms' usual deliveries before Django builds a request.

``served`` is what the production web server loads in each worker (``helpdesk.serve``: Granian's factory): the
same application, with the worker's garbage collector tuned (``helpdesk.runtime``). Importing this module (the
development server, the tests) leaves the collector alone."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

django_application = get_wsgi_application()

from helpdesk.runtime import tune_gc  # noqa: E402 - after the settings
from helpdesk.webhook_wsgi import WebhookFastPath  # noqa: E402 - needs the apps loaded

application = WebhookFastPath(django_application)


def served():
    """The application for a worker of the production web server, its garbage collector tuned first."""
    tune_gc()
    return application
