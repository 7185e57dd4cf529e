import pytest

from helpdesk.celery import app


def test_healthz_is_200_when_database_and_broker_answer(client, db, tmp_path, settings):
    body = client.get("/healthz")
    assert body.status_code == 200, body.content
    data = body.json()
    assert data["status"] == "ok" and data["checks"]["database"]["ok"] and data["checks"]["broker"]["ok"]


@pytest.fixture
def broken_broker():
    # A real connection attempt to a port where nothing listens (no mock of our own code).
    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    yield
    app.conf.broker_url = original


def test_healthz_is_503_naming_the_broker_when_it_is_down(client, db, broken_broker):
    response = client.get("/healthz")
    assert response.status_code == 503
    data = response.json()
    assert data["down"] == ["broker"] and data["checks"]["database"]["ok"]


def test_unknown_api_urls_answer_404_in_the_api_error_shape(client, db, settings):
    settings.DEBUG = False
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and "text/html" in page["Content-Type"]
