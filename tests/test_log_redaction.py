"""No log line holds a message text's identifiers, a token or a secret, whatever the entry point.

The requests below carry a NIK, an NPWP, a verify token and a CRC token through the entry points that face
the public and staff; everything logged meanwhile (the app's own lines, Django's, and the request line the
development server writes) is formatted by the formatter settings configure, and read back.
"""

import io
import logging
import logging.config
import sys
from pathlib import Path

import pytest
from django.conf import settings

from common.aftercommit import on_commit
from common.logging import RedactingFormatter, redact
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
NIK = "3171234567890001"
NPWP = "01.312.166.0-091.000"
VERIFY = "verify-token-SECRET-991"
CRC = "crcTOKENsecret12345"


@pytest.fixture
def captured():
    """Everything logged during the test, through the formatter of settings.LOGGING's console handler."""
    config = settings.LOGGING["formatters"][settings.LOGGING["handlers"]["console"]["formatter"]]
    formatter = logging.config.DictConfigurator({}).configure_formatter(dict(config))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    loggers = [logging.getLogger(), logging.getLogger("django.server"), logging.getLogger("django.request")]
    for logger in loggers:
        logger.addHandler(handler)
    old_level = logging.getLogger().level
    logging.getLogger().setLevel(logging.INFO)
    yield stream
    logging.getLogger().setLevel(old_level)
    for logger in loggers:
        logger.removeHandler(handler)


def access_line(method: str, url: str, status: int) -> None:
    """The line runserver's WSGIRequestHandler.log_message writes for a request."""
    logging.getLogger("django.server").info('"%s" %s %s', f"{method} {url} HTTP/1.1", status, 123)


def secrets_in(text: str) -> list[str]:
    digits = text.replace(".", "").replace("-", "")
    found = [s for s in (VERIFY, CRC) if s in text]
    found += [s for s in (NIK, "013121660091000") if s in digits]
    return found


def test_every_handler_formats_through_the_redacting_formatter_and_runserver_lines_too():
    from django.utils.module_loading import import_string

    from common.logging import RedactingFormatter

    formatters = settings.LOGGING["formatters"]
    for name, handler in settings.LOGGING["handlers"].items():
        # The plain one, or the JSON one (production), which redacts through the same rules.
        assert issubclass(import_string(formatters[handler["formatter"]]["()"]), RedactingFormatter), name
        assert "request_id" in handler["filters"], name
    for formatter in formatters.values():
        assert issubclass(import_string(formatter["()"]), RedactingFormatter)
    assert settings.LOGGING["loggers"]["django.server"]["handlers"] == ["console"]
    assert settings.CELERY_WORKER_HIJACK_ROOT_LOGGER is False


def test_secrets_sent_through_every_entry_point_never_reach_the_log(captured, client, api_client, office):
    officer = factories.StaffFactory(office=office).user
    client.force_login(officer)
    meta = factories.ChannelAccountFactory(office=office, kind="meta", slug="meta-1", verify_token=VERIFY)
    x = factories.ChannelAccountFactory(office=office, kind="x", slug="x-1")
    factories.ChannelAccountFactory(office=office, kind="webchat")

    url = f"/inbox/?q={NIK}"
    access_line("GET", url, client.get(url).status_code)
    url = f"/inbox/?q={NPWP}"
    access_line("GET", url, client.get(url).status_code)
    url = f"/intake/meta/{meta.slug}/webhook/?hub.mode=subscribe&hub.verify_token={VERIFY}&hub.challenge=1"
    access_line("GET", url, client.get(url).status_code)
    url = f"/intake/x/{x.slug}/webhook/?crc_token={CRC}"
    access_line("GET", url, client.get(url).status_code)
    token = api_client.post("/api/v1/webchat/sessions/", {"office": office.code}, format="json").json()["token"]
    response = api_client.post(
        "/api/v1/webchat/messages/", {"text": f"NIK saya {NIK}, NPWP {NPWP}"}, format="json", HTTP_X_WEBCHAT_TOKEN=token
    )
    assert response.status_code == 201
    # A failure whose exception text carries a secret: the traceback is redacted too.
    on_commit(lambda: (_ for _ in ()).throw(RuntimeError(f"token={VERIFY} for {NIK}")), what="test")

    text = captured.getvalue()
    assert "/inbox/" in text and "/intake/meta/" in text  # the lines were written...
    assert secrets_in(text) == []  # ...without what they carried


def test_redaction_keeps_what_an_operator_needs():
    line = redact('2026-12-01 08:00:00,123 INFO django.server "GET /inbox/?q=3171234567890001 HTTP/1.1" 200 512')
    assert line == '2026-12-01 08:00:00,123 INFO django.server "GET /inbox/?[…] HTTP/1.1" 200 512'
    assert (
        redact("processing inbound event 42 failed after 0.0047s") == "processing inbound event 42 failed after 0.0047s"
    )
    assert redact("IMEI 356938035643809") == "IMEI •••••••••••3809"


def test_the_formatter_redacts_tracebacks():
    formatter = RedactingFormatter("%(message)s")
    try:
        raise ValueError(f"secret={VERIFY} nik {NIK}")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, exc_info=sys.exc_info())
    assert secrets_in(formatter.format(record)) == []


def test_the_web_servers_access_log_format_leaves_out_the_query_string_and_the_referer():
    from helpdesk.serve import ACCESS_LOG_FORMAT

    assert "%(path)s" in ACCESS_LOG_FORMAT
    assert "query_string" not in ACCESS_LOG_FORMAT and "header" not in ACCESS_LOG_FORMAT
