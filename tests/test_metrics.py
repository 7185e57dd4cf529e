"""/metrics: the operator's Prometheus endpoint, refused to the public, with the figures an operator needs."""

from datetime import timedelta

import pytest
from django.utils import timezone

from channels_intake.models import InboundEvent, OutboundMessage
from tests import factories
from tickets.models import Inquiry

pytestmark = pytest.mark.django_db
PUBLIC = {"REMOTE_ADDR": "203.0.113.7"}


@pytest.fixture(autouse=True)
def scraper_network(settings, request):
    if request.node.name != "test_the_public_is_refused_and_the_token_or_the_network_let_in":
        settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.0/8"]


def test_the_public_is_refused_and_the_token_or_the_network_let_in(client, settings):
    settings.METRICS_TOKEN = "scrape-me-0123456789"
    refused = client.get("/metrics", **PUBLIC)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong", **PUBLIC).status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-me-0123456789", **PUBLIC).status_code == 200
    assert client.get("/metrics").status_code == 403  # loopback is not trusted by default (a proxy on the host)
    settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    assert client.get("/metrics").status_code == 200  # the test client is 127.0.0.1
    assert client.get("/metrics", **PUBLIC).status_code == 403
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ", **PUBLIC).status_code == 403  # an empty token is none


def test_the_figures_an_operator_needs(client, office):
    account = factories.ChannelAccountFactory(office=office, kind="telegram")
    InboundEvent.objects.create(account=account, dedupe_key="1", raw_body="{}")
    InboundEvent.objects.create(account=account, dedupe_key="2", raw_body="{", status="dead")
    OutboundMessage.objects.create(account=account, recipient_id="r", text="x", next_attempt_at=timezone.now())
    OutboundMessage.objects.create(account=account, recipient_id="r", text="y", status="failed")
    breached = factories.InquiryFactory(account=account, response_status="breached")
    factories.InquiryFactory(
        account=account, response_status="running", response_at_risk_at=timezone.now() - timedelta(minutes=1)
    )
    factories.InquiryFactory(account=account, response_status="breached", status=Inquiry.Status.CLOSED)
    client.get(f"/inbox/{breached.pk}/")  # a request to count (a redirect to the login page)
    text = client.get("/metrics").content.decode()
    assert 'helpdesk_inbound_events{kind="telegram",state="pending"} 1.0' in text
    assert 'helpdesk_inbound_events{kind="telegram",state="dead"} 1.0' in text
    assert 'helpdesk_outbox_messages{kind="telegram",state="queued"} 1.0' in text
    assert 'helpdesk_outbox_messages{kind="telegram",state="failed"} 1.0' in text
    assert f'helpdesk_sla_targets{{office="{office.code}",state="breached",target="response"}} 1.0' in text
    assert f'helpdesk_sla_targets{{office="{office.code}",state="at_risk",target="response"}} 1.0' in text
    assert "helpdesk_filing_lag_seconds" in text and "helpdesk_celery_queue_length" in text
    # Requests are labelled by their URL pattern: no id, token or path ever becomes a label.
    assert 'route="inbox/<int:pk>/"' in text and f"/{breached.pk}/" not in text


def test_a_scrape_costs_a_fixed_number_of_queries(client, office, django_assert_max_num_queries):
    for n in range(5):
        other = factories.OfficeFactory()
        factories.InquiryFactory(account=factories.ChannelAccountFactory(office=other), response_status="breached")
    with django_assert_max_num_queries(8):
        assert client.get("/metrics").status_code == 200
