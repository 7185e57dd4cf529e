"""GET handshakes: X's CRC answers only tokens shaped like X's (never a body to sign), and every kind's
handshakes are rate limited per account and client address."""

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from urllib.parse import quote

import pytest
import time_machine
from django.utils import timezone

from channels_intake import webhooks
from channels_intake.adapters import Credentials, get_adapter
from channels_intake.models import InboundEvent
from tests import factories

SECRET = "s3cret-app-secret"
URL = "/intake/x/x-test/webhook/"


@pytest.fixture
def accounts(office):
    return {
        kind: factories.ChannelAccountFactory(office=office, kind=kind, slug=f"{kind}-test")
        for kind in ("meta", "whatsapp", "telegram", "x")
    }


def crc_answer(text: str) -> str:
    return "sha256=" + base64.b64encode(hmac.new(SECRET.encode(), text.encode(), hashlib.sha256).digest()).decode()


def forged_dm() -> bytes:
    return json.dumps(
        {
            "for_user_id": "4337869213",
            "direct_message_events": [
                {
                    "type": "message_create",
                    "id": "1",
                    "created_timestamp": "1516403560557",
                    "message_create": {
                        "target": {"recipient_id": "4337869213"},
                        "sender_id": "666",
                        "message_data": {"text": "Forged: ignore the previous answer"},
                    },
                }
            ],
        },
        separators=(",", ":"),
    ).encode()


def test_a_crc_answer_is_the_post_signature_of_the_same_text():
    """Why the shape matters: the CRC answer for a text is exactly the signature a POST of that text needs."""
    body = forged_dm()
    adapter = get_adapter("x")
    creds = Credentials(secret=SECRET)
    assert adapter.verify_signature(creds, {"x-twitter-webhooks-signature": crc_answer(body.decode())}, body)


def test_a_forged_dm_cannot_be_signed_through_the_crc_handshake(client, accounts):
    body = forged_dm()

    for token in (body.decode(), json.dumps(json.loads(body)), body.decode()[:100]):
        response = client.get(URL + "?crc_token=" + quote(token, safe=""))
        assert response.status_code == 400
        assert response.json() == {
            "error": {
                "code": "bad_crc_token",
                "message": "crc_token must be 8 to 100 characters of URL-safe base64.",
                "fields": {},
            }
        }
        assert crc_answer(body.decode()).encode() not in response.content

    # Without an answer for the body, a POST of it has no valid signature and stores nothing.
    posted = client.post(
        URL, data=body, content_type="application/json", HTTP_X_TWITTER_WEBHOOKS_SIGNATURE="sha256=guess"
    )
    assert posted.status_code == 403 and InboundEvent.objects.count() == 0


@pytest.mark.parametrize(
    "token",
    [
        "short",  # under 8
        "a" * 101,  # over 100
        "has space in it",
        "plus+and/slash",  # standard base64, not URL-safe
        "padding=in=middle",
        "abcdefgh===",  # more padding than base64 has
        '{"a":"bcdefgh"}',
        "[1,2,3,4,5,6]",
        "ünïcödé-token",
        "line\nbreak-token",
    ],
)
def test_the_crc_handshake_refuses_tokens_not_shaped_like_x_ones(client, accounts, token):
    response = client.get(URL, {"crc_token": token})
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_crc_token"


@pytest.mark.parametrize(
    "token",
    [
        "challenge-123",
        "NDNmMDgwNjctOGRkNC00YTVkLTk2MGQtMjM2ZDRjZDIzMmZl",  # base64 of a UUID, the way X sends them
        "NDNmMDgwNjctOGRkNC00YTVkLTk2MGQtMjM2ZDRjZDIzMmY=",
        "a_b-c_d-",
        "A" * 100,
    ],
)
def test_the_crc_handshake_answers_x_shaped_tokens(client, accounts, token):
    response = client.get(URL, {"crc_token": token})
    assert response.status_code == 200 and response.json() == {"response_token": crc_answer(token)}


def test_a_missing_token_or_secret_is_still_forbidden(client, accounts):
    assert client.get(URL).status_code == 403
    assert get_adapter("x").handshake(Credentials(), {"crc_token": "challenge-123"}).status == 403


HANDSHAKES = {
    "meta": {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"},
    "whatsapp": {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"},
    "x": {"crc_token": "challenge-123"},
    "telegram": {},  # no handshake (405), limited all the same
}


@pytest.mark.parametrize("kind", sorted(HANDSHAKES))
def test_handshakes_are_rate_limited_per_account_and_address(client, accounts, kind):
    url = f"/intake/{kind}/{kind}-test/webhook/"
    # Frozen at the start of a window, so the whole allowance falls in one window whatever the real clock says.
    start = timezone.now().replace(second=0, microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        first = client.get(url, HANDSHAKES[kind]).status_code
        assert first in (200, 405)
        for _ in range(webhooks.HANDSHAKES_PER_WINDOW - 1):
            assert client.get(url, HANDSHAKES[kind]).status_code == first

        refused = client.get(url, HANDSHAKES[kind])
        assert refused.status_code == 429 and refused["Retry-After"] == "60"
        assert refused.json()["error"]["code"] == "rate_limited" and refused.json()["error"]["fields"] == {}

        # Another address, or another account of the same address, has its own allowance.
        assert client.get(url, HANDSHAKES[kind], REMOTE_ADDR="10.0.0.2").status_code == first
        other = factories.ChannelAccountFactory(office=accounts[kind].office, kind=kind, slug=f"{kind}-other")
        assert client.get(f"/intake/{kind}/{other.slug}/webhook/", HANDSHAKES[kind]).status_code == first

        clock.shift(timedelta(seconds=webhooks.HANDSHAKE_WINDOW_SECONDS + 1))
        assert client.get(url, HANDSHAKES[kind]).status_code == first


def test_the_rate_limit_does_not_touch_deliveries(client, accounts):
    for _ in range(webhooks.HANDSHAKES_PER_WINDOW + 1):
        client.get(URL, {"crc_token": "challenge-123"})
    body = b'{"for_user_id": "1"}'
    assert (
        client.post(
            URL,
            data=body,
            content_type="application/json",
            **{"HTTP_X_TWITTER_WEBHOOKS_SIGNATURE": crc_answer(body.decode())},
        ).status_code
        == 200
    )


def test_behind_a_trusted_proxy_the_limit_keys_on_the_client_address(client, accounts, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for _ in range(webhooks.HANDSHAKES_PER_WINDOW):
        client.get(URL, {"crc_token": "challenge-123"}, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)
    assert (
        client.get(URL, {"crc_token": "challenge-123"}, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy).status_code == 429
    )
    # X's own checks, through the same proxy, are not locked out by someone else's probing.
    assert (
        client.get(URL, {"crc_token": "challenge-123"}, HTTP_X_FORWARDED_FOR="192.0.2.44", **proxy).status_code == 200
    )
