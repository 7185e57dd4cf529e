"""Shared fixtures. Services (PostgreSQL, Redis) skip with a reason when absent; REQUIRE_SERVICES=1 fails."""

import os

import pytest
from django.db import connection

from tests import factories

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def need_service(available: bool, reason: str) -> None:
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing (REQUIRE_SERVICES=1): {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    need_service(bool(url), "REDIS_URL is not set: no Redis to test against")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        need_service(False, f"Redis at {url} does not answer: {exc}")
    return url


@pytest.fixture
def postgres(db) -> None:
    need_service(connection.vendor == "postgresql", "DATABASE_URL is not PostgreSQL")


@pytest.fixture
def office(db):
    return factories.OfficeFactory()


@pytest.fixture
def other_office(db):
    return factories.OfficeFactory()


@pytest.fixture
def officer(office):
    return factories.StaffFactory(office=office).user


@pytest.fixture
def webchat_account(office):
    return factories.ChannelAccountFactory(office=office, kind="webchat")


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def english(client):
    """Pages in English (the language a user picks; pages ignore the browser's Accept-Language)."""
    client.cookies["django_language"] = "en"
    return client


WORKER_APPLICATION_NAME = "helpdesk-test-worker"


def _tag_worker_connection(**kwargs) -> None:
    """In a worker thread started by a test: name its PostgreSQL session, so that close_worker_connections ends
    that session and only that one (not the test's, nor the one Playwright's greenlet keeps across tests)."""
    from django.db import connection

    task = kwargs.get("task")
    if task is not None and task.request.is_eager:  # run in the test's own thread: not a worker's session
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET application_name = %s", [WORKER_APPLICATION_NAME])


def close_worker_connections() -> None:
    """A worker thread's database connection outlives it; end it so the test database can be dropped. Only the
    sessions of worker threads (tagged by _tag_worker_connection at each task) and of threads that named
    themselves the same way are ended."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = %s",
                [WORKER_APPLICATION_NAME],
            )


@pytest.fixture(autouse=True)
def _fresh_webhook_accounts():
    """The per-process account cache must not carry accounts from one test's database into the next."""
    from channels_intake.accounts import webhook_account_cache_clear

    webhook_account_cache_clear()
    yield
    webhook_account_cache_clear()


@pytest.fixture
def smtp(settings):
    """A local SMTP server (tests/smtp_standin.py) the outbox's e-mail goes to; it accepts unless told to refuse."""
    from tests.smtp_standin import SmtpServer

    server = SmtpServer()
    server.refusing = False
    settings.EMAIL_OUTBOX_URL = f"smtp://127.0.0.1:{server.port}?from=helpdesk%40beacukai.example"
    yield server
    server.close()


def _connect_worker_tagging() -> None:
    from celery.signals import task_prerun

    task_prerun.connect(_tag_worker_connection, weak=False, dispatch_uid="tests.tag_worker_connection")


_connect_worker_tagging()


@pytest.fixture(autouse=True)
def _inbox_counters_immediate(request):
    """The inbox's change counters are raised by triggers deferred to the commit (tickets/live.py). A test run in
    one transaction that is rolled back never commits, so there they are made immediate: each write raises them
    at once, as a commit would have. Tests that really commit (transactional_db, the live server) keep them
    deferred, as in production."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    transactional = transactional or bool(marker and marker.kwargs.get("transaction"))
    if transactional or not ("db" in request.fixturenames or marker is not None):
        yield
        return
    request.getfixturevalue("db")
    if connection.vendor == "postgresql":
        from tickets.live import WATCHED, deferred_trigger

        with connection.cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS {', '.join(deferred_trigger(table) for table in WATCHED)} IMMEDIATE")
    yield
