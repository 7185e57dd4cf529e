"""Prometheus metrics at /metrics, for the operator (issue: what an operator sees).

- Requests by route, method and status, and their latency, counted by ``RequestMetricsMiddleware`` (the route is
  the URL pattern, never the path: ids and tokens stay out of the labels).
- At each scrape, read from the database: inbound events waiting or kept by kind and state, the filing lag and the
  oldest due reply, outbox queued and failed (last 24 h) by kind, SLA targets at risk and breached per office,
  the Celery queue's length (Redis broker), the last SLA sweep's duration.

Refused (403) unless the request carries ``Authorization: Bearer <METRICS_TOKEN>`` or comes from one of
``METRICS_ALLOWED_NETWORKS`` (default: none; nobody until one is set). With several web workers,
``PROMETHEUS_MULTIPROC_DIR`` sums the counters of every worker (``python -m helpdesk.serve`` makes one).
"""

import hmac
import ipaddress
import os
import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from channels_intake.models import InboundEvent, OutboundMessage
from channels_intake.services import transport_backlog
from common.client import client_address
from tickets.models import OPEN_STATUSES, Inquiry

SWEEP_SECONDS_KEY = "metrics:sla_sweep_seconds"  # written by sla.tasks.sweep

REQUESTS = Counter("helpdesk_http_requests", "HTTP requests by route, method and status", ["route", "method", "status"])
LATENCY = Histogram(
    "helpdesk_http_request_seconds",
    "HTTP request duration by route",
    ["route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = (match.route or match.view_name) if match else "unmatched"
        REQUESTS.labels(route=route, method=request.method, status=str(response.status_code)).inc()
        LATENCY.labels(route=route).observe(time.perf_counter() - started)
        return response


class DatabaseCollector:
    """The gauges read at scrape time: a fixed, small number of index-backed queries."""

    def collect(self):
        now = timezone.now()
        waiting = GaugeMetricFamily(
            "helpdesk_inbound_events", "Inbound events not (yet) filed, by kind and state", labels=["kind", "state"]
        )
        rows = (
            InboundEvent.objects.exclude(status=InboundEvent.Status.PROCESSED)
            .values_list("account__kind", "status")
            .annotate(n=Count("id"))
        )
        for kind, state, n in rows:
            waiting.add_metric([kind, state], n)
        yield waiting

        backlog = transport_backlog(now=now)
        lag = GaugeMetricFamily("helpdesk_filing_lag_seconds", "Age of the oldest inbound event waiting to be filed")
        lag.add_metric([], backlog["inbound_oldest_pending_seconds"] or 0.0)
        yield lag
        due = GaugeMetricFamily("helpdesk_outbox_oldest_due_seconds", "Age of the oldest reply due for delivery")
        due.add_metric([], backlog["outbox_oldest_due_seconds"] or 0.0)
        yield due

        outbox = GaugeMetricFamily(
            "helpdesk_outbox_messages", "Replies queued, and failed in the last 24 h, by kind", labels=["kind", "state"]
        )
        rows = (
            OutboundMessage.objects.filter(
                Q(status=OutboundMessage.Status.QUEUED)
                | Q(status=OutboundMessage.Status.FAILED, created_at__gte=now - timedelta(hours=24))
            )
            .values_list("account__kind", "status")
            .annotate(n=Count("id"))
        )
        for kind, state, n in rows:
            outbox.add_metric([kind, state], n)
        yield outbox

        sla = GaugeMetricFamily(
            "helpdesk_sla_targets",
            "Open SLA targets at risk or breached, per office",
            labels=["office", "target", "state"],
        )
        open_inquiries = Inquiry.objects.filter(status__in=OPEN_STATUSES)
        for target in ("response", "resolution"):
            at_risk = (
                open_inquiries.filter(**{f"{target}_status": "running", f"{target}_at_risk_at__lte": now})
                .values_list("office__code")
                .annotate(n=Count("id"))
            )
            breached = (
                open_inquiries.filter(**{f"{target}_status": "breached", f"{target}_met_at__isnull": True})
                .values_list("office__code")
                .annotate(n=Count("id"))
            )
            for state, rows in (("at_risk", at_risk), ("breached", breached)):
                for code, n in rows:
                    sla.add_metric([code, target, state], n)
        yield sla

        queue = GaugeMetricFamily("helpdesk_celery_queue_length", "Tasks waiting in the default Celery queue")
        queue.add_metric([], _queue_length())
        yield queue

        sweep = GaugeMetricFamily("helpdesk_sla_sweep_seconds", "Duration of the last SLA sweep")
        sweep.add_metric([], cache.get(SWEEP_SECONDS_KEY) or 0.0)
        yield sweep


def _queue_length() -> float:
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return -1.0  # not measurable on the embedded filesystem broker
    try:
        import redis

        return float(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).llen("celery"))
    except Exception:  # the broker's own health is /healthz's job
        return -1.0


def _allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip(), token):
        return True
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_NETWORKS)


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (REQUESTS, LATENCY):
            registry.register(collector)
    registry.register(DatabaseCollector())
    return registry


@require_safe
def metrics(request):
    if not _allowed(request):
        return JsonResponse(
            {"error": {"code": "forbidden", "message": _("Metrics are for the operator only."), "fields": {}}},
            status=403,
        )
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
