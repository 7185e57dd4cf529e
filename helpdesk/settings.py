"""Settings of the helpdesk, all read from the environment (see `.env.example`).

The defaults give the embedded shape that `make run` uses: SQLite under `var/`, a Celery broker on the
filesystem, no external service. Production sets DATABASE_URL, REDIS_URL, SECRET_KEY and DEBUG=0.
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A `.env` beside manage.py, if there is one: `make run` and `make test` write a development one on their first
# run (DEBUG=1 and a generated SECRET_KEY), so manage.py works in that checkout with no variable set. The real
# environment wins.
# Never read by the test suite (its settings keep DEBUG off, whatever a developer's checkout holds), nor with
# READ_DOT_ENV_FILE=0 (a deployment that takes its settings from the environment alone).
DOT_ENV_FILE = BASE_DIR / ".env"
if (
    env.bool("READ_DOT_ENV_FILE", default=True)
    and os.environ.get("DJANGO_SETTINGS_MODULE") != "tests.settings"
    and DOT_ENV_FILE.is_file()
):
    environ.Env.read_env(DOT_ENV_FILE, overwrite=False)
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see .env.example).")
    SECRET_KEY = "insecure-development-key-never-use-in-production"
elif not DEBUG:
    # Django's own test of a weak key (security.W009), refused at start rather than warned about.
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured(
            "SECRET_KEY is too weak for DEBUG=0: it needs at least 50 characters, at least 5 different ones, "
            "and must not start with 'django-insecure'. Generate one with: "
            'python -c "import secrets; print(secrets.token_urlsafe(50))"'
        )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
# Container health checks call /healthz on the loopback address, whatever the public host names are.
ALLOWED_HOSTS += [host for host in ("localhost", "127.0.0.1") if host not in ALLOWED_HOSTS]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The address in links sent to requesters; `make run` (scripts/run_embedded.py) sets it to the port it serves on.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",  # failed logins and lockouts (AXES_* below)
    "csp",  # the Content-Security-Policy header (CONTENT_SECURITY_POLICY below)
    "audit",
    "offices",
    "channels_intake",
    "tickets",
    "sla",
    "webchat",
    "complaints",
    "supervision",
    "privacy",
    "helpdesk",  # the project package itself: the demo-data command (load_demo)
]

MIDDLEWARE = [
    "helpdesk.metrics.RequestMetricsMiddleware",  # first: counts every answer, refusals included
    "helpdesk.middleware.RequestIdMiddleware",  # the id that follows a message into the worker
    "django.middleware.security.SecurityMiddleware",
    "helpdesk.middleware.RequestGuardMiddleware",  # NUL characters, oversize API bodies
    # Answered before the rest (helpdesk.early): the inbox refresh that finds nothing new (a 304 in one cache read
    # and one query) and the platforms' webhook POSTs, with the headers the rest would add.
    "helpdesk.early.LivePollMiddleware",
    "helpdesk.early.LeanWebhookMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "helpdesk.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: turns a locked-out login into the lockout page (registration/login.html with the lockout message).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "helpdesk.urls"
WSGI_APPLICATION = "helpdesk.wsgi.application"
ASGI_APPLICATION = "helpdesk.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sla.context_processors.notifications",
            ],
        },
    },
]

# --- Database ----------------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'helpdesk.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: WAL, a busy timeout and immediate transactions keep them from
    # meeting "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    # No JIT: it pays off on long analytical scans only; on the inbox's ranked search (high estimated cost, a few
    # ms to run) PostgreSQL spent seconds compiling. JIT=1 keeps the server's own setting.
    if not env.bool("JIT", default=False):
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# SQLite (the embedded shape) has no covering indexes; PostgreSQL uses the INCLUDE columns. Nothing to warn about.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Cache, broker -----------------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Short timeouts, and reads and writes that give way while Redis is down (common.cache): the cache holds rate
    # limits and figures only, never something a request needs.
    CACHES = {
        "default": {
            "BACKEND": "common.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.5,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {"visibility_timeout": 3600, "socket_connect_timeout": 2, "socket_timeout": 5}
)
# A broker outage must not hold a webhook for long: the event is already durable, the re-drive sends it later.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
if CELERY_BROKER_URL.startswith("filesystem"):
    for _folder in ("queue", "control"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
# The worker logs through Django's LOGGING (the redacting formatter) instead of installing its own root handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The worker's CPU priority below the web's (``nice``, 0 to 19; helpdesk.celery): on a machine both share, a burst
# being filed never slows the webhooks' answers or the officers' pages. 0 leaves it as started.
WORKER_NICE = env.int("WORKER_NICE", default=10)

# How often beat re-drives what a broker outage or a killed worker left behind (inbound events waiting at least
# this long, replies due), in seconds.
REDRIVE_SECONDS = env.int("REDRIVE_SECONDS", default=60)
# The worker files the inbound log in batches of one office's events (channels_intake.inbound.inbound_events_file),
# with at most this many drains at once (one worker process each).
INBOUND_FILE_BATCH = env.int("INBOUND_FILE_BATCH", default=200)
INBOUND_FILERS = env.int("INBOUND_FILERS", default=2)
# Seconds a worker's drain waits after a batch that was not full before it claims again (a stream's next
# messages are filed together; channels_intake.inbound.DRAIN_LINGER). 0: claim again at once.
INBOUND_DRAIN_LINGER = env.float("INBOUND_DRAIN_LINGER", default=0.2)
# Seconds a web process trusts that the filer is awake once a webhook found it so (channels_intake.inbound
# .WAKE_TRUST: the next webhooks skip the Redis round trip); a drain waits twice this before its last look.
INBOUND_WAKE_TRUST = env.float("INBOUND_WAKE_TRUST", default=0.05)
# /healthz answers 503 when the oldest inbound event waiting to be filed, or the oldest reply due for delivery,
# has waited longer than this (a stalled worker or broker).
HEALTH_STALL_SECONDS = env.int("HEALTH_STALL_SECONDS", default=600)

# /metrics (Prometheus): a scraper with this bearer token, or from these networks (e.g. "10.0.0.0/8"), may read
# it; nobody else, and nobody at all until one of them is set. Not loopback by default: behind a reverse proxy on
# the same host every visitor would come from 127.0.0.1.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = [net.strip() for net in env.list("METRICS_ALLOWED_NETWORKS", default=[]) if net.strip()]
for _network in METRICS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS: {_network!r} is not a network ({_exc})") from None

# --- Auth --------------------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# The home page sends each role to its own workspace (helpdesk.views.home): officers to the inbox.
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# A staff session lasts a working day from the login, then the officer logs in again.
SESSION_COOKIE_AGE = int(env.float("STAFF_SESSION_HOURS", default=9) * 60 * 60)
# Sessions read from the cache, written through to the database (a cache outage falls back to it): the inbox's
# 4-second refresh loads no session row (tickets.views.inbox).
SESSION_ENGINE = env.str("SESSION_ENGINE", default="django.contrib.sessions.backends.cached_db")

# The client's address as the trusted proxies saw it (common.client.client_address): how many proxies of ours
# stand in front of the app. 0: REMOTE_ADDR, X-Forwarded-For ignored. N: the Nth address from its right.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Failed logins (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one username from one address, that
# username is locked from that address for LOGIN_LOCKOUT_MINUTES (0: until an administrator unlocks it in the
# admin's "Access attempts" or with `manage.py axes_reset_username USERNAME`). Every lockout is in the audit log.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out username before any password check
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=60)
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES) if LOGIN_LOCKOUT_MINUTES > 0 else None
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "common.client.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/login.html"
AXES_VERBOSE = False  # no start-up banner; its log lines then mask the username and the address

# --- Language and time -------------------------------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
# Stored times are UTC; pages show each office's own zone. This is only the fallback zone.
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Jakarta")

# --- Static files ------------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
# Files browsers ask for at the site's root (/favicon.ico), served by WhiteNoise like the static files: no URL
# pattern, and the same in development and production.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
# Files people send (chat attachments, complaint evidence): outside the static files, never served by URL, read
# only through views that check who asks (common.storage.private_storage).
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private")))
# The largest photo or PDF accepted in a thread (a visitor's upload, a platform's file, an officer's reply).
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- E-mail ------------------------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="helpdesk@localhost")
# Where the outbox sends e-mail to requesters (channels_intake.adapters.email: retried, with a delivery status):
# built from the EMAIL_* values above, "console:" (the log stream) while EMAIL_BACKEND is the console or
# in-memory one as in development and tests; or given whole: smtp://user:password@host:587?starttls=1&from=...
if EMAIL_BACKEND.endswith(("console.EmailBackend", "locmem.EmailBackend")):
    _outbox_mail = "console:"
else:
    _login = f"{quote(EMAIL_HOST_USER, safe='')}:{quote(EMAIL_HOST_PASSWORD, safe='')}@" if EMAIL_HOST_USER else ""
    _outbox_mail = (
        f"smtp://{_login}{EMAIL_HOST}:{EMAIL_PORT}?starttls={int(EMAIL_USE_TLS)}&from={quote(DEFAULT_FROM_EMAIL)}"
    )
EMAIL_OUTBOX_URL = env.str("EMAIL_OUTBOX_URL", default=_outbox_mail)

# --- API ---------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous request then gets 401 with a WWW-Authenticate header.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "common.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "common.api.exception_handler",
    # Throttles name the client as common.client.client_address does (the same rule, the same number).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    # DRF's JSON parser, but a body nested past the recursion limit is a 400 too (common.api.JSONParser).
    "DEFAULT_PARSER_CLASSES": [
        "common.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "webchat_session": env.str("WEBCHAT_SESSION_RATE", default="20/hour"),
        "webchat_message": env.str("WEBCHAT_MESSAGE_RATE", default="30/minute"),
        "webchat_address": env.str("WEBCHAT_ADDRESS_RATE", default="120/minute"),
        # Public complaints (page and API together), per client address.
        "complaint": env.str("COMPLAINT_RATE", default="10/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Helpdesk Bea Cukai API",
    "DESCRIPTION": "Inquiries from web chat and social-media DMs, answered within the service standard.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set the API uses in more than one place (otherwise drf-spectacular warns and invents
    # names like Status575Enum).
    "ENUM_NAME_OVERRIDES": {
        "InquiryStatusEnum": "tickets.models.Inquiry.Status",
        "InquiryOutcomeEnum": "tickets.models.Inquiry.Outcome",
        "MessageKindEnum": "tickets.models.Message.Kind",
        "TicketStatusEnum": "tickets.models.Ticket.Status",
        "TargetStatusEnum": "sla.models.TargetStatus",
        "ComplaintKindEnum": "complaints.models.Complaint.Kind",
        "ComplaintStatusEnum": "complaints.models.Complaint.Status",
        "ComplaintStatusFilterEnum": "complaints.api.serializers.STATUS_FILTER_CHOICES",
    },
}

# --- Channels ----------------------------------------------------------------------------------------------
META_GRAPH_URL = env.str("META_GRAPH_URL", default="https://graph.facebook.com/v25.0")
TELEGRAM_API_URL = env.str("TELEGRAM_API_URL", default="https://api.telegram.org")
X_API_URL = env.str("X_API_URL", default="https://api.x.com")
CHANNEL_HTTP_TIMEOUT = env.float("CHANNEL_HTTP_TIMEOUT", default=10.0)
# Social channels (every platform that sends webhooks): a new inquiry is acknowledged at once with the promise of
# the office (when the answer comes at the latest, and why), and the first acknowledgement to a requester carries
# the privacy notice's link. The web chat shows both in the widget instead.
SOCIAL_ACKNOWLEDGEMENT = env.bool("SOCIAL_ACKNOWLEDGEMENT", default=True)
WEBCHAT_ALLOWED_ORIGINS = env.list("WEBCHAT_ALLOWED_ORIGINS", default=[])
WEBCHAT_MAX_MESSAGE_LENGTH = env.int("WEBCHAT_MAX_MESSAGE_LENGTH", default=2000)
# A visitor's web-chat token stops working after this long without a request (the widget then starts anew).
WEBCHAT_SESSION_IDLE_MINUTES = env.int("WEBCHAT_SESSION_IDLE_MINUTES", default=120)
DATA_UPLOAD_MAX_MEMORY_SIZE = 3 * 1024 * 1024
# Complaint evidence (complaints.evidence): per file, and files per submission.
COMPLAINT_EVIDENCE_MAX_BYTES = env.int("COMPLAINT_EVIDENCE_MAX_BYTES", default=5 * 1024 * 1024)
COMPLAINT_EVIDENCE_MAX_FILES = env.int("COMPLAINT_EVIDENCE_MAX_FILES", default=5)

# --- Security in production --------------------------------------------------------------------------------
# HTTPS only, on by default whenever DEBUG is off; each can be turned off for a TLS-terminating proxy that does it
# itself (see .env.example).
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_PROXY_SSL_HEADER = (
        ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("SECURE_PROXY_SSL_HEADER", default=True) else None
    )
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # The container's health check calls http://127.0.0.1:8000/healthz from inside: no redirect for it.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_CONTENT_TYPE_NOSNIFF = True

# Content-Security-Policy (django-csp), in development too: scripts and styles only from our own static files, no
# inline script, no eval. The widget loads its stylesheet from our origin as well (static/webchat/widget.css).
# Swagger UI (/api/docs/) ships an inline script and inline styles: it is left out.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/api/docs/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Every line goes through common.logging.RedactingFormatter: no query string, identifier, token or secret in logs.
# LOG_FORMAT: "json" (one object per line, for a log collector) or "plain" (readable); JSON unless DEBUG.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured("LOG_FORMAT must be json or plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "common.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {
            "()": "common.logging.RedactingFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
        "json": {"()": "common.logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # runserver's request lines (Django's own handler would print query strings as they came).
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
