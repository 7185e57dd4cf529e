"""The inbox refresh that finds nothing new, answered early (helpdesk.live_poll.LivePollMiddleware): one query,
the same 304 as the full stack gives, and never for a session the full stack would refuse."""

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from helpdesk.metrics import REQUESTS
from tests import factories
from tests.tickets.test_inbox_refresh import REFRESH, first_etag, morning, refresh  # noqa: F401 - a fixture
from tests.tickets.test_workspace import receive


@pytest.fixture
def etag(morning, logged_in, account):  # noqa: F811 - the fixture imported above
    receive(account, text="Paket saya tertahan")
    return first_etag(logged_in)


def test_unchanged_refresh_is_a_304_in_one_query(logged_in, etag, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = refresh(logged_in, etag)
    assert response.status_code == 304
    assert response.content == b""


def test_the_full_stack_takes_two_queries_for_the_same_304(logged_in, etag, django_assert_num_queries):
    """What the early answer saves (and that turning it off gives the answer of the full stack)."""
    with override_settings(LIVE_POLL_EARLY=False), django_assert_num_queries(2):
        response = refresh(logged_in, etag)
    assert response.status_code == 304


def _headers(response) -> dict:
    headers = {name.lower(): value for name, value in response.headers.items() if name.lower() != "x-request-id"}
    # django-csp joins its directives in no fixed order: compare them as a set.
    headers["content-security-policy"] = set(headers["content-security-policy"].split("; "))
    return headers


def test_the_early_304_has_the_headers_of_the_full_stacks(logged_in, etag):
    early = refresh(logged_in, etag)
    with override_settings(LIVE_POLL_EARLY=False):
        full = refresh(logged_in, etag)
    assert early.status_code == full.status_code == 304
    assert _headers(early) == _headers(full)
    assert early.headers["X-Request-ID"]
    assert early.headers["Cache-Control"] == "private, no-store"
    assert early.headers["X-Frame-Options"] == "DENY"


def test_the_early_304_is_counted_under_the_inbox_route(logged_in, etag):
    counter = REQUESTS.labels(route="inbox/", method="GET", status="304")
    before = counter._value.get()
    assert refresh(logged_in, etag).status_code == 304
    assert counter._value.get() == before + 1


def test_after_logout_the_same_etag_is_no_304(logged_in, etag):
    assert refresh(logged_in, etag).status_code == 304
    logged_in.post("/accounts/logout/")
    assert refresh(logged_in, etag).status_code == 302


def test_a_deactivated_officer_gets_no_304(logged_in, officer, etag):
    assert refresh(logged_in, etag).status_code == 304
    get_user_model().objects.filter(pk=officer.pk).update(is_active=False)
    assert refresh(logged_in, etag).status_code == 302


def test_a_password_changed_elsewhere_ends_the_session(logged_in, officer, etag):
    assert refresh(logged_in, etag).status_code == 304
    user = get_user_model().objects.get(pk=officer.pk)
    user.set_password("another-long-passphrase-2026")
    user.save()
    assert refresh(logged_in, etag).status_code == 302
    assert refresh(logged_in, etag).status_code == 302  # the full stack flushed the session


def test_an_officer_moved_to_another_office_gets_the_new_list(logged_in, officer, other_office, etag):
    from offices.models import StaffProfile

    StaffProfile.objects.filter(user=officer).update(office=other_office)
    assert refresh(logged_in, etag).status_code == 200


def test_a_deleted_session_or_a_forged_cookie_gets_no_304(client, logged_in, etag):
    logged_in.cookies["sessionid"] = "x" * 32
    assert refresh(logged_in, etag).status_code == 302
    client.cookies.clear()
    assert client.get(REFRESH, HTTP_IF_NONE_MATCH=etag).status_code == 302


def test_a_language_change_is_a_200(logged_in, etag):
    logged_in.cookies["django_language"] = "en"
    assert refresh(logged_in, etag).status_code == 200


def test_the_full_page_and_other_paths_are_not_answered_early(logged_in, etag):
    from django.urls import reverse

    assert logged_in.get(reverse("tickets:inbox") + "?queue=open", HTTP_IF_NONE_MATCH=etag).status_code == 200
    assert logged_in.get("/inbox/?queue=mine&partial=1", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_superuser_polls_every_office(morning, client, account, other_office, django_assert_num_queries):  # noqa: F811
    admin = factories.UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    receive(account, text="Paket saya tertahan")
    etag = first_etag(client)
    with django_assert_num_queries(1):
        assert refresh(client, etag).status_code == 304
    elsewhere = factories.ChannelAccountFactory(office=other_office, kind="webchat")
    receive(elsewhere, text="Pesan di kantor lain", sender="z")
    assert refresh(client, etag).status_code == 200


def test_a_session_of_an_unknown_backend_takes_the_full_stack(logged_in, etag):
    session = logged_in.session
    session["_auth_user_backend"] = "somewhere.else.Backend"
    session.save()
    assert refresh(logged_in, etag).status_code == 302  # the full stack finds no user for that backend


def test_sessions_saved_on_every_request_take_the_full_stack(logged_in, etag, django_assert_num_queries):
    # the user, the counters, and the session saved (cached_db: in a transaction of its own)
    with override_settings(SESSION_SAVE_EVERY_REQUEST=True), django_assert_num_queries(5):
        assert refresh(logged_in, etag).status_code == 304
