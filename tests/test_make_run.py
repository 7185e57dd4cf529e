"""`make run`'s embedded shape, for real: migrate, demo data, then web + worker + beat on SQLite and a
filesystem broker, in subprocesses; a web-chat message is answered through the API and the worker delivers it.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(url, *, method="GET", body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
        return response.status, json.loads(response.read() or b"null")


def wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


@pytest.fixture
def embedded_env(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER", "DJANGO_SETTINGS_MODULE"}
    }
    env.update({"DEBUG": "1", "VAR_DIR": str(tmp_path / "var"), "PORT": str(free_port())})
    return env


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,  # noqa: S603
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_embedded_shape_serves_answers_and_stops_on_ctrl_c(embedded_env):
    manage(embedded_env, "migrate", "--noinput")
    first = manage(embedded_env, "load_demo").stdout
    again = manage(embedded_env, "load_demo").stdout
    assert "0 inquiries added" not in first and "0 inquiries added" in again
    token = manage(embedded_env, "drf_create_token", "petugas1.soetta").stdout.split()[2]

    base = f"http://127.0.0.1:{embedded_env['PORT']}"
    runner = subprocess.Popen(  # noqa: S603
        [sys.executable, "scripts/run_embedded.py"],
        cwd=ROOT,
        env=embedded_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert wait_for(lambda: call(f"{base}/healthz")[0] == 200, 60), "web server did not come up"
        _, session = call(f"{base}/api/v1/webchat/sessions/", method="POST", body={"office": "050100"})
        visitor = {"X-Webchat-Token": session["token"]}
        call(f"{base}/api/v1/webchat/messages/", method="POST", body={"text": "Halo dari tes"}, headers=visitor)

        officer = {"Authorization": f"Token {token}"}
        _, listing = call(f"{base}/api/v1/inquiries/?channel=webchat&page_size=200", headers=officer)
        inquiry = next(item for item in listing["results"] if item["preview"] == "Halo dari tes")
        status, _ = call(
            f"{base}/api/v1/inquiries/{inquiry['id']}/reply/",
            method="POST",
            body={"text": "Jawaban dari petugas", "kind": "answer"},
            headers=officer,
        )
        assert status == 201

        def delivered():
            _, thread = call(f"{base}/api/v1/webchat/messages/", headers=visitor)
            return any(m["from"] == "office" for m in thread["messages"])

        assert wait_for(delivered, 60), "the worker did not deliver the reply"
    finally:
        runner.send_signal(signal.SIGINT)
        try:
            output, _ = runner.communicate(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(runner.pid, signal.SIGKILL)
            raise
    assert runner.returncode == 0, output
    assert "http://127.0.0.1:" in output and "petugas1.soetta" in output
    # Nothing of it is left running.
    left = subprocess.run(["ps", "-o", "pid=,stat=,args=", "-g", str(runner.pid)], capture_output=True, text=True)
    assert [line for line in left.stdout.splitlines() if " Z" not in line] == []
