"""The production web server (``python -m helpdesk.serve``, Granian) started for real on a free loopback port, on
a migrated SQLite file (no other service): keep-alive, the access log without query strings, the app's answers
and headers, hostile request shapes, its settings refused with a clear message, and a worker that dies started
again."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpdesk import serve
from tests.faults.services import AppProcess, app_env, free_port, manage, port_answers, wait_for

ROOT = Path(__file__).resolve().parent.parent
NIK = "3171234567890123"

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serve")
    env = app_env(
        f"sqlite:///{folder / 'db.sqlite3'}", "", VAR_DIR=str(folder / "var"), STATIC_ROOT=str(folder / "static")
    )
    env.pop("REDIS_URL")
    env.pop("CELERY_BROKER_URL")
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")  # as the image does: the pages need the static manifest
    port = free_port()
    process = AppProcess(
        [sys.executable, "-m", "helpdesk.serve"],
        {**env, "WEB_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2", "WEB_THREADS": "3"},
        folder / "web.log",
    )
    process.env = env  # for the tests' own manage.py calls on the same database
    wait_for(lambda: port_answers(port), 60, f"the web server\n{process.tail()}")
    yield process, port
    process.kill(signal.SIGTERM)


def _exchange(port: int, raw: bytes, *, reads: int = 1, timeout: float = 10.0) -> bytes:
    """Send raw bytes on one connection; read until `reads` full answers (by Content-Length) or the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        data = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if _complete(data) >= reads:
                break
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            data += chunk
        return data


def _complete(data: bytes) -> int:
    count, rest = 0, data
    while b"\r\n\r\n" in rest:
        head, rest = rest.split(b"\r\n\r\n", 1)
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        if len(rest) < length:
            break
        rest = rest[length:]
        count += 1
    return count


def _get(path: str, port: int, extra: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode()


def test_answers_keep_the_connection_alive_and_carry_the_apps_headers(server):
    process, port = server
    data = _exchange(port, _get("/healthz", port) + _get("/tiket/", port), reads=2)
    assert _complete(data) == 2, data[:500]
    first, second = data.split(b"HTTP/1.1 ")[1:3]
    assert first.startswith((b"200", b"503")) and b"x-request-id:" in first.lower()
    assert second.startswith(b"200") and b"content-security-policy:" in second.lower()
    assert b"x-frame-options: deny" in second.lower()


def test_the_access_log_leaves_out_the_query_string(server):
    process, port = server
    data = _exchange(port, _get(f"/tiket/?nik={NIK}&hub.verify_token=s3cret", port))
    assert data.startswith(b"HTTP/1.1 "), data[:200]
    wait_for(lambda: '"GET /tiket/ HTTP/1.1"' in process.tail(20000), 10, "the access log line")
    log = process.tail(200000)
    assert NIK not in log and "s3cret" not in log


@pytest.mark.parametrize(
    ("raw", "statuses"),
    [
        (b"GARBAGE\r\n\r\n", (400,)),
        (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 600_000 + b"\r\n\r\n", (400, 431)),
        (b'POST /intake/telegram/none/webhook/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\n{"a":', (404,)),
        (
            b"POST /intake/telegram/none/webhook/ HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
            b'5\r\n{"a":\r\n0\r\n\r\n',
            (404,),
        ),
        (b"GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n", (400,)),
    ],
    ids=["not-http", "oversized-header", "unknown-account", "chunked-body", "foreign-host"],
)
def test_hostile_shapes_get_a_clear_4xx_and_the_server_keeps_serving(server, raw, statuses):
    process, port = server
    data = _exchange(port, raw)
    assert data.startswith(b"HTTP/1.1 "), data[:300]
    assert int(data.split(b" ", 2)[1]) in statuses, data[:300]
    assert _exchange(port, _get("/tiket/", port)).startswith(b"HTTP/1.1 200"), process.tail()
    assert '" 500 ' not in process.tail(200000)  # no answer of the access log was a server error


def test_a_worker_that_dies_is_started_again(server):
    process, port = server
    workers = [int(pid) for pid in _children(process.process.pid)]
    assert len(workers) == 2, process.tail()
    os.kill(workers[0], signal.SIGKILL)
    wait_for(
        lambda: len(_children(process.process.pid)) == 2 and workers[0] not in _children(process.process.pid),
        60,
        f"a new worker\n{process.tail()}",
    )
    for _ in range(6):  # both workers answer
        assert _exchange(port, _get("/tiket/", port)).startswith(b"HTTP/1.1 200"), process.tail()


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry))
    return found


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("WEB_BIND", "8000", "WEB_BIND must be HOST:PORT"),
        ("WEB_BIND", "0.0.0.0:99999", "WEB_BIND must be HOST:PORT"),
        ("WEB_CONCURRENCY", "0", "WEB_CONCURRENCY must be a whole number of at least 1"),
        ("WEB_THREADS", "many", "WEB_THREADS must be a whole number of at least 1"),
    ],
)
def test_bad_settings_are_refused_with_a_clear_message(name, value, message):
    env = {**os.environ, name: value}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "helpdesk.serve"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert message in result.stderr


def test_the_defaults(monkeypatch):
    for name in ("WEB_BIND", "WEB_CONCURRENCY", "WEB_THREADS", "WEB_ACCESS_LOG"):
        monkeypatch.delenv(name, raising=False)
    options = serve.server_options()
    cores = os.cpu_count() or 2
    assert (options["address"], options["port"]) == ("0.0.0.0", 8000)  # noqa: S104 - the container's listener
    assert options["workers"] == cores and options["blocking_threads"] == 2 * cores + 1
    assert options["interface"] == "wsgi" and options["http"] == "1" and options["log_access"] is True
    monkeypatch.setenv("WEB_ACCESS_LOG", "0")
    assert serve.server_options()["log_access"] is False


TELEGRAM_SECRET = "serve-telegram-s3cret"


def _telegram(update_id: int, *, host: str = "127.0.0.1", token: str = TELEGRAM_SECRET, chunked: bool = False) -> bytes:
    import json

    message = {
        "message_id": update_id,
        "date": 1767225600,
        "chat": {"id": 4242, "type": "private"},
        "from": {"id": 4242, "is_bot": False, "first_name": "Serve"},
        "text": "Kapan paket saya keluar?",
    }
    body = json.dumps({"update_id": update_id, "message": message})
    head = (
        f"POST /intake/telegram/serve-bot/webhook/ HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"X-Telegram-Bot-Api-Secret-Token: {token}\r\n"
    )
    if chunked:
        return (head + f"Transfer-Encoding: chunked\r\n\r\n{len(body):x}\r\n{body}\r\n0\r\n\r\n").encode()
    return (head + f"Content-Length: {len(body)}\r\n\r\n{body}").encode()


def _answers(data: bytes) -> list[tuple[int, bytes, dict]]:
    out, rest = [], data
    while b"\r\n\r\n" in rest:
        head, rest = rest.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(b":") for line in lines[1:])}
        length = int(headers.get(b"content-length", b"0"))
        out.append((int(lines[0].split(b" ")[1]), rest[:length], headers))
        rest = rest[length:]
    return out


def test_signed_webhooks_through_the_real_server_are_logged_once_with_the_apps_headers(server):
    """The usual delivery is answered before Django builds a request (helpdesk.webhook_wsgi); the same body again,
    a chunked one (no Content-Length: Django reads it) and a forged one are answered by Django as before."""
    import json

    process, port = server
    env = {**process.env}
    manage(
        env,
        "shell",
        "-c",
        "from offices.services import office_create; from offices.models import Typology; "
        "from channels_intake.accounts import channel_account_create; "
        "t, _ = Typology.objects.get_or_create(name='Serve', defaults={'officer_limit': 2}); "
        "o = office_create(code='990077', name='KPPBC Serve', typology=t, timezone='Asia/Jakarta'); "
        f"channel_account_create(office=o, kind='telegram', slug='serve-bot', secret='{TELEGRAM_SECRET}')",
    )
    raw = _telegram(880_000_001) + _telegram(880_000_001) + _telegram(880_000_002, chunked=True)
    raw += _telegram(880_000_003, token="forged")
    answers = _answers(_exchange(port, raw, reads=4))
    assert [status for status, _body, _headers in answers] == [200, 200, 200, 403], answers
    bodies = [json.loads(body) for _status, body, _headers in answers]
    assert bodies[0] == {"status": "ok", "accepted": 1, "duplicates": 0, "ignored": 0}
    assert bodies[1] == {"status": "ok", "accepted": 0, "duplicates": 1, "ignored": 0}
    assert bodies[2]["accepted"] == 1 and bodies[3]["error"]["code"] == "bad_signature"
    for _status, _body, headers in answers:
        assert headers[b"content-type"] == b"application/json" and headers[b"x-request-id"]
        assert headers[b"x-content-type-options"] == b"nosniff" and headers[b"x-frame-options"] == b"DENY"
    stored = manage(
        env,
        "shell",
        "-c",
        "from channels_intake.models import InboundEvent; "
        "print(sorted(InboundEvent.objects.filter(account__slug='serve-bot').values_list('dedupe_key', flat=True)))",
    )
    assert stored.strip().splitlines()[-1] == "['880000001', '880000002']"
